// What sockets and files share for completion I/O: a descriptor, and the operations in flight on
// it, so that closing the handle can complete every one of them with an error (never silently).
#pragma once
#include <napi.h>

namespace wsm {

struct IoOp;

class IoHandle {
 public:
  int fd() const { return fd_; }
  bool HasPendingOps() const { return firstOp_ != nullptr; }

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

 protected:
  ~IoHandle() = default;
  // Cancels the operations in flight (they complete with ECANCELED), then closes the descriptor.
  // Idempotent.
  void CloseDescriptor(Napi::Env env);

  int fd_ = -1;
};

}  // namespace wsm
