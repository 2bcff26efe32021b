#include "os/linux/backend_probe.h"

#include <linux/io_uring.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace wsm {

int ProbeIoUring() {
#ifdef __NR_io_uring_setup
  io_uring_params params;
  std::memset(&params, 0, sizeof(params));
  long fd = syscall(__NR_io_uring_setup, 1, &params);
  if (fd < 0) return errno;
  close(static_cast<int>(fd));
  return 0;
#else
  return ENOSYS;
#endif
}

}  // namespace wsm
