#include "os/linux/tcp_counters.h"

#include <linux/tcp.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cstddef>

namespace wsm {

namespace {

// tcpi_state values (the kernel's include/net/tcp_states.h, which no uapi header exports).
enum : uint8_t {
  kTimeWait = 6,
  kClose = 7,
  kCloseWait = 8,
  kLastAck = 9,
  kListen = 10,
  kClosing = 11,
};

}  // namespace

bool ReadTcpCounters(int fd, TcpCounters* out) {
  tcp_info info{};
  socklen_t len = sizeof(info);
  if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &info, &len) != 0) return false;
  // tcpi_bytes_received came with Linux 4.1: an older kernel fills less.
  if (len < offsetof(tcp_info, tcpi_bytes_received) + sizeof(info.tcpi_bytes_received)) return false;
  out->bytesReceived = info.tcpi_bytes_received;
  // On a listener tcpi_unacked is the accept queue's length (tcp_get_info).
  out->acceptQueue = info.tcpi_state == kListen ? info.tcpi_unacked : 0;
  // The states a connection reaches only once the peer's FIN (or a reset) is in. CLOSE is also
  // where FIN_WAIT2 goes when the peer's FIN comes (the TIME_WAIT is a separate mini-socket).
  switch (info.tcpi_state) {
    case kCloseWait:
    case kLastAck:
    case kClosing:
    case kTimeWait:
    case kClose:
      out->peerClosed = true;
      break;
    default:
      out->peerClosed = false;
  }
  return true;
}

}  // namespace wsm
