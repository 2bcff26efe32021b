#include "net/socket_handle.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

#include "core/addon_data.h"
#include "core/args.h"
#include "core/errors.h"
#include "core/type_tags.h"
#include "net/bound_addresses.h"
#include "io/io_loop.h"
#include "net/sockaddr.h"
#include "net/socket_table.h"

namespace wsm {

namespace {

constexpr int kMaxPort = 65535;

int FamilyFromNumber(int64_t family) { return family == 6 ? AF_INET6 : AF_INET; }

// Winsock's recv flags (MSG_OOB, MSG_PEEK) as Linux's; anything else was refused in lib/socket.ts.
int KernelRecvFlags(int64_t flags) {
  return ((flags & kMsgOob) ? MSG_OOB : 0) | ((flags & kMsgPeek) ? MSG_PEEK : 0);
}

// accept4 and socket with these flags: every descriptor is non-blocking (Winsock's FIONBIO on)
// and never leaks into child processes.
constexpr int kSocketFlags = SOCK_NONBLOCK | SOCK_CLOEXEC;

}  // namespace

Napi::Function SocketHandle::Define(Napi::Env env) {
  Napi::Function ctor = DefineClass(
      env, "SocketHandle",
      {
          InstanceMethod<&SocketHandle::Bind>("bind"),
          InstanceMethod<&SocketHandle::Listen>("listen"),
          InstanceMethod<&SocketHandle::Accept>("accept"),
          InstanceMethod<&SocketHandle::Connect>("connect"),
          InstanceMethod<&SocketHandle::Recv>("recv"),
          InstanceMethod<&SocketHandle::Send>("send"),
          InstanceMethod<&SocketHandle::Shutdown>("shutdown"),
          InstanceMethod<&SocketHandle::SendTo>("sendTo"),
          InstanceMethod<&SocketHandle::RecvFrom>("recvFrom"),
          InstanceMethod<&SocketHandle::Close>("close"),
          InstanceMethod<&SocketHandle::LocalAddress>("localAddress"),
          InstanceMethod<&SocketHandle::RemoteAddress>("remoteAddress"),
          InstanceMethod<&SocketHandle::SetNoDelay>("setNoDelay"),
          InstanceMethod<&SocketHandle::SetKeepAlive>("setKeepAlive"),
          InstanceMethod<&SocketHandle::SetReusePort>("setReusePort"),
          InstanceMethod<&SocketHandle::GetError>("getError"),
          InstanceMethod<&SocketHandle::SetOption>("setOption"),
          InstanceMethod<&SocketHandle::GetOption>("getOption"),
          InstanceMethod<&SocketHandle::SetLinger>("setLinger"),
          InstanceMethod<&SocketHandle::GetLinger>("getLinger"),
          InstanceMethod<&SocketHandle::BytesReadable>("bytesReadable"),
          InstanceMethod<&SocketHandle::AtMark>("atMark"),
      });
  Data(env).socketHandleCtor = Napi::Persistent(ctor);
  // Not InstanceAccessor: V8 checks the receiver of methods (a TypeError, "Illegal invocation"),
  // but not of accessors, and node-addon-api's accessor wrapper then throws a bare
  // Error("Invalid argument") for Object.create(SocketHandle.prototype).state.
  ctor.Get("prototype").As<Napi::Object>().DefineProperties({
      Napi::PropertyDescriptor::Accessor<&SocketHandle::Getter<&SocketHandle::GetState>>("state"),
      Napi::PropertyDescriptor::Accessor<&SocketHandle::Getter<&SocketHandle::GetFamily>>("family"),
      Napi::PropertyDescriptor::Accessor<&SocketHandle::Getter<&SocketHandle::GetDatagram>>("datagram"),
  });
  return ctor;
}

template <Napi::Value (SocketHandle::*Get)(const Napi::CallbackInfo&)>
Napi::Value SocketHandle::Getter(const Napi::CallbackInfo& info) {
  return (FromValue(info.Env(), info.This(), "this")->*Get)(info);
}

SocketHandle* SocketHandle::FromValue(Napi::Env env, const Napi::Value& value, const char* name) {
  if (SocketHandle* s = UnwrapTagged<SocketHandle>(env, value, kSocketHandleTag)) return s;
  ThrowTypeError(env, std::string("The \"") + name + "\" argument must be a Socket");
}

SocketHandle* SocketHandle::FromId(Napi::Env env, const Napi::Value& value, const char* name) {
  double number;
  if (napi_get_value_double(env, value, &number) == napi_ok && number >= 0 && number <= UINT32_MAX) {
    if (SocketHandle* s = socket_table::Find(static_cast<uint32_t>(number))) {
      if (s->id_ == number) return s;  // not a fraction of the number
    }
  }
  ThrowTypeError(env, std::string("The \"") + name + "\" argument must be the id of a Socket");
}

SocketHandle* SocketHandle::IfSocket(Napi::Env env, const Napi::Value& value) {
  return UnwrapTagged<SocketHandle>(env, value, kSocketHandleTag);
}

// new SocketHandle(family: 4 | 6, type?: 1 | 2) creates a socket, TCP (SOCK_STREAM, the default)
// or UDP (SOCK_DGRAM); new SocketHandle(External<int>, family) adopts
// an accepted descriptor (only native code can make an External, so JavaScript cannot forge one).
SocketHandle::SocketHandle(const Napi::CallbackInfo& info) : Napi::ObjectWrap<SocketHandle>(info) {
  Napi::Env env = info.Env();
  if (info.Length() >= 1 && info[0].IsExternal()) {
    fd_ = *info[0].As<Napi::External<int>>().Data();
    family_ = FamilyFromNumber(IntegerArg(info, 1, "family", "socket", 4, 6));
    state_ = SocketState::kConnected;
  } else {
    int64_t family = IntegerArg(info, 0, "family", "socket", 4, 6);
    if (family != 4 && family != 6) ThrowInvalidArgument(env, "socket", "The \"family\" argument must be 4 or 6");
    family_ = FamilyFromNumber(family);
    int64_t type = OptionalIntegerArg(info, 1, "type", "socket", SOCK_STREAM, SOCK_DGRAM, SOCK_STREAM);
    type_ = static_cast<int>(type);
    fd_ = socket(family_, type_ | kSocketFlags, type_ == SOCK_DGRAM ? IPPROTO_UDP : IPPROTO_TCP);
    if (fd_ < 0) ThrowSystemError(env, errno, "socket");
  }
  Register(info.This().As<Napi::Object>());
}

// Tags the object and gives it its number, last: a constructor that throws leaves no C++ object
// behind (its destructor never runs), and socket_table must never point at one.
void SocketHandle::Register(Napi::Object self) {
  Napi::Env env = self.Env();
  try {
    TagObject(env, self, kSocketHandleTag);
    id_ = socket_table::Add(this);
    self.DefineProperty(Napi::PropertyDescriptor::Value("id", Napi::Number::New(env, id_), napi_enumerable));
  } catch (...) {
    socket_table::Remove(id_);
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
    throw;
  }
}

SocketHandle::~SocketHandle() {
  // Collected without close(): release the descriptor rather than leak it. (Operations in flight
  // hold a reference to this object, so none can be pending here.)
  socket_table::Remove(id_);
  ReleaseAddress();
  if (fd_ >= 0) ::close(fd_);
}

void SocketHandle::ReleaseAddress() {
  if (!holdsAddress_) return;
  holdsAddress_ = false;
  bound_addresses::Release(this);
}

bool SocketHandle::AdoptAccepted(int fd) {
  if (state_ == SocketState::kClosed || fd_ < 0) {
    ::close(fd);
    return false;
  }
  // The unconnected descriptor the caller made for AcceptEx is replaced by the connection, which
  // keeps the options set on this socket, as on Windows.
  ApplyStoredOptions(fd);
  ::close(fd_);
  fd_ = fd;
  state_ = SocketState::kConnected;
  return true;
}

void SocketHandle::CheckOpen(const char* syscall) const {
  if (fd_ < 0) ThrowSystemError(Env(), EBADF, syscall, "the socket is closed");
}

SocketState SocketHandle::RefreshState() {
  if (state_ != SocketState::kConnecting) return state_;
  pollfd p{fd_, POLLOUT, 0};
  if (poll(&p, 1, 0) != 1) return state_;
  if (!(p.revents & (POLLERR | POLLHUP))) {
    state_ = SocketState::kConnected;  // POLLOUT alone: the handshake completed
    connectError_ = 0;
    return state_;
  }
  // POLLERR/POLLHUP: the connect failed, or it succeeded and the connection was then reset or
  // closed before anything looked (poll shows the same for both). Only SO_ERROR tells them apart;
  // without it a reset connection passed for a failed connect (except set instead of read set).
  // Reading SO_ERROR clears it, so it is kept for the next call that would have reported it.
  int err = TakeSocketError();
  if (err == 0 && connectExPending_ && !HasPeer()) {
    // A ConnectEx the engine has not handed to the kernel yet (io_uring submits at the end of the
    // loop's turn): the socket is still a fresh one, which polls as hung up with no error. It is
    // connecting, not connected (test/conformance/connect-bind-listen.test.ts, "at once").
    return state_;
  }
  deferredError_ = err;
  state_ = (err == 0 || err == ECONNRESET) ? SocketState::kConnected : SocketState::kConnectFailed;
  connectError_ = state_ == SocketState::kConnectFailed ? err : 0;
  return state_;
}

void SocketHandle::ForgetFailedConnect() {
  sockaddr unspec{};
  unspec.sa_family = AF_UNSPEC;
  ::connect(fd_, &unspec, sizeof(unspec));  // tcp_disconnect on a closed socket: cannot fail
  deferredError_ = 0;
}

bool SocketHandle::HasPeer() const {
  sockaddr_storage peer{};
  socklen_t len = sizeof(peer);
  return getpeername(fd_, reinterpret_cast<sockaddr*>(&peer), &len) == 0;
}

int SocketHandle::TakeSocketError() {
  int err = 0;
  socklen_t len = sizeof(err);
  if (getsockopt(fd_, SOL_SOCKET, SO_ERROR, &err, &len) != 0) err = errno;
  return reset_.SocketError(err);
}

void SocketHandle::CheckEndOfStream() {
  if (AbortError() != 0 || fd_ < 0) return;
  pollfd p{fd_, 0, 0};
  if (poll(&p, 1, 0) != 1) return;
  if (p.revents & POLLERR) DeferError(TakeSocketError());  // still owed to the next recv or send
  if (p.revents & POLLHUP) NoteHangup();
}

void SocketHandle::RememberPeer(const sockaddr_storage& peer) {
  if (!knownPeer_) knownPeer_ = std::make_unique<sockaddr_storage>();
  *knownPeer_ = peer;
}

int SocketHandle::OverlappedRefusal(bool send) {
  if (int refused = RefusalOf(send)) return refused;
  if (int refused = NotConnectedError()) return refused;
  // A reset nothing has met yet: the kernel holds it as the socket's error, or shows the
  // connection closed both ways. One poll(2) asks, except in the socket's own completion handlers,
  // where the engine has just heard from it: there the check would cost an echo server a syscall
  // per operation (about a tenth of its CPU per message, apps/bench README), and a reset that came
  // in that instant completes the operation with WSAECONNRESET instead.
  IoLoop* loop = IoLoop::IfCreated(Env());
  if (AbortError() == 0 && !(loop && loop->DeliveringTo(this))) {
    pollfd p{fd_, 0, 0};
    if (poll(&p, 1, 0) == 1) {
      if (p.revents & POLLERR) {
        if (int err = TakeSocketError(); err != 0 && AbortError() == 0) return err;
      }
      if (p.revents & POLLHUP) NoteHangup();
    }
  }
  int err = AbortError();
  if (err == 0) return 0;
  if (!send) {
    // Bytes that came before the reset are still received first (ResetRecord::RefusalOf).
    int queued = 0;
    if (ioctl(fd_, FIONREAD, &queued) == 0 && queued > 0) return 0;
  }
  return err;
}

int SocketHandle::NotConnectedError() {
  SocketState st = RefreshState();
  bool connection = st == SocketState::kConnected || st == SocketState::kConnectFailed || st == SocketState::kClosed;
  return connection ? 0 : ENOTCONN;
}

int SocketHandle::TakeDeferredError() {
  int err = deferredError_;
  deferredError_ = 0;
  return err;
}

Napi::Value SocketHandle::Bind(const Napi::CallbackInfo& info) {
  CheckOpen("bind");
  int port = static_cast<int>(IntegerArg(info, 0, "port", "bind", 0, kMaxPort));
  std::string host = OptionalStringArg(info, 1, "host", "");
  sockaddr_storage addr;
  socklen_t len;
  if (!MakeSockaddr(family_, host, port, &addr, &len)) {
    ThrowInvalidArgument(Env(), "bind", "\"" + host + "\" is not an IPv" + (family_ == AF_INET ? "4" : "6") + " address");
  }
  // Like Node's net: a restarted server can rebind while old connections sit in TIME_WAIT. (Linux
  // SO_REUSEADDR never lets two live listeners share a port, unlike the Windows option.)
  // SO_EXCLUSIVEADDRUSE leaves it off, so that no other socket can bind the address while this
  // one holds it (test/conformance/socket-options.test.ts "SO_EXCLUSIVEADDRUSE").
  // Not for UDP, which has no TIME_WAIT: there Linux's SO_REUSEADDR lets two sockets bind the same
  // port, where Windows refuses the second (test/conformance/udp.test.ts "test_bind").
  int one = 1;
  if (!options_.exclusiveAddrUse && !IsDatagram()) setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  if (family_ == AF_INET6) setsockopt(fd_, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
  // Windows' rule between the sockets that bind the same address (net/bound_addresses.h); Linux's
  // SO_REUSEADDR, always set, would let a second one in.
  bound_addresses::Sharing sharing;
  sharing.reuseAddr = options_.reuseAddr;
  int reusePort = 0;
  socklen_t optLen = sizeof(reusePort);
  sharing.reusePort = getsockopt(fd_, SOL_SOCKET, SO_REUSEPORT, &reusePort, &optLen) == 0 && reusePort != 0;
  if (int err = bound_addresses::Bind(this, fd_, addr, len, sharing)) ThrowSystemError(Env(), err, "bind");
  holdsAddress_ = true;
  state_ = SocketState::kBound;
  return Env().Undefined();
}

Napi::Value SocketHandle::Listen(const Napi::CallbackInfo& info) {
  CheckOpen("listen");
  if (IsDatagram()) ThrowSystemError(Env(), EOPNOTSUPP, "listen", "a UDP socket does not listen");
  int backlog = static_cast<int>(OptionalIntegerArg(info, 0, "backlog", "listen", 0, 65535, SOMAXCONN));
  // Windows refuses to listen on an unbound socket (WSAEINVAL) where Linux binds it to an
  // ephemeral port. Guarded by test/conformance/connect-bind-listen.test.ts "test_listen".
  if (state_ == SocketState::kCreated) ThrowSystemError(Env(), EINVAL, "listen", "the socket is not bound");
  if (::listen(fd_, backlog) != 0) ThrowSystemError(Env(), errno, "listen");
  state_ = SocketState::kListening;
  NetworkEventsAfterListen(this);  // a socket selected before listen() hears FD_ACCEPT from now on
  return Env().Undefined();
}

Napi::Value SocketHandle::Accept(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  CheckOpen("accept");
  if (IsDatagram()) ThrowSystemError(env, EOPNOTSUPP, "accept", "a UDP socket has no connections to accept");
  int fd;
  do {
    fd = accept4(fd_, nullptr, nullptr, kSocketFlags);
  } while (fd < 0 && errno == EINTR);
  int acceptErrno = fd < 0 ? errno : 0;  // before the hook, which may make calls of its own
  NetworkEventsAfterAccept(this);  // FD_ACCEPT again while connections remain queued
  if (fd < 0) {
    // Nothing pending: null rather than an exception, the common case of an accept loop. A
    // connection reset while queued (ECONNABORTED) is also just "nothing to take".
    if (acceptErrno == EAGAIN || acceptErrno == EWOULDBLOCK || acceptErrno == ECONNABORTED) return env.Null();
    ThrowSystemError(env, acceptErrno, "accept");
  }
  int fdCopy = fd;
  try {
    Napi::Object accepted = Data(env).socketHandleCtor.New(
        {Napi::External<int>::New(env, &fdCopy), Napi::Number::New(env, family_ == AF_INET6 ? 6 : 4)});
    // The kernel gives the connection the listener's options; what getsockopt reports follows.
    Unwrap(accepted)->options_ = options_;
    return accepted;
  } catch (...) {
    ::close(fd);
    throw;
  }
}

Napi::Value SocketHandle::Connect(const Napi::CallbackInfo& info) {
  CheckOpen("connect");
  int port = static_cast<int>(IntegerArg(info, 0, "port", "connect", 1, kMaxPort));
  std::string host = OptionalStringArg(info, 1, "host", "localhost");
  sockaddr_storage addr;
  socklen_t len;
  if (host.empty() || !MakeSockaddr(family_, host, port, &addr, &len)) {
    ThrowInvalidArgument(Env(), "connect", "\"" + host + "\" is not an IPv" + (family_ == AF_INET ? "4" : "6") + " address");
  }
  // Refresh first: a connect that has completed since the last look is EISCONN, not EALREADY
  // (state_ only moves on when something asks, and nothing may have asked since connect()).
  RefreshState();
  if (IsDatagram()) {
    // A UDP connect only names the default peer (send, recv): no handshake, and a new connect
    // replaces the peer, as on Windows. The kernel binds an unbound socket.
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), len) != 0) ThrowSystemError(Env(), errno, "connect");
    state_ = SocketState::kConnected;
    return Napi::Boolean::New(Env(), true);
  }
  // A listening socket cannot connect: WSAEINVAL on Windows, where Linux says EISCONN. Guarded
  // by test/conformance/connect-bind-listen.test.ts "test_connect".
  if (state_ == SocketState::kListening) ThrowSystemError(Env(), EINVAL, "connect", "the socket is listening");
  if (acceptOpId_ != 0) ThrowSystemError(Env(), EINVAL, "connect", "an AcceptEx is accepting into the socket");
  if (connectExConnection_ && (state_ == SocketState::kConnecting || state_ == SocketState::kConnected)) {
    ThrowSystemError(Env(), EINVAL, "connect", "the socket is connecting or connected by ConnectEx");
  }
  connectExConnection_ = false;  // past here no connection stands in the way: a new attempt
  if (state_ == SocketState::kConnecting || state_ == SocketState::kConnected) {
    ThrowSystemError(Env(), state_ == SocketState::kConnecting ? EALREADY : EISCONN, "connect");
  }
  deferredError_ = 0;  // a new attempt: the kernel clears SO_ERROR too (tcp_connect_init)
  // After a failed connect Windows starts a new attempt (Wine's test_select); Linux would answer
  // this call ECONNABORTED and only the next one would connect.
  if (state_ == SocketState::kConnectFailed) ForgetFailedConnect();
  int rc;
  do {
    rc = ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), len);
  } while (rc != 0 && errno == EINTR);
  if (rc == 0 || errno == EINPROGRESS) {
    RememberPeer(addr);
    connectUnreported_ = true;
  }
  if (rc == 0) {
    state_ = SocketState::kConnected;
    connectError_ = 0;
    NetworkEventsAfterConnect(this);
    return Napi::Boolean::New(Env(), true);
  }
  if (errno != EINPROGRESS) ThrowSystemError(Env(), errno, "connect");
  state_ = SocketState::kConnecting;
  NetworkEventsAfterConnect(this);  // FD_CONNECT will report the outcome
  return Napi::Boolean::New(Env(), false);
}

Napi::Value SocketHandle::Recv(const Napi::CallbackInfo& info) {
  CheckOpen("recv");
  ByteSpan buf = BufferArg(info, 0, "buffer");
  return RecvBytes(buf, KernelRecvFlags(OptionalIntegerArg(info, 1, "flags", "recv", 0, kMsgOob | kMsgPeek, 0)));
}

Napi::Value SocketHandle::RecvBytes(ByteSpan buf, int flags) {
  if (IsDatagram()) {
    // Microsoft's recv: MSG_OOB on a socket that is not stream-style is WSAEOPNOTSUPP.
    if (flags & MSG_OOB) ThrowSystemError(Env(), EOPNOTSUPP, "recv", "MSG_OOB on a datagram socket");
    return Napi::Number::New(Env(), static_cast<double>(ReceiveDatagram(buf, nullptr, "recv", flags)));
  }
  // An empty buffer goes to the kernel like any other: 0 when data is waiting (as Windows gives
  // it), EWOULDBLOCK when none is. Guarded by test/conformance/connect-bind-listen.test.ts
  // "test_empty_recv".
  int refused = RefusalOf(false);
  if (refused == 0) refused = NotConnectedError();
  if (refused != 0) {
    NetworkEventsAfterRecv(this);  // a failed recv is a recv too
    ThrowSystemError(Env(), refused, "recv");
  }
  ssize_t n;
  do {
    n = ::recv(fd_, buf.data, buf.length, flags);
  } while (n < 0 && errno == EINTR);
  int recvErrno = n < 0 ? errno : 0;  // before the hook, which may make calls of its own
  // Any recv, even a failed one, re-enables FD_READ and FD_OOB (WSAAsyncSelect/WSAEventSelect).
  NetworkEventsAfterRecv(this);
  // Data still queued comes first; then the error RefreshState took from SO_ERROR, which the
  // kernel would have reported here instead of this 0 or EAGAIN.
  if (n <= 0 && deferredError_ != 0) ThrowSystemError(Env(), TakeDeferredError(), "recv");
  if (n == 0) CheckEndOfStream();
  // The record takes the kernel's copy of a reset (consumed here: FD_CLOSE still needs it), and
  // turns the end of a reset connection into the reset (net/reset_record.h).
  if (n <= 0) {
    int32_t result = reset_.Receive(n < 0 ? -recvErrno : 0);
    if (result < 0) ThrowSystemError(Env(), -result, "recv");
  }
  return Napi::Number::New(Env(), static_cast<double>(n));
}

Napi::Value SocketHandle::Send(const Napi::CallbackInfo& info) {
  CheckOpen("send");
  ByteSpan buf = BufferArg(info, 0, "buffer");
  // MSG_OOB: the last byte goes as TCP urgent data (the urgent pointer after it).
  return SendBytes(buf, OptionalIntegerArg(info, 1, "flags", "send", 0, kMsgOob, 0) != 0 ? MSG_OOB : 0);
}

Napi::Value SocketHandle::SendBytes(ByteSpan buf, int oob) {
  if (IsDatagram()) {
    if (oob) ThrowSystemError(Env(), EOPNOTSUPP, "send", "MSG_OOB on a datagram socket");
    return Napi::Number::New(Env(), static_cast<double>(SendDatagram(buf, nullptr, 0, "send")));
  }
  // A pending error fails a send before anything is sent, as in the kernel (see RefreshState).
  if (deferredError_ != 0) ThrowSystemError(Env(), TakeDeferredError(), "send");
  if (int refused = RefusalOf(true)) ThrowSystemError(Env(), refused, "send");
  // Linux gives EWOULDBLOCK while connecting and EPIPE before any connect; Windows WSAENOTCONN.
  if (int refused = NotConnectedError()) ThrowSystemError(Env(), refused, "send");
  ssize_t n;
  do {
    // MSG_NOSIGNAL: a peer that went away is an EPIPE error, never a SIGPIPE that kills Node.
    n = ::send(fd_, buf.data, buf.length, MSG_NOSIGNAL | oob);
  } while (n < 0 && errno == EINTR);
  if (n < 0) {
    int err = errno;
    // Only a send that would block re-enables FD_WRITE: it is recorded again once there is room.
    if (err == EAGAIN || err == EWOULDBLOCK) NetworkEventsAfterSendBlocked(this);
    ThrowSystemError(Env(), -SendResult(-err), "send");  // the reset rule, as in Recv
  }
  return Napi::Number::New(Env(), static_cast<double>(n));
}

int32_t SocketHandle::SendResult(int32_t result) {
  return reset_.Send(result, result == -EPIPE && RefreshState() == SocketState::kConnected);
}

void SocketHandle::ObserveStreamResult(const IoRequest& req, int32_t result) {
  // Only what the record learns matters here; StreamResult reports the result.
  if (req.kind == IoKind::kSend) SendResult(result);
  else reset_.Receive(result);
}

int32_t SocketHandle::StreamResult(const IoRequest& req, int32_t result) {
  if (req.kind == IoKind::kSend) return SendResult(result);
  if (req.errorPending && result == 0 && fd_ >= 0) {
    // A zero-byte receive woken by an error: it fails with it (and the error is taken, as a recv
    // would take it).
    if (int err = TakeSocketError()) result = -err;
  } else if (result == 0 && req.length > 0) {
    CheckEndOfStream();
  }
  return reset_.Receive(result);
}

Napi::Value SocketHandle::Shutdown(const Napi::CallbackInfo& info) {
  CheckOpen("shutdown");
  if (info.Length() < 1 || !info[0].IsString()) {
    ThrowTypeError(Env(), "The \"how\" argument must be 'send', 'receive' or 'both'");
  }
  std::string how = info[0].As<Napi::String>().Utf8Value();
  int mode;
  if (how == "send") mode = SHUT_WR;
  else if (how == "receive") mode = SHUT_RD;
  else if (how == "both") mode = SHUT_RDWR;
  else ThrowInvalidArgument(Env(), "shutdown", "The \"how\" argument must be 'send', 'receive' or 'both'");
  // Windows refuses to shut down a socket without a connection (never connected, failed, or
  // listening) with WSAENOTCONN and changes nothing. Linux would stop a listener listening, and
  // mark a never-connected socket shut (ENOTCONN, yet it takes effect once the socket connects).
  // A connect under way is left to the kernel. Guarded by test/conformance/shutdown.test.ts.
  if (IsDatagram()) {
    // A UDP socket needs no connection to be shut down (Windows' WSAENOTCONN is for connection-
    // oriented sockets); Linux says ENOTCONN when it has no peer, yet shuts it down all the same.
    if (::shutdown(fd_, mode) != 0 && errno != ENOTCONN) ThrowSystemError(Env(), errno, "shutdown");
    if (mode != SHUT_RD) reset_.NoteSendShutdown();
    if (mode != SHUT_WR) reset_.NoteReceiveShutdown();
    return Env().Undefined();
  }
  SocketState st = RefreshState();
  if (st == SocketState::kCreated || st == SocketState::kBound || st == SocketState::kListening ||
      st == SocketState::kConnectFailed) {
    ThrowSystemError(Env(), ENOTCONN, "shutdown");
  }
  if (!knownPeer_) {
    sockaddr_storage peer{};
    socklen_t len = sizeof(peer);
    if (getpeername(fd_, reinterpret_cast<sockaddr*>(&peer), &len) == 0) RememberPeer(peer);
  }
  if (::shutdown(fd_, mode) != 0) ThrowSystemError(Env(), errno, "shutdown");
  if (mode != SHUT_RD) reset_.NoteSendShutdown();
  if (mode != SHUT_WR) reset_.NoteReceiveShutdown();
  return Env().Undefined();
}

Napi::Value SocketHandle::Close(const Napi::CallbackInfo& info) {
  NetworkEventsBeforeClose(this);  // nothing is recorded or posted for a closed socket
  // The AcceptEx accepting into this socket ends with WSA_OPERATION_ABORTED instead of taking
  // the next connection into a closed socket (which lost it).
  if (acceptOpId_ != 0) {
    if (IoLoop* loop = IoLoop::IfCreated(info.Env())) loop->Cancel(acceptOpId_);
  }
  ReleaseAddress();
  CloseDescriptor(info.Env());
  state_ = SocketState::kClosed;
  return info.Env().Undefined();
}

Napi::Value SocketHandle::LocalAddress(const Napi::CallbackInfo& info) {
  CheckOpen("getsockname");
  // An unbound socket has no name: WSAEINVAL on Windows, where Linux gives the wildcard address
  // and port 0. Guarded by test/conformance/connect-bind-listen.test.ts "test_getsockname".
  if (state_ == SocketState::kCreated) ThrowSystemError(info.Env(), EINVAL, "getsockname", "the socket is not bound");
  sockaddr_storage addr{};
  socklen_t len = sizeof(addr);
  if (getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0) ThrowSystemError(info.Env(), errno, "getsockname");
  return SockaddrToObject(info.Env(), addr);
}

Napi::Value SocketHandle::RemoteAddress(const Napi::CallbackInfo& info) {
  CheckOpen("getpeername");
  sockaddr_storage addr{};
  socklen_t len = sizeof(addr);
  if (getpeername(fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    int err = errno;
    // The kernel has no peer while connecting (SYN_SENT) nor once both directions are shut down
    // (CLOSE); Windows names it in both (knownPeer_).
    SocketState st = RefreshState();
    if (err == ENOTCONN && knownPeer_ && (st == SocketState::kConnecting || st == SocketState::kConnected)) {
      return SockaddrToObject(info.Env(), *knownPeer_);
    }
    ThrowSystemError(info.Env(), err, "getpeername");
  }
  return SockaddrToObject(info.Env(), addr);
}

Napi::Value SocketHandle::SetNoDelay(const Napi::CallbackInfo& info) {
  CheckOpen("setsockopt");
  int on = BooleanArg(info, 0, "noDelay") ? 1 : 0;
  if (setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on)) != 0) ThrowSystemError(info.Env(), errno, "setsockopt");
  return info.Env().Undefined();
}

// SO_REUSEPORT, before bind: several listeners (one per process or thread) share the port and the
// kernel spreads the connections over them. Windows has no equivalent (SO_REUSEADDR there lets a
// second bind steal the port, which is not this).
Napi::Value SocketHandle::SetReusePort(const Napi::CallbackInfo& info) {
  CheckOpen("setsockopt");
  int on = BooleanArg(info, 0, "reusePort") ? 1 : 0;
  if (setsockopt(fd_, SOL_SOCKET, SO_REUSEPORT, &on, sizeof(on)) != 0) ThrowSystemError(info.Env(), errno, "setsockopt");
  return info.Env().Undefined();
}

Napi::Value SocketHandle::SetKeepAlive(const Napi::CallbackInfo& info) {
  CheckOpen("setsockopt");
  int on = BooleanArg(info, 0, "enable") ? 1 : 0;
  int64_t delayMs = OptionalIntegerArg(info, 1, "initialDelay", "setsockopt", 0, 0x7fffffffLL * 1000, 0);
  if (setsockopt(fd_, SOL_SOCKET, SO_KEEPALIVE, &on, sizeof(on)) != 0) ThrowSystemError(info.Env(), errno, "setsockopt");
  if (on && delayMs > 0) {
    int secs = static_cast<int>(delayMs / 1000 > 0 ? delayMs / 1000 : 1);
    if (setsockopt(fd_, IPPROTO_TCP, TCP_KEEPIDLE, &secs, sizeof(secs)) != 0) ThrowSystemError(info.Env(), errno, "setsockopt");
  }
  return info.Env().Undefined();
}

// SO_ERROR: the pending error (a positive errno, 0 for none). Reading it clears it, as in the
// kernel, except a failed connect's, which Windows reports until a connection succeeds.
Napi::Value SocketHandle::GetError(const Napi::CallbackInfo& info) {
  CheckOpen("getsockopt");
  RefreshState();  // a connect that succeeded since clears connectError_
  if (connectError_ != 0) return Napi::Number::New(info.Env(), connectError_);
  int err = TakeDeferredError();
  if (err == 0) err = TakeSocketError();
  return Napi::Number::New(info.Env(), err);
}

Napi::Value SocketHandle::GetState(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), static_cast<int>(RefreshState()));
}

Napi::Value SocketHandle::GetFamily(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), family_ == AF_INET6 ? 6 : 4);
}

Napi::Value SocketHandle::GetDatagram(const Napi::CallbackInfo& info) { return Napi::Boolean::New(info.Env(), IsDatagram()); }

}  // namespace wsm
