// A descriptor the native core owns itself (the copier's files), as an IoHandle so that its reads
// and writes run on the completion engine like any FileHandle's.
#pragma once
#include "io/io_handle.h"

namespace wsm {

class RawFile final : public IoHandle {
 public:
  void Adopt(int fd) { fd_ = fd; }
  // Gives the descriptor up (to be closed elsewhere, asynchronously); -1 if none.
  int Release() {
    int fd = fd_;
    fd_ = -1;
    return fd;
  }
  // Nothing to keep alive: the owner lives until its operations have completed.
  void KeepAlive(bool) override {}
};

}  // namespace wsm
