// Which engine serves this environment: WSM_BACKEND=io_uring|epoll forces one; otherwise io_uring
// where the kernel allows it, else epoll.
#pragma once
#include <uv.h>

#include <memory>
#include <string>

#include "os/linux/engine.h"

namespace wsm {

struct EngineChoice {
  std::unique_ptr<IoEngine> engine;
  // When engine is null: why.
  int err = 0;
  const char* syscall = "";
  std::string message;
};

EngineChoice ChooseEngine(uv_loop_t* loop);

}  // namespace wsm
