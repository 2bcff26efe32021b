// Winsock's setsockopt/getsockopt and ioctlsocket(FIONREAD) on a SocketHandle (the members are
// defined in socket_options.cc). lib/socket-options.ts maps Winsock's (level, name) pairs onto the
// option numbers below and checks the values' types; this side checks their ranges again.
#pragma once
#include <cstdint>

namespace wsm {

// The options getOption/setOption take, by number. Keep in step with lib/socket-options.ts.
enum class SocketOption : int {
  kRcvBuf = 0,            // SO_RCVBUF
  kSndBuf = 1,            // SO_SNDBUF
  kKeepAlive = 2,         // SO_KEEPALIVE
  kNoDelay = 3,           // TCP_NODELAY
  kExclusiveAddrUse = 4,  // SO_EXCLUSIVEADDRUSE
  kReuseAddr = 5,         // SO_REUSEADDR
  kOobInline = 6,         // SO_OOBINLINE
};
constexpr int kLastSocketOption = 6;

// recv/send flags, by Winsock's values (winsock2.h), which lib/socket.ts passes through.
constexpr int kMsgOob = 0x1;
constexpr int kMsgPeek = 0x2;

// What Windows reports back that Linux does not keep as it was set: getsockopt(SO_RCVBUF) after
// setsockopt(SO_RCVBUF, n) is n on Windows (Linux doubles it, and clamps it); SO_LINGER keeps
// its time while off and a timed linger never reaches the kernel (close must not block); the two
// address options are Winsock's own. A few bytes per socket.
struct StoredOptions {
  int32_t rcvBuf = -1;  // the SO_RCVBUF set, -1 until one is
  int32_t sndBuf = -1;
  uint16_t lingerSeconds = 0;
  bool lingerOn = false;
  bool exclusiveAddrUse = false;
  bool reuseAddr = false;
  // SO_OOBINLINE, also given to the kernel: kept here because select, FIONREAD and SIOCATMARK
  // answer differently with it (urgent data in the stream, not beside it).
  bool oobInline = false;
};

}  // namespace wsm
