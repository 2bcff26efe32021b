// The bridge between a completion engine and Node's event loop, one per Node environment.
//
// Submissions are queued by the engine and handed to the kernel once per loop turn (uv_prepare).
// Completions are harvested when the engine's descriptor is readable (uv_poll) or when the engine
// already holds some (uv_check, with uv_idle keeping the loop from blocking meanwhile), and reach
// JavaScript in batches: one call per harvest, carrying [id, result, flags] records in a shared
// Int32Array, never one call per completion.
#pragma once
#include <napi.h>
#include <uv.h>

#include <atomic>
#include <memory>
#include <vector>

#include "io/io_handle.h"
#include "io/io_op.h"
#include "os/linux/engine.h"

namespace wsm {

class IoHandle;

class IoLoop {
 public:
  static constexpr size_t kRecordInts = 3;  // id, result, flags
  // A record's flags: a datagram longer than the receive's buffers (lib/io-dispatch.ts).
  static constexpr int32_t kRecordTruncated = 1;
  static constexpr size_t kMaxBatch = 4096;

  // The loop of `env`, created on first use with the engine WSM_BACKEND asks for (or the best one
  // the kernel allows). Throws a WsmError if the requested engine cannot run.
  static IoLoop* Get(Napi::Env env);
  // The loop if this environment has one yet, else nullptr (then no engine knows any descriptor).
  static IoLoop* IfCreated(Napi::Env env);
  // Whether completions of `handle` are being delivered to JavaScript right now: the calls its
  // completion handlers make run while this is true. The engine has just heard from the socket
  // then, so SocketHandle::OverlappedRefusal skips the poll(2) that looks for a reset nothing has
  // met (a reset that came in that instant completes the operation with it instead).
  bool DeliveringTo(const IoHandle* handle) const { return delivering_ && handle->lastDelivery_ == deliveries_; }
  // True once an environment's teardown gave up waiting for the kernel to give back its requests
  // (IoEngine::Quiesce): memory an operation may have lent the kernel (a copier's buffers) must
  // then never be freed. Process-wide; almost always false.
  static std::atomic<bool>& KernelOutlivedTeardown();

  const char* EngineName() const { return engine_->Name(); }

  // setDispatch(fn): fn(count) is called once per batch; the records are in Records().
  void SetDispatch(Napi::Function fn) { dispatch_ = Napi::Persistent(fn); }
  Napi::Int32Array Records(Napi::Env env);

  // A fresh operation of `kind` on `handle`, from the pool. Dropping it without Start returns it.
  struct OpRecycler {
    IoLoop* loop;
    void operator()(IoOp* op) const { loop->Recycle(op); }
  };
  using OpPtr = std::unique_ptr<IoOp, OpRecycler>;
  OpPtr NewOp(IoKind kind, IoHandle* handle);
  // Takes ownership of `op`, assigns its id and submits it. Returns the id.
  uint32_t Start(OpPtr op);
  // CancelIoEx for one operation: false if there is no such operation in flight.
  bool Cancel(uint32_t id);
  // CancelIoEx(handle, NULL): every operation on `handle`. Returns how many were asked to stop.
  size_t CancelAll(IoHandle* handle);
  // Every operation on `handle` is cancelled and the engine forgets its descriptor; called just
  // before the descriptor is closed.
  void CancelHandle(IoHandle* handle);
  size_t Pending() const { return pending_; }
  // Whether `handle`'s operations in flight keep the event loop alive (IoHandle::loopRef_).
  void SetHandleRef(IoHandle* handle, bool on);

 private:
  IoLoop(Napi::Env env, uv_loop_t* loop, std::unique_ptr<IoEngine> engine);
  ~IoLoop();
  static void OnPoll(uv_poll_t* h, int status, int events);
  static void OnPrepare(uv_prepare_t* h);
  static void OnCheck(uv_check_t* h);
  static void OnIdle(uv_idle_t* h);
  static void Cleanup(void* arg);

  void Deliver();
  // The per-socket order of receives and sends (IoHandle::OpQueue).
  IoHandle::OpQueue* QueueFor(IoOp* op);
  void Submit(IoOp* op);
  void SubmitNextQueued(IoOp* finished);
  void CancelOne(IoOp* op);
  bool HasLocalCompletions() const { return !localDone_.empty(); }
  // Completes `op` on the JavaScript thread (copies received bytes out, adopts accepted sockets);
  // returns the result to report.
  int32_t Finish(IoOp* op);
  // AcceptEx with a receive buffer, ConnectEx with a send buffer: once connected, `op` goes on as
  // the receive or send of its data, and completes after it. True if it did.
  bool ContinueWithData(IoOp* op);
  // The completion of AcceptEx's first-data receive, on the accepted socket.
  int32_t FinishFirstData(IoOp* op);
  void Release(IoOp* op);
  // Ends the keep-alive of the handles whose last operation completed in this batch and that got
  // no new one meanwhile.
  void ReleaseIdleHandles();
  void Recycle(IoOp* op);
  IoOp* Lookup(uint32_t id) const;
  void UpdateRef();

  Napi::Env env_;
  uv_loop_t* loop_;
  std::unique_ptr<IoEngine> engine_;
  uv_poll_t poll_{};
  uv_prepare_t prepare_{};
  uv_check_t check_{};
  uv_idle_t idle_{};
  bool idling_ = false;
  bool pollRefd_ = false;
  bool delivering_ = false;
  uint64_t deliveries_ = 0;  // Deliver calls so far (IoHandle::lastDelivery_)
  bool shuttingDown_ = false;
  int handlesOpen_ = 0;

  std::vector<IoOp*> slots_;        // index = id & kSlotMask
  std::vector<IoOp*> opPool_;       // finished operations kept for reuse
  std::vector<uint32_t> freeSlots_;
  uint32_t generation_ = 0;
  size_t pending_ = 0;
  size_t refPending_ = 0;  // the operations of handles whose loopRef_ is set: they keep the loop alive
  std::vector<IoRequest*> harvested_;
  // Operations completed without reaching the engine (cancelled while queued behind another).
  std::vector<IoRequest*> localDone_;
  // Handles left with no operation during the batch being delivered (IoHandle::releaseQueued_).
  std::vector<IoHandle*> idleHandles_;
  // Completions of the core's own operations, told to their sinks after the batch's dispatch.
  struct SinkCompletion {
    IoSink* sink;
    uint64_t tag;
    int32_t result;
  };
  std::vector<SinkCompletion> sinkDone_;
  std::vector<SinkCompletion> sinkCalls_;  // the ones being told (sinkDone_ refills meanwhile)

  Napi::FunctionReference dispatch_;
  Napi::Reference<Napi::Int32Array> records_;
  int32_t* recordData_ = nullptr;
  std::unique_ptr<Napi::AsyncContext> context_;
};

}  // namespace wsm
