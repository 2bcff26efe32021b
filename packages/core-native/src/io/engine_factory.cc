#include "io/engine_factory.h"

#include <cerrno>
#include <cstdlib>
#include <cstring>

namespace wsm {

EngineChoice ChooseEngine(uv_loop_t* loop) {
  EngineChoice choice;
  const char* forced = std::getenv("WSM_BACKEND");
  std::string want = forced ? forced : "";
  if (!want.empty() && want != "io_uring" && want != "epoll") {
    choice.err = EINVAL;
    choice.syscall = "backend";
    choice.message = "WSM_BACKEND must be \"io_uring\" or \"epoll\", not \"" + want + "\"";
    return choice;
  }
  if (want != "epoll") {
    int err = 0;
    if (HaveUringEngine()) {
      choice.engine = CreateUringEngine(loop, &err);
      if (choice.engine) return choice;
    } else {
      err = ENOSYS;
    }
    if (want == "io_uring") {
      // Forced: say so rather than measure or test the wrong engine.
      choice.err = err;
      choice.syscall = "io_uring_setup";
      choice.message = HaveUringEngine() ? std::string("WSM_BACKEND=io_uring, but the kernel refuses io_uring: ") + strerror(err)
                                         : "WSM_BACKEND=io_uring, but this build has no io_uring engine (built without liburing)";
      return choice;
    }
  }
  int err = 0;
  choice.engine = CreateEpollEngine(loop, &err);
  if (!choice.engine) {
    choice.err = err;
    choice.syscall = "epoll_create1";
  }
  return choice;
}

}  // namespace wsm
