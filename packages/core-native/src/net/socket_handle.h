// The native half of a Socket: one TCP or UDP socket descriptor, always non-blocking, and the
// little state Winsock's models need (is it listening, connecting, connected?). lib/socket.ts
// wraps it. The datagram (UDP) calls are in datagram.cc.
#pragma once
#include <napi.h>

#include "core/args.h"
#include "io/io_handle.h"
#include "models/network_events.h"
#include "net/reset_record.h"
#include "net/socket_options.h"

#include <sys/socket.h>

#include <cerrno>
#include <memory>

namespace wsm {

enum class SocketState : int {
  kCreated = 0,        // socket() done; neither readable nor writable for select
  kBound = 1,          // bind() done
  kListening = 2,      // listen() done
  kConnecting = 3,     // non-blocking connect() in progress
  kConnected = 4,      // connect() completed, or accepted
  kConnectFailed = 5,  // connect() failed; getError reports why (connectError_) until a connect succeeds
  kClosed = 6,
};

class SocketHandle : public Napi::ObjectWrap<SocketHandle>, public IoHandle {
 public:
  static Napi::Function Define(Napi::Env env);
  // Unwraps `value` if it is a SocketHandle, else throws a TypeError naming `name`.
  static SocketHandle* FromValue(Napi::Env env, const Napi::Value& value, const char* name);
  // The SocketHandle whose `id` is `value` (socket_table.h), else throws a TypeError naming `name`.
  static SocketHandle* FromId(Napi::Env env, const Napi::Value& value, const char* name);
  // The SocketHandle `value` wraps, else nullptr (no exception).
  static SocketHandle* IfSocket(Napi::Env env, const Napi::Value& value);

  explicit SocketHandle(const Napi::CallbackInfo& info);
  ~SocketHandle() override;

  void KeepAlive(bool on) override {
    if (on) Ref();
    else Unref();
  }

  // The state, with a connect in progress settled first if the kernel has finished it.
  SocketState RefreshState();
  // Throws EBADF if the socket has been closed.
  void CheckOpen(const char* syscall) const;
  int Family() const { return family_; }
  // A UDP socket (SOCK_DGRAM): no connection, one datagram per receive (datagram.cc).
  bool IsDatagram() const { return type_ == SOCK_DGRAM; }
  // The state the readiness models (select, WSAAsyncSelect/WSAEventSelect) read: a datagram
  // socket has no connection to wait for, so in every state it is readable once a datagram (or an
  // error) is queued and writable while there is room, as on Windows
  // (test/conformance/udp-readiness.test.ts).
  // Datagram sockets (datagram.cc), for recv/send here and WSARecv(From)/WSASend(To) alike:
  // what a receive (`send` false) or a send to the connected peer (`toPeer`) fails with at once,
  // 0 for none (WSAESHUTDOWN, WSAEINVAL before bind, WSAENOTCONN without a peer).
  int DatagramRefusal(bool send, bool toPeer);
  // A send binds a socket never bound to an ephemeral port first, as Windows' sendto does.
  void BindIfUnbound(const char* syscall);
  // The destination (port, host = "localhost") of a sendto at info[portIndex]: an address of this
  // socket's family, neither port 0 nor the wildcard address (WSAEADDRNOTAVAIL).
  void DatagramPeerArg(const Napi::CallbackInfo& info, size_t portIndex, const char* syscall, sockaddr_storage* addr,
                       socklen_t* len);
  SocketState ReadinessState() {
    SocketState st = RefreshState();
    return IsDatagram() && st != SocketState::kClosed ? SocketState::kConnected : st;
  }
  SocketState State() const { return state_; }
  // An overlapped connect (ConnectEx) starts: the socket is connecting until ConnectFinished.
  // Unlike a connect(), it leaves the peer unknown meanwhile: Windows' getpeername is WSAENOTCONN
  // until the ConnectEx completes (test/conformance/connect-bind-listen.test.ts, "getpeername").
  void ConnectStarted() {
    state_ = SocketState::kConnecting;
    connectExPending_ = true;
    connectUnreported_ = true;
    connectExConnection_ = true;
    knownPeer_.reset();  // a failed connect() before may have left its address
  }
  // The completion of an overlapped connect: 0 or -errno.
  void ConnectFinished(int result) {
    connectExPending_ = false;
    if (state_ != SocketState::kConnecting) return;
    state_ = result == 0 ? SocketState::kConnected : SocketState::kConnectFailed;
    connectError_ = result < 0 ? -result : 0;
  }
  // AcceptEx: this socket becomes the accepted connection `fd`. False (and `fd` closed) if this
  // socket was closed meanwhile.
  bool AdoptAccepted(int fd);

  // SO_OOBINLINE is on: urgent data is read in the stream (select leaves it out of the except set).
  bool OobInline() const { return options_.oobInline; }
  // Urgent data has come and not been read out of band (the kernel's POLLPRI).
  bool UrgentDataWaiting() const;
  int PeekDeferredError() const { return deferredError_; }
  // An error a model took from SO_ERROR (TakeSocketError), kept for the next recv or send.
  void DeferError(int err) { deferredError_ = err; }
  // Reads SO_ERROR, which clears it: the pending error as Winsock names it (ECONNRESET for Linux's
  // EPIPE, ResetRecord::SocketError), recorded if it ends the connection; 0 for none. A failing
  // getsockopt gives its own errno.
  int TakeSocketError();
  // The abortive error (ECONNRESET, ECONNABORTED, ETIMEDOUT) the connection ended with, once
  // anything has seen it (net/reset_record.h); 0 until then.
  int AbortError() const { return reset_.error(); }
  // The kernel showed the connection closed both ways (POLLHUP): see ResetRecord::NoteHangup.
  void NoteHangup() { reset_.NoteHangup(); }
  // What a receive (`send` false) or send started now fails with at once, 0 for none: see
  // ResetRecord::RefusalOf (WSAESHUTDOWN after this side's own shutdown).
  int RefusalOf(bool send) const { return reset_.RefusalOf(send); }
  // This side shut down its receiving direction: the kernel then shows the end of the stream
  // whatever the peer did, so FD_CLOSE asks the TCP state (models/network_events.cc).
  bool ReceiveShutDown() const { return reset_.receiveShutdown(); }
  // What an overlapped receive (`send` false) or send fails with at the call, as WSARecv/WSASend
  // do (SOCKET_ERROR, nothing queued, no completion), 0 to start it: a direction shut down
  // (RefusalOf), no connection (ENOTCONN), or a reset the kernel holds, met once no received byte
  // is left to read. Costs one poll(2). Guarded by test/conformance/overlapped-ports.test.ts.
  int OverlappedRefusal(bool send);
  // AcceptEx: this socket is the accept socket of the pending AcceptEx `opId` (0: none). A second
  // AcceptEx into it, connect and ConnectEx on it are WSAEINVAL; closing it cancels that AcceptEx,
  // which then takes no connection (test/conformance/overlapped-ports.test.ts).
  uint32_t acceptOpId_ = 0;
  void ObserveStreamResult(const IoRequest& req, int32_t result) override;
  int32_t StreamResult(const IoRequest& req, int32_t result) override;
  // WSAAsyncSelect / WSAEventSelect state; null until first selected (src/models/network_events.cc).
  std::unique_ptr<NetworkEventState> netEvents_;
  // A connect (connect or ConnectEx) was made whose FD_CONNECT no WSAEventSelect has reported:
  // Windows records it whether or not the socket is selected then, and an event-mode selection
  // made later reports it (test/conformance/network-events.test.ts, "connect, then select").
  bool connectUnreported_ = false;

 private:
  void Register(Napi::Object self);
  Napi::Value Bind(const Napi::CallbackInfo& info);
  Napi::Value Listen(const Napi::CallbackInfo& info);
  Napi::Value Accept(const Napi::CallbackInfo& info);
  Napi::Value Connect(const Napi::CallbackInfo& info);
  Napi::Value Recv(const Napi::CallbackInfo& info);
  Napi::Value Send(const Napi::CallbackInfo& info);
  // recv/send after their arguments are read (also sendto/recvfrom on a TCP socket, which are
  // recv/send): `flags` the kernel's MSG_OOB | MSG_PEEK, `oob` MSG_OOB or 0.
  Napi::Value RecvBytes(ByteSpan buf, int flags);
  Napi::Value SendBytes(ByteSpan buf, int oob);
  Napi::Value Shutdown(const Napi::CallbackInfo& info);
  // sendto/recvfrom, and what recv/send do on a datagram socket: datagram.cc.
  Napi::Value SendTo(const Napi::CallbackInfo& info);
  Napi::Value RecvFrom(const Napi::CallbackInfo& info);
  // One datagram into `buf` (the sender's address into `from` if not null): its length, under
  // Windows' rules (WSAEMSGSIZE when it did not fit, WSAEINVAL before bind). Throws on failure.
  size_t ReceiveDatagram(ByteSpan buf, sockaddr_storage* from, const char* syscall, int flags = 0);
  // One datagram of `buf` to `to` (the connected peer when null): the bytes sent. Throws on failure.
  size_t SendDatagram(ByteSpan buf, const sockaddr_storage* to, socklen_t toLen, const char* syscall);
  Napi::Value Close(const Napi::CallbackInfo& info);
  Napi::Value LocalAddress(const Napi::CallbackInfo& info);
  Napi::Value RemoteAddress(const Napi::CallbackInfo& info);
  Napi::Value SetNoDelay(const Napi::CallbackInfo& info);
  Napi::Value SetKeepAlive(const Napi::CallbackInfo& info);
  Napi::Value SetReusePort(const Napi::CallbackInfo& info);
  Napi::Value GetError(const Napi::CallbackInfo& info);
  // setsockopt/getsockopt/ioctlsocket(FIONREAD): src/net/socket_options.cc.
  Napi::Value SetOption(const Napi::CallbackInfo& info);
  Napi::Value GetOption(const Napi::CallbackInfo& info);
  Napi::Value SetLinger(const Napi::CallbackInfo& info);
  Napi::Value GetLinger(const Napi::CallbackInfo& info);
  Napi::Value BytesReadable(const Napi::CallbackInfo& info);
  Napi::Value AtMark(const Napi::CallbackInfo& info);  // ioctlsocket(SIOCATMARK)
  // Sets the options set on this socket on descriptor `fd` (AcceptEx's connection replaces the
  // descriptor they were set on). Best effort: the connection is not refused over an option.
  void ApplyStoredOptions(int fd) const;
  // An accessor that checks its receiver (TypeError) before calling `Get` on it.
  template <Napi::Value (SocketHandle::*Get)(const Napi::CallbackInfo&)>
  static Napi::Value Getter(const Napi::CallbackInfo& info);
  Napi::Value GetState(const Napi::CallbackInfo& info);
  Napi::Value GetFamily(const Napi::CallbackInfo& info);
  Napi::Value GetDatagram(const Napi::CallbackInfo& info);

  // SO_ERROR as read by RefreshState (which must read it to classify a finished connect, and
  // reading clears it): handed to the next getError, recv or send, which the kernel would have
  // given it to. 0 for none.
  int TakeDeferredError();
  // ENOTCONN if the socket has no connection yet (new, bound, listening, or connecting), else 0:
  // Winsock's answer to recv and send there (test/conformance/connect-bind-listen.test.ts).
  int NotConnectedError();
  // True when the kernel knows the socket's peer (getpeername succeeds).
  bool HasPeer() const;
  // A send's result (bytes or -errno) under the reset rule (net/reset_record.h).
  int32_t SendResult(int32_t result);
  // A receive met the end of the stream (0): if the kernel shows the connection failed (an error
  // pending) or closed both ways (a hang-up), it was reset, and the record notes it, so the 0 is
  // reported as the reset. Linux gives the 0 first once the peer's FIN has come, even with a reset
  // after it. Guarded by test/connection-reset.test.ts "a reset after the peer's FIN".
  void CheckEndOfStream();
  // The peer getpeername names where Linux no longer (or not yet) can: while a connect() is under
  // way (SYN_SENT) and once both directions are shut down (the kernel's socket is then CLOSE),
  // Windows names the peer in both. Kept from connect() (not ConnectEx, see ConnectStarted), and
  // read from the kernel at shutdown(). Allocated only then: most connections never need it (the idle benchmark counts
  // their memory). Guarded by test/conformance/shutdown.test.ts "test_getpeername".
  void RememberPeer(const sockaddr_storage& peer);
  std::unique_ptr<sockaddr_storage> knownPeer_;
  int deferredError_ = 0;
  // Why the last connect failed, as SO_ERROR keeps reporting it on Windows: every getError reads it
  // (Linux's SO_ERROR is cleared by the first read), a new connect() leaves it, and only a
  // connection that succeeds clears it. Guarded by test/conformance/select.test.ts "refused".
  int connectError_ = 0;
  // A failed connect leaves Linux's socket half-way (connect() answers ECONNABORTED once): AF_UNSPEC
  // dissolves the association so that it can connect again, as on Windows. (listen() stays EINVAL
  // all the same: test/conformance/select.test.ts "listen after a failed connect".)
  void ForgetFailedConnect();
  ResetRecord reset_;
  StoredOptions options_;

  // bind() recorded this socket's address (net/bound_addresses.h); closing or collecting it forgets it.
  bool holdsAddress_ = false;
  void ReleaseAddress();

  int family_ = 0;  // AF_INET or AF_INET6
  int type_ = SOCK_STREAM;  // or SOCK_DGRAM
  uint32_t id_ = 0;  // its number in socket_table, the `id` JavaScript names it by
  SocketState state_ = SocketState::kCreated;
  // A ConnectEx is under way (ConnectStarted until ConnectFinished): connect() is then WSAEINVAL,
  // not the WSAEALREADY of a second connect() (test/conformance/connect-bind-listen.test.ts).
  bool connectExPending_ = false;
  // The connection under way or made is a ConnectEx's (set by ConnectStarted, cleared when a
  // connect() starts a new attempt): connect() is then WSAEINVAL, even once connected, where a
  // connect()'s own connection answers WSAEISCONN (Wine's test_connect;
  // test/conformance/connect-bind-listen.test.ts "a second connect").
  bool connectExConnection_ = false;
};

}  // namespace wsm
