#include "io/io_loop.h"

#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "core/addon_data.h"
#include "core/args.h"
#include "core/errors.h"
#include "core/js_call.h"
#include "io/engine_factory.h"
#include "io/io_handle.h"
#include "net/sockaddr.h"
#include "net/socket_handle.h"

namespace wsm {

namespace {

constexpr uint32_t kSlotBits = 20;
constexpr uint32_t kSlotMask = (1u << kSlotBits) - 1;
constexpr uint32_t kGenerationMask = 0x7ff;  // ids stay positive int32s
constexpr int kMaxRoundsPerDelivery = 8;     // then yield to the rest of the loop

// The bytes of a typed array held by `ref`, or nullptr if its ArrayBuffer has been detached.
uint8_t* TargetBytes(Napi::Env env, const Napi::Reference<Napi::Value>& ref, size_t* length) {
  Napi::Value v = ref.Value();
  // Raw N-API, not Napi::TypedArray::ArrayBuffer(), which throws for a view over a
  // SharedArrayBuffer: a C++ exception here, outside any JavaScript call, would end the process.
  // A DataView is a target too: ReadFile takes one (BufferArg accepts it), and reading into it
  // used to fail with EFAULT every time.
  void* data = nullptr;
  napi_value arraybuffer = nullptr;
  size_t byteOffset = 0;
  if (v.IsTypedArray()) {
    ByteSpan span{};
    if (!TypedArrayBytes(env, v, &span, &arraybuffer)) return nullptr;
    data = span.data;
    *length = span.length;
  } else if (v.IsDataView()) {
    if (napi_get_dataview_info(env, v, length, &data, &arraybuffer, &byteOffset) != napi_ok) return nullptr;
  } else {
    return nullptr;
  }
  bool detached = false;
  napi_is_detached_arraybuffer(env, arraybuffer, &detached);
  if (detached) return nullptr;
  return static_cast<uint8_t*>(data);
}

}  // namespace

IoLoop* IoLoop::Get(Napi::Env env) {
  AddonData& data = Data(env);
  if (data.ioLoop) return data.ioLoop;
  uv_loop_t* loop = nullptr;
  if (napi_get_uv_event_loop(env, &loop) != napi_ok) ThrowSystemError(env, EINVAL, "io", "no event loop");
  EngineChoice choice = ChooseEngine(loop);
  if (!choice.engine) ThrowSystemError(env, choice.err, choice.syscall, choice.message);
  data.ioLoop = new IoLoop(env, loop, std::move(choice.engine));
  return data.ioLoop;
}

IoLoop* IoLoop::IfCreated(Napi::Env env) { return Data(env).ioLoop; }

std::atomic<bool>& IoLoop::KernelOutlivedTeardown() {
  static std::atomic<bool> outlived{false};
  return outlived;
}

IoLoop::IoLoop(Napi::Env env, uv_loop_t* loop, std::unique_ptr<IoEngine> engine)
    : env_(env), loop_(loop), engine_(std::move(engine)) {
  uv_poll_init(loop_, &poll_, engine_->WatchFd());
  uv_prepare_init(loop_, &prepare_);
  uv_check_init(loop_, &check_);
  uv_idle_init(loop_, &idle_);
  handlesOpen_ = 4;
  poll_.data = prepare_.data = check_.data = idle_.data = this;
  uv_poll_start(&poll_, UV_READABLE, &IoLoop::OnPoll);
  uv_prepare_start(&prepare_, &IoLoop::OnPrepare);
  uv_check_start(&check_, &IoLoop::OnCheck);
  // None of these keeps the process alive by itself; operations in flight do (UpdateRef).
  uv_unref(reinterpret_cast<uv_handle_t*>(&poll_));
  uv_unref(reinterpret_cast<uv_handle_t*>(&prepare_));
  uv_unref(reinterpret_cast<uv_handle_t*>(&check_));
  uv_unref(reinterpret_cast<uv_handle_t*>(&idle_));
  context_ = std::make_unique<Napi::AsyncContext>(env, "wsm:completion");
  napi_add_env_cleanup_hook(env, &IoLoop::Cleanup, this);
}

IoLoop::~IoLoop() = default;

void IoLoop::Cleanup(void* arg) {
  auto* self = static_cast<IoLoop*>(arg);
  self->shuttingDown_ = true;
  // Nothing may reach this loop from now on: sockets and files finalized after this hook (the
  // environment's own teardown collects them) close their descriptors without it.
  Data(self->env_).ioLoop = nullptr;
  // The environment is going away: no more JavaScript. Stop the kernel first (the engine owns the
  // ring and its buffers): every operation it holds is cancelled and awaited (Quiesce), so that
  // nothing writes into the operations freed here or the buffers their owners free later. Then
  // drop what is left. The handles outlive this hook (they are finalized later), so none may keep
  // pointing at an operation freed here.
  bool quiet = self->engine_->Quiesce(kEngineTeardownWaitMs);
  if (!quiet) KernelOutlivedTeardown() = true;
  self->engine_.reset();
  for (IoOp* op : self->slots_) {
    if (!op) continue;
    IoHandle* handle = op->handle;
    handle->firstOp_ = nullptr;
    handle->recvQueue_ = IoHandle::OpQueue{};
    handle->sendQueue_ = IoHandle::OpQueue{};
    handle->pendingCount_ = 0;
    handle->releaseQueued_ = false;
    if (quiet) delete op;  // else the kernel may still write into it: leaked on purpose
  }
  self->slots_.clear();
  self->idleHandles_.clear();
  for (IoOp* op : self->opPool_) delete op;
  self->opPool_.clear();
  self->dispatch_.Reset();
  self->records_.Reset();
  self->context_.reset();
  auto closed = [](uv_handle_t* h) {
    auto* loop = static_cast<IoLoop*>(h->data);
    if (--loop->handlesOpen_ == 0) delete loop;
  };
  uv_close(reinterpret_cast<uv_handle_t*>(&self->poll_), closed);
  uv_close(reinterpret_cast<uv_handle_t*>(&self->prepare_), closed);
  uv_close(reinterpret_cast<uv_handle_t*>(&self->check_), closed);
  uv_close(reinterpret_cast<uv_handle_t*>(&self->idle_), closed);
}

Napi::Int32Array IoLoop::Records(Napi::Env env) {
  if (records_.IsEmpty()) {
    Napi::Int32Array arr = Napi::Int32Array::New(env, kMaxBatch * kRecordInts);
    recordData_ = arr.Data();
    records_ = Napi::Persistent(arr);
  }
  return records_.Value();
}

IoLoop::OpPtr IoLoop::NewOp(IoKind kind, IoHandle* handle) {
  IoOp* op;
  if (!opPool_.empty()) {
    op = opPool_.back();
    opPool_.pop_back();
  } else {
    op = new IoOp();
  }
  op->req.kind = kind;
  op->req.fd = handle->fd();
  op->req.owner = handle->serial();
  op->handle = handle;
  return OpPtr(op, OpRecycler{this});
}

void IoLoop::Recycle(IoOp* op) {
  constexpr size_t kMaxPooled = 4096;
  if (shuttingDown_ || opPool_.size() >= kMaxPooled) {
    delete op;
    return;
  }
  op->Reset();
  opPool_.push_back(op);
}

uint32_t IoLoop::Start(OpPtr owned) {
  IoOp* op = owned.release();
  uint32_t slot;
  if (!freeSlots_.empty()) {
    slot = freeSlots_.back();
    freeSlots_.pop_back();
  } else {
    slot = static_cast<uint32_t>(slots_.size());
    if (slot > kSlotMask) {
      Recycle(op);
      ThrowSystemError(env_, ENOBUFS, "io", "too many operations in flight");
    }
    slots_.push_back(nullptr);
  }
  generation_ = (generation_ + 1) & kGenerationMask;
  op->id = (generation_ << kSlotBits) | slot;
  slots_[slot] = op;
  op->req.userToken = reinterpret_cast<uint64_t>(op);
  // Link on the handle, so that closing it cancels this operation.
  op->nextOnHandle = op->handle->firstOp_;
  if (op->nextOnHandle) op->nextOnHandle->prevOnHandle = op;
  op->handle->firstOp_ = op;
  if (op->handle->pendingCount_++ == 0 && !op->handle->releaseQueued_) op->handle->KeepAlive(true);
  pending_++;
  if (op->handle->loopRef_) refPending_++;
  UpdateRef();
  Submit(op);
  return op->id;
}

IoHandle::OpQueue* IoLoop::QueueFor(IoOp* op) {
  if (op->req.kind == IoKind::kRecv || op->req.kind == IoKind::kRecvFrom) return &op->handle->recvQueue_;
  if (op->req.kind == IoKind::kSend || op->req.kind == IoKind::kSendTo) return &op->handle->sendQueue_;
  return nullptr;
}

void IoLoop::Submit(IoOp* op) {
  IoHandle::OpQueue* q = QueueFor(op);
  if (q && q->active) {
    op->queued = true;
    if (q->tail) q->tail->nextQueued = op;
    else q->head = op;
    q->tail = op;
    return;
  }
  if (q) q->active = op;
  if (op->req.kind == IoKind::kRecv) op->req.expectEmpty = !op->handle->recvLeftData_;
  engine_->Submit(&op->req);
}

void IoLoop::SubmitNextQueued(IoOp* finished) {
  IoHandle::OpQueue* q = QueueFor(finished);
  if (!q || q->active != finished) return;
  q->active = nullptr;
  IoOp* next = q->head;
  if (!next) return;
  q->head = next->nextQueued;
  if (!q->head) q->tail = nullptr;
  next->nextQueued = nullptr;
  next->queued = false;
  if (next->handle->fd() < 0) {
    // The socket was closed while this one waited its turn.
    next->req.result = -ECANCELED;
    localDone_.push_back(&next->req);
    return;
  }
  q->active = next;
  if (next->req.kind == IoKind::kRecv) next->req.expectEmpty = !next->handle->recvLeftData_;
  engine_->Submit(&next->req);
}

IoOp* IoLoop::Lookup(uint32_t id) const {
  uint32_t slot = id & kSlotMask;
  if (slot >= slots_.size()) return nullptr;
  IoOp* op = slots_[slot];
  return op && op->id == id ? op : nullptr;
}

bool IoLoop::Cancel(uint32_t id) {
  IoOp* op = Lookup(id);
  if (!op || op->harvested) return false;
  CancelOne(op);
  return true;
}

void IoLoop::CancelOne(IoOp* op) {
  if (!op->queued) {
    engine_->Cancel(&op->req);
    return;
  }
  // Never reached the engine: take it out of its queue and complete it here.
  IoHandle::OpQueue* q = QueueFor(op);
  IoOp* prev = nullptr;
  for (IoOp* it = q->head; it; prev = it, it = it->nextQueued) {
    if (it != op) continue;
    if (prev) prev->nextQueued = op->nextQueued;
    else q->head = op->nextQueued;
    if (q->tail == op) q->tail = prev;
    break;
  }
  op->nextQueued = nullptr;
  op->queued = false;
  op->req.result = -ECANCELED;
  localDone_.push_back(&op->req);
}

size_t IoLoop::CancelAll(IoHandle* handle) {
  size_t n = 0;
  for (IoOp* op = handle->firstOp_; op; op = op->nextOnHandle) {
    if (op->harvested || op->req.cancelRequested) continue;
    CancelOne(op);
    n++;
  }
  return n;
}

void IoLoop::CancelHandle(IoHandle* handle) {
  CancelAll(handle);
  // io_uring must see the cancellations before the descriptor number can be reused.
  engine_->Flush();
  if (handle->fd() >= 0) engine_->ForgetFd(handle->fd());
}

void IoLoop::Release(IoOp* op) {
  if (op->prevOnHandle) op->prevOnHandle->nextOnHandle = op->nextOnHandle;
  else op->handle->firstOp_ = op->nextOnHandle;
  if (op->nextOnHandle) op->nextOnHandle->prevOnHandle = op->prevOnHandle;
  uint32_t slot = op->id & kSlotMask;
  slots_[slot] = nullptr;
  freeSlots_.push_back(slot);
  pending_--;
  IoHandle* handle = op->handle;
  if (handle->loopRef_) refPending_--;
  bool native = op->sink != nullptr;
  Recycle(op);
  if (--handle->pendingCount_ != 0) return;
  if (native) {
    // The core's own handles (the copier's files) may be freed by their sink once it is told:
    // nothing may point at them later, so they never wait on the list.
    handle->KeepAlive(false);
    return;
  }
  // Not let go yet: JavaScript usually starts the next operation on this handle while the batch
  // is delivered, and an unref now would be a ref again microseconds later (two N-API calls and
  // a weak/strong switch of the reference per message). The reference keeps the handle alive
  // until ReleaseIdleHandles.
  if (!handle->releaseQueued_) {
    handle->releaseQueued_ = true;
    idleHandles_.push_back(handle);
  }
}

void IoLoop::ReleaseIdleHandles() {
  // Last: this may let a handle's JavaScript object be collected, so nothing touches it after.
  for (IoHandle* handle : idleHandles_) {
    handle->releaseQueued_ = false;
    if (handle->pendingCount_ == 0) handle->KeepAlive(false);
  }
  idleHandles_.clear();
}

bool IoLoop::ContinueWithData(IoOp* op) {
  IoRequest& req = op->req;
  // Cancelled, though it connected first: it completes as it is, without its data.
  if (req.cancelRequested) return false;
  bool accept = req.kind == IoKind::kAccept;
  if (accept && !op->targets.empty()) {
    // AcceptEx's first-data receive, on the accepted socket (Finish reports it as the AcceptEx).
    // The accept socket stays "being accepted into" until it completes.
    SocketHandle* accepted = op->acceptSocket;
    accepted->acceptOpId_ = op->id;
    req.kind = IoKind::kRecv;
    req.fd = accepted->fd();
    req.owner = accepted->serial();
    req.expectEmpty = true;
  } else if (req.kind == IoKind::kConnect && req.length > 0) {
    // ConnectEx's send buffer, in the socket's order of sends.
    req.kind = IoKind::kSend;
  } else {
    return false;
  }
  req.result = 0;
  req.progress = 0;
  req.received = nullptr;
  req.moreData = req.errorPending = false;
  op->harvested = false;
  // The first-data receive is the accepted socket's, outside the listener's queues; the send
  // takes its turn among the socket's sends.
  if (accept) engine_->Submit(&req);
  else Submit(op);
  return true;
}

int32_t IoLoop::Finish(IoOp* op) {
  IoRequest& req = op->req;
  int32_t result = req.result;
  if (req.kind == IoKind::kRecv && op->acceptSocket) return FinishFirstData(op);
  switch (req.kind) {
    case IoKind::kRecv:
    case IoKind::kRecvFrom:
    case IoKind::kRead: {
      const uint8_t* src = req.kind == IoKind::kRecv ? req.received : req.data;
      if (result > 0) {
        // Scatter into the caller's buffers, as WSARecv fills its WSABUF array in order.
        size_t left = static_cast<size_t>(result);
        for (const auto& target : op->targets) {
          if (left == 0) break;
          size_t length = 0;
          uint8_t* dst = TargetBytes(env_, target, &length);
          if (!dst) {
            result = -EFAULT;  // detached while the kernel worked: WSAEFAULT
            break;
          }
          size_t n = length < left ? length : left;
          std::memcpy(dst, src, n);
          src += n;
          left -= n;
        }
      }
      if (req.kind == IoKind::kRecv) {
        op->handle->recvLeftData_ = req.moreData || result <= 0;
        engine_->ReleaseRecv(&req);
        result = op->handle->StreamResult(req, result);
        // A completed WSARecv re-enables FD_READ, as recv does (Microsoft's list of re-enabling
        // calls; test/conformance/network-events.test.ts "each completed overlapped receive").
        NetworkEventsAfterRecv(static_cast<SocketHandle*>(op->handle));
      }
      if (req.kind == IoKind::kRecvFrom && result >= 0 && !op->sender.IsEmpty()) {
        SetSockaddrProperties(op->sender.Value(), req.addr);
      }
      break;
    }
    case IoKind::kSend:
      result = op->handle->StreamResult(req, result);
      break;
    case IoKind::kAccept:
      op->acceptSocket->acceptOpId_ = 0;
      if (result >= 0) {
        // An accept socket closed meanwhile (its close asked for the cancellation, which came too
        // late) closes the connection: WSA_OPERATION_ABORTED, as on Windows.
        int fd = result;
        result = op->acceptSocket->AdoptAccepted(fd) ? 0 : -ECANCELED;
      }
      NetworkEventsAfterAcceptEx(static_cast<SocketHandle*>(op->handle));
      if (result == 0 && ContinueWithData(op)) return 0;
      break;
    case IoKind::kConnect:
      static_cast<SocketHandle*>(op->handle)->ConnectFinished(result);
      if (result == 0 && ContinueWithData(op)) return 0;
      break;
    default:
      break;
  }
  return result;
}

int32_t IoLoop::FinishFirstData(IoOp* op) {
  IoRequest& req = op->req;
  SocketHandle* accepted = op->acceptSocket;
  if (accepted->acceptOpId_ == op->id) accepted->acceptOpId_ = 0;
  int32_t result = req.result;
  if (result > 0) {
    size_t length = 0;
    uint8_t* dst = TargetBytes(env_, op->targets[0], &length);
    if (!dst) result = -EFAULT;  // detached while the kernel worked: WSAEFAULT
    else std::memcpy(dst, req.received, static_cast<size_t>(result) < length ? static_cast<size_t>(result) : length);
  }
  accepted->recvLeftData_ = req.moreData || result <= 0;
  engine_->ReleaseRecv(&req);
  NetworkEventsAfterRecv(accepted);  // a completed receive, as in Finish
  // A peer that closed without sending completes the AcceptEx with 0 bytes (Wine's test_AcceptEx).
  if (result == 0) return 0;
  return accepted->StreamResult(req, result);
}

void IoLoop::Deliver() {
  if (delivering_ || shuttingDown_ || dispatch_.IsEmpty() || !recordData_) return;
  delivering_ = true;
  deliveries_++;
  Napi::HandleScope scope(env_);
  for (int round = 0; round < kMaxRoundsPerDelivery; round++) {
    harvested_.clear();
    harvested_.swap(localDone_);
    engine_->Harvest(harvested_);
    if (harvested_.empty()) break;
    for (IoRequest* req : harvested_) {
      IoOp* op = reinterpret_cast<IoOp*>(req->userToken);
      op->harvested = true;
      op->handle->lastDelivery_ = deliveries_;
      // Before any is finished: a reset met by one operation of a socket is known when the others
      // that completed with it are reported (IoHandle::StreamResult).
      if (req->result < 0 && (req->kind == IoKind::kRecv || req->kind == IoKind::kSend) && !op->acceptSocket) {
        op->handle->ObserveStreamResult(*req, req->result);
      }
    }
    size_t i = 0;
    while (i < harvested_.size()) {
      size_t count = 0;
      for (; i < harvested_.size() && count < kMaxBatch; i++) {
        IoOp* op = reinterpret_cast<IoOp*>(harvested_[i]->userToken);
        if (op->sink) {
          // An operation of the native core itself (the copier): no JavaScript record. Its sink
          // is told after this batch's records are dispatched: the sink may call JavaScript (a
          // progress callback, and the microtasks after it), which may start operations, and
          // those would take the slots of records written but not dispatched yet.
          int32_t result = Finish(op);
          sinkDone_.push_back({op->sink, op->sinkTag, result});
          SubmitNextQueued(op);
          Release(op);
          continue;
        }
        int32_t result = Finish(op);
        if (!op->harvested) continue;  // AcceptEx/ConnectEx went on to their data (ContinueWithData)
        int32_t* rec = recordData_ + count * kRecordInts;
        rec[0] = static_cast<int32_t>(op->id);
        rec[1] = result;
        rec[2] = op->req.truncated ? kRecordTruncated : 0;
        SubmitNextQueued(op);
        Release(op);
        count++;
      }
      if (count > 0) {
        // Only kCannotRun means the environment is going away (its cleanup hook frees the rest).
        // dispatch_ is not empty: checked on entry, and SetDispatch only ever replaces it.
        JsCall call = CallIntoJs(env_, dispatch_, env_.Global(), {Napi::Number::New(env_, static_cast<double>(count))}, *context_);
        if (call == JsCall::kCannotRun) shuttingDown_ = true;
        if (shuttingDown_) return;
      }
      // A sink keeps itself alive until it has heard of every operation it started.
      sinkCalls_.swap(sinkDone_);
      for (const SinkCompletion& c : sinkCalls_) {
        c.sink->OnIoComplete(c.tag, c.result);
        if (shuttingDown_) return;
      }
      sinkCalls_.clear();
    }
  }
  ReleaseIdleHandles();
  delivering_ = false;
  UpdateRef();
}

void IoLoop::SetHandleRef(IoHandle* handle, bool on) {
  if (handle->loopRef_ == on) return;
  handle->loopRef_ = on;
  if (on) refPending_ += handle->pendingCount_;
  else refPending_ -= handle->pendingCount_;
  UpdateRef();
}

void IoLoop::UpdateRef() {
  bool want = refPending_ > 0;
  if (want == pollRefd_) return;
  pollRefd_ = want;
  if (want) uv_ref(reinterpret_cast<uv_handle_t*>(&poll_));
  else uv_unref(reinterpret_cast<uv_handle_t*>(&poll_));
}

void IoLoop::OnPoll(uv_poll_t* h, int /*status*/, int /*events*/) { static_cast<IoLoop*>(h->data)->Deliver(); }

void IoLoop::OnPrepare(uv_prepare_t* h) {
  auto* self = static_cast<IoLoop*>(h->data);
  self->engine_->Flush();
  // Completions already waiting (an epoll operation that finished at once, an io_uring request
  // completed inline by the submit): poll without blocking, and the check phase delivers them.
  bool ready = self->engine_->HasReady() || self->HasLocalCompletions();
  if (ready && !self->idling_) uv_idle_start(&self->idle_, &IoLoop::OnIdle);
  if (!ready && self->idling_) uv_idle_stop(&self->idle_);
  self->idling_ = ready;
}

void IoLoop::OnCheck(uv_check_t* h) {
  auto* self = static_cast<IoLoop*>(h->data);
  if (self->engine_->HasReady() || self->HasLocalCompletions()) self->Deliver();
}

void IoLoop::OnIdle(uv_idle_t* /*h*/) {}

}  // namespace wsm
