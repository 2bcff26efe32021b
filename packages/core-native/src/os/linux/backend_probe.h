// Which completion engines this kernel lets the process use.
#pragma once

namespace wsm {

// 0 when io_uring_setup works here; else the errno that forbids it (ENOSYS, EPERM under a
// seccomp profile or kernel.io_uring_disabled).
int ProbeIoUring();

}  // namespace wsm
