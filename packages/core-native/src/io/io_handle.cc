#include "io/io_handle.h"

#include <unistd.h>

#include "io/io_loop.h"

namespace wsm {

void IoHandle::CloseDescriptor(Napi::Env env) {
  if (fd_ < 0) return;
  // closesocket()/CloseHandle() with I/O pending: every operation completes with
  // WSA_OPERATION_ABORTED (ECANCELED), delivered like any other completion.
  // The engine also forgets the descriptor (epoll: its registration), before the number can be
  // reused by the next socket or file.
  if (IoLoop* loop = IoLoop::IfCreated(env)) loop->CancelHandle(this);
  ::close(fd_);  // close(2) releases the descriptor even when it reports an error
  fd_ = -1;
}

}  // namespace wsm
