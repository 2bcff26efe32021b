// What the kernel's TCP_INFO tells the network-event model that readiness cannot: whether
// something new arrived (data, a connection) while the condition was already true, and whether the
// peer has closed its side after this side shut down its own receiving direction (the kernel then
// reports the end of the stream whatever the peer did). In its own file: the struct with these
// fields comes from <linux/tcp.h>, which clashes with <netinet/tcp.h>.
#pragma once
#include <cstdint>

namespace wsm {

struct TcpCounters {
  uint64_t bytesReceived = 0;  // in order, since the connection began: grows with every arrival
  uint32_t acceptQueue = 0;    // a listener: the connections waiting for accept
  bool peerClosed = false;     // the peer's FIN (or a reset) has come: the state is past it
};

// False if the kernel would not say (then the fields are left as they were).
bool ReadTcpCounters(int fd, TcpCounters* out);

}  // namespace wsm
