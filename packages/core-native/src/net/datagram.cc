// The datagram (UDP) calls of SocketHandle: sendto and recvfrom, and what send and recv do on a
// UDP socket. One call moves one datagram, whole: a send never sends part of one, and a receive
// into a buffer too small for the datagram fills the buffer and fails with WSAEMSGSIZE, the rest
// of the datagram lost, as on Windows. Guarded by test/conformance/udp.test.ts.
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include <cerrno>
#include <cstring>

#include "core/args.h"
#include "core/errors.h"
#include "models/network_events.h"
#include "net/sockaddr.h"
#include "net/socket_handle.h"

namespace wsm {

namespace {

constexpr int kMaxPort = 65535;

// Windows reports a datagram the peer's host answered with "port unreachable" as WSAECONNRESET
// on a later call; Linux says ECONNREFUSED (only on a connected socket: see the README).
int WindowsDatagramError(int err) { return err == ECONNREFUSED ? ECONNRESET : err; }

bool IsWildcard(const sockaddr_storage& addr) {
  if (addr.ss_family == AF_INET) return reinterpret_cast<const sockaddr_in&>(addr).sin_addr.s_addr == htonl(INADDR_ANY);
  return IN6_IS_ADDR_UNSPECIFIED(&reinterpret_cast<const sockaddr_in6&>(addr).sin6_addr);
}

}  // namespace

int SocketHandle::DatagramRefusal(bool send, bool toPeer) {
  if (int refused = RefusalOf(send)) return refused;
  // Never bound (neither bind, connect nor a send named its address): WSAEINVAL on Windows, where
  // Linux would wait for a datagram that cannot come.
  if (!send && state_ == SocketState::kCreated) return EINVAL;
  // send without a default peer: WSAENOTCONN on Windows, EDESTADDRREQ on Linux.
  if (send && toPeer && state_ != SocketState::kConnected) return ENOTCONN;
  return 0;
}

void SocketHandle::BindIfUnbound(const char* syscall) {
  if (state_ != SocketState::kCreated) return;
  sockaddr_storage any;
  socklen_t len;
  MakeSockaddr(family_, "", 0, &any, &len);
  int one = 1;
  if (family_ == AF_INET6) setsockopt(fd_, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
  if (::bind(fd_, reinterpret_cast<sockaddr*>(&any), len) != 0) ThrowSystemError(Env(), errno, syscall);
  state_ = SocketState::kBound;
}

void SocketHandle::DatagramPeerArg(const Napi::CallbackInfo& info, size_t portIndex, const char* syscall,
                                   sockaddr_storage* addr, socklen_t* len) {
  int port = static_cast<int>(IntegerArg(info, portIndex, "port", syscall, 0, kMaxPort));
  std::string host = OptionalStringArg(info, portIndex + 1, "host", "localhost");
  if (host.empty() || !MakeSockaddr(family_, host, port, addr, len)) {
    ThrowInvalidArgument(Env(), syscall, "\"" + host + "\" is not an IPv" + (family_ == AF_INET ? "4" : "6") + " address");
  }
  // "The remote address is not a valid address (such as ADDR_ANY)": WSAEADDRNOTAVAIL, where Linux
  // sends to port 0 (EINVAL) or takes the wildcard address for the local host.
  if (port == 0 || IsWildcard(*addr)) ThrowSystemError(Env(), EADDRNOTAVAIL, syscall, "no datagram can be sent to a wildcard address or port 0");
}

size_t SocketHandle::ReceiveDatagram(ByteSpan buf, sockaddr_storage* from, const char* syscall, int flags) {
  if (int refused = DatagramRefusal(false, false)) {
    NetworkEventsAfterRecv(this);  // a failed recv is a recv too
    ThrowSystemError(Env(), refused, syscall);
  }
  iovec iov{buf.data, buf.length};
  msghdr msg{};
  msg.msg_name = from;
  msg.msg_namelen = from ? sizeof(*from) : 0;
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  ssize_t n;
  do {
    n = ::recvmsg(fd_, &msg, MSG_DONTWAIT | flags);  // flags: MSG_PEEK from recv
  } while (n < 0 && errno == EINTR);
  int err = n < 0 ? errno : 0;  // before the hook, which may make calls of its own
  NetworkEventsAfterRecv(this);  // re-enables FD_READ, as any recv does
  if (n < 0) ThrowSystemError(Env(), WindowsDatagramError(err), syscall);
  if (msg.msg_flags & MSG_TRUNC) {
    ThrowSystemError(Env(), EMSGSIZE, syscall, "the datagram was larger than the buffer, which holds its start; the rest is lost");
  }
  return static_cast<size_t>(n);
}

size_t SocketHandle::SendDatagram(ByteSpan buf, const sockaddr_storage* to, socklen_t toLen, const char* syscall) {
  if (int refused = DatagramRefusal(true, to == nullptr)) ThrowSystemError(Env(), refused, syscall);
  BindIfUnbound(syscall);
  ssize_t n;
  do {
    n = ::sendto(fd_, buf.data, buf.length, MSG_NOSIGNAL | MSG_DONTWAIT, reinterpret_cast<const sockaddr*>(to), toLen);
  } while (n < 0 && errno == EINTR);
  if (n < 0) {
    int err = errno;
    if (err == EAGAIN || err == EWOULDBLOCK) NetworkEventsAfterSendBlocked(this);
    ThrowSystemError(Env(), WindowsDatagramError(err), syscall);
  }
  return static_cast<size_t>(n);
}

// sendTo(buffer, port, host = "localhost") -> bytes
Napi::Value SocketHandle::SendTo(const Napi::CallbackInfo& info) {
  CheckOpen("sendto");
  ByteSpan buf = BufferArg(info, 0, "buffer");
  // On a connection-oriented socket the address is ignored and sendto is a send (Microsoft's
  // sendto documentation); its types are checked all the same.
  if (!IsDatagram()) {
    IntegerArg(info, 1, "port", "sendto", 0, kMaxPort);
    OptionalStringArg(info, 2, "host", "localhost");
    return SendBytes(buf, 0);
  }
  sockaddr_storage addr;
  socklen_t len;
  DatagramPeerArg(info, 1, "sendto", &addr, &len);
  return Napi::Number::New(Env(), static_cast<double>(SendDatagram(buf, &addr, len, "sendto")));
}

// recvFrom(buffer) -> { bytes, address, port, family }
Napi::Value SocketHandle::RecvFrom(const Napi::CallbackInfo& info) {
  CheckOpen("recvfrom");
  ByteSpan buf = BufferArg(info, 0, "buffer");
  sockaddr_storage from{};
  Napi::Value bytes;
  if (IsDatagram()) {
    bytes = Napi::Number::New(Env(), static_cast<double>(ReceiveDatagram(buf, &from, "recvfrom")));
  } else {
    // On a connection-oriented socket recvfrom is a recv (Microsoft's recvfrom documentation);
    // the address reported is the peer's, while the kernel still names it.
    bytes = RecvBytes(buf, 0);
    socklen_t len = sizeof(from);
    if (getpeername(fd_, reinterpret_cast<sockaddr*>(&from), &len) != 0) {
      from = sockaddr_storage{};
      from.ss_family = static_cast<sa_family_t>(family_);
    }
  }
  Napi::Object out = SockaddrToObject(Env(), from);
  out.Set("bytes", bytes);
  return out;
}

}  // namespace wsm
