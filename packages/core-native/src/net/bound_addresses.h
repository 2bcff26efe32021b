// Windows' rule for binding an address another socket holds, which Linux does not keep because
// bind() always sets SO_REUSEADDR (for TIME_WAIT reuse): on Windows a second bind to the exact
// address (family, IP, port) of a bound socket, listening or not, fails with WSAEADDRINUSE, or
// WSAEACCES when only the newcomer set SO_REUSEADDR; both having set it, the bind succeeds. A
// wildcard and a specific address do not collide (Wine's test_reuseaddr), nor do IPv4 and IPv6.
//
// The record covers the sockets of this process (every thread); the kernel still refuses a live
// listener's address across processes. Guarded by test/conformance/bind.test.ts.
#pragma once
#include <sys/socket.h>

namespace wsm::bound_addresses {

// How a socket asks for an address: the Winsock SO_REUSEADDR it set, and Linux's SO_REUSEPORT
// (listeners sharing a port on purpose, which Windows has no word for: they never collide).
struct Sharing {
  bool reuseAddr = false;
  bool reusePort = false;
};

// Binds descriptor `fd` to `addr` for `owner` under the rule above and records the address the
// kernel gave it (its port when `addr` asked for 0). 0, or the errno the bind fails with.
int Bind(const void* owner, int fd, const sockaddr_storage& addr, socklen_t len, Sharing sharing);

// Forgets what `owner` holds (closesocket): another socket may bind it again.
void Release(const void* owner);

}  // namespace wsm::bound_addresses
