// What sockets and files share for completion I/O: a descriptor, and the operations in flight on
// it, so that closing the handle can complete every one of them with an error (never silently).
#pragma once
#include <napi.h>

#include <atomic>
#include <cstdint>

#include "os/linux/engine.h"

namespace wsm {

struct IoOp;

class IoHandle {
 public:
  int fd() const { return fd_; }
  bool HasPendingOps() const { return firstOp_ != nullptr; }
  // Unique per handle for the life of the process (see IoRequest::owner).
  uint64_t serial() const { return serial_; }

  // Keeps the JavaScript object (and so the descriptor) alive while operations are in flight:
  // called with true when the first starts and with false once none is left at the end of a
  // batch of completions (IoLoop), so an echo server, whose receive completes just before it
  // posts the next one, pays nothing per operation for it.
  virtual void KeepAlive(bool on) = 0;

  // What a stream socket makes of its receive and send results (`req.kind`): Winsock's reset rule
  // (net/reset_record.h). Other handles report results as they are. IoLoop shows the handle every
  // result of a batch (ObserveStreamResult) before it finishes any (StreamResult), so the reset one
  // operation met is known when the others that completed with it are reported.
  virtual void ObserveStreamResult(const IoRequest& /*req*/, int32_t /*result*/) {}
  virtual int32_t StreamResult(const IoRequest& /*req*/, int32_t result) { return result; }
  size_t pendingCount_ = 0;
  // The IoLoop delivery (IoLoop::deliveries_) that last reported a completion of this handle.
  uint64_t lastDelivery_ = 0;
  // Do this handle's operations in flight keep the event loop alive? (uv_ref/uv_unref of a handle,
  // as net.Socket#unref: an unref'd connection waiting for data lets the process exit.) IoLoop
  // counts the operations of ref'd handles only; changed through IoLoop::SetHandleRef.
  bool loopRef_ = true;
  // On IoLoop's list of handles to let go after the batch. KeepAlive(true) is in force exactly
  // while pendingCount_ > 0 or this is set.
  bool releaseQueued_ = false;

  // Intrusive list of the IoOps running on this handle; maintained by IoLoop.
  IoOp* firstOp_ = nullptr;

  // A stream socket has one receive and one send in the kernel at a time; later ones wait here in
  // order, so that data is neither reordered nor interleaved (Winsock completes overlapped sends
  // and receives on a stream in the order they were posted). Maintained by IoLoop.
  struct OpQueue {
    IoOp* active = nullptr;
    IoOp* head = nullptr;
    IoOp* tail = nullptr;
  };
  OpQueue recvQueue_;
  OpQueue sendQueue_;
  // Did the last receive leave data in the socket? (A hint for the next one; see IoRequest.)
  bool recvLeftData_ = true;

 protected:
  virtual ~IoHandle() = default;
  // Cancels the operations in flight (they complete with ECANCELED), then closes the descriptor.
  // Idempotent.
  void CloseDescriptor(Napi::Env env);

  int fd_ = -1;

 private:
  static inline std::atomic<uint64_t> nextSerial_{1};  // worker threads make handles too
  uint64_t serial_ = nextSerial_.fetch_add(1, std::memory_order_relaxed);
};

}  // namespace wsm
