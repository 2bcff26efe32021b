// setsockopt, getsockopt and ioctlsocket(FIONREAD) with what Windows reports (Wine's
// dlls/ws2_32/tests/sock.c, test_set_getsockopt): see StoredOptions for where Linux differs.
// Guarded by test/conformance/socket-options.test.ts and test/conformance/fionread.test.ts.
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include <cerrno>

#include "core/args.h"
#include "core/errors.h"
#include "net/socket_handle.h"

namespace wsm {

namespace {

constexpr int64_t kMaxBufferSize = 0x7fffffff;
constexpr int64_t kMaxLingerSeconds = 0xffff;  // LINGER.l_linger is a u_short

struct KernelOption {
  int level;
  int name;
};

// The kernel's (level, name) for the options passed straight through; {0, 0} for Winsock's own.
KernelOption KernelOptionOf(SocketOption option) {
  switch (option) {
    case SocketOption::kRcvBuf: return {SOL_SOCKET, SO_RCVBUF};
    case SocketOption::kSndBuf: return {SOL_SOCKET, SO_SNDBUF};
    case SocketOption::kKeepAlive: return {SOL_SOCKET, SO_KEEPALIVE};
    case SocketOption::kNoDelay: return {IPPROTO_TCP, TCP_NODELAY};
    case SocketOption::kOobInline: return {SOL_SOCKET, SO_OOBINLINE};
    case SocketOption::kExclusiveAddrUse:
    case SocketOption::kReuseAddr: return {0, 0};
  }
  return {0, 0};
}

int SetInt(int fd, KernelOption option, int value) {
  return setsockopt(fd, option.level, option.name, &value, sizeof(value)) == 0 ? 0 : errno;
}

// The kernel's SO_LINGER for what was set: only an abortive close ({on, 0}) reaches it. A timed
// linger would make close() sleep on the JavaScript thread (Linux ignores O_NONBLOCK there), so the
// close stays graceful and in the background, and the time is only reported back.
linger KernelLinger(const StoredOptions& options) {
  linger l{};
  l.l_onoff = options.lingerOn && options.lingerSeconds == 0 ? 1 : 0;
  l.l_linger = 0;
  return l;
}

}  // namespace

// setOption(option: SocketOption, value: number): sizes as numbers, BOOL options as 0 or 1.
Napi::Value SocketHandle::SetOption(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  CheckOpen("setsockopt");
  auto option = static_cast<SocketOption>(IntegerArg(info, 0, "option", "setsockopt", 0, kLastSocketOption));
  bool isSize = option == SocketOption::kRcvBuf || option == SocketOption::kSndBuf;
  int64_t value = IntegerArg(info, 1, "value", "setsockopt", 0, isSize ? kMaxBufferSize : 1);
  switch (option) {
    case SocketOption::kExclusiveAddrUse:
    case SocketOption::kReuseAddr: {
      // Both decide how bind() treats the address, so they are set before it; and they exclude
      // each other (Microsoft: "Using SO_REUSEADDR and SO_EXCLUSIVEADDRUSE").
      if (RefreshState() != SocketState::kCreated) {
        ThrowInvalidArgument(env, "setsockopt", "SO_EXCLUSIVEADDRUSE and SO_REUSEADDR are set before bind");
      }
      bool exclusive = option == SocketOption::kExclusiveAddrUse;
      bool other = exclusive ? options_.reuseAddr : options_.exclusiveAddrUse;
      if (value != 0 && other) {
        ThrowInvalidArgument(env, "setsockopt", "SO_EXCLUSIVEADDRUSE and SO_REUSEADDR exclude each other");
      }
      (exclusive ? options_.exclusiveAddrUse : options_.reuseAddr) = value != 0;
      return env.Undefined();
    }
    default: break;
  }
  if (int err = SetInt(fd_, KernelOptionOf(option), static_cast<int>(value))) ThrowSystemError(env, err, "setsockopt");
  if (option == SocketOption::kRcvBuf) options_.rcvBuf = static_cast<int32_t>(value);
  if (option == SocketOption::kSndBuf) options_.sndBuf = static_cast<int32_t>(value);
  if (option == SocketOption::kOobInline) options_.oobInline = value != 0;
  return env.Undefined();
}

// getOption(option: SocketOption): number (BOOL options 0 or 1).
Napi::Value SocketHandle::GetOption(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  CheckOpen("getsockopt");
  auto option = static_cast<SocketOption>(IntegerArg(info, 0, "option", "getsockopt", 0, kLastSocketOption));
  int value = 0;
  switch (option) {
    case SocketOption::kExclusiveAddrUse: return Napi::Number::New(env, options_.exclusiveAddrUse ? 1 : 0);
    case SocketOption::kReuseAddr: return Napi::Number::New(env, options_.reuseAddr ? 1 : 0);
    // The size set, as Windows reports it; the kernel's own until one is.
    case SocketOption::kRcvBuf:
      if (options_.rcvBuf >= 0) return Napi::Number::New(env, options_.rcvBuf);
      break;
    case SocketOption::kSndBuf:
      if (options_.sndBuf >= 0) return Napi::Number::New(env, options_.sndBuf);
      break;
    default: break;
  }
  KernelOption kernel = KernelOptionOf(option);
  socklen_t len = sizeof(value);
  if (getsockopt(fd_, kernel.level, kernel.name, &value, &len) != 0) ThrowSystemError(env, errno, "getsockopt");
  bool isBool = option == SocketOption::kKeepAlive || option == SocketOption::kNoDelay || option == SocketOption::kOobInline;
  return Napi::Number::New(env, isBool ? (value != 0 ? 1 : 0) : value);
}

// setLinger(onoff: boolean, seconds: number): SO_LINGER.
Napi::Value SocketHandle::SetLinger(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  CheckOpen("setsockopt");
  bool on = BooleanArg(info, 0, "onoff");
  auto seconds = static_cast<uint16_t>(IntegerArg(info, 1, "linger", "setsockopt", 0, kMaxLingerSeconds));
  StoredOptions next = options_;
  next.lingerOn = on;
  next.lingerSeconds = seconds;
  linger l = KernelLinger(next);
  if (setsockopt(fd_, SOL_SOCKET, SO_LINGER, &l, sizeof(l)) != 0) ThrowSystemError(env, errno, "setsockopt");
  options_ = next;
  return env.Undefined();
}

// getLinger(): [onoff 0 | 1, seconds], the LINGER structure as set.
Napi::Value SocketHandle::GetLinger(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  CheckOpen("getsockopt");
  Napi::Array result = Napi::Array::New(env, 2);
  result.Set(0u, Napi::Number::New(env, options_.lingerOn ? 1 : 0));
  result.Set(1u, Napi::Number::New(env, options_.lingerSeconds));
  return result;
}

// ioctlsocket(FIONREAD): the bytes a recv would return now. A listening socket has none (Windows
// answers 0 where Linux fails with EINVAL, tcp(7)). With urgent data Linux counts the bytes up to
// the urgent mark (those the next recv returns), Windows every normal byte: the README's "Urgent
// data" table, pinned by test/conformance/urgent-data.test.ts.
Napi::Value SocketHandle::BytesReadable(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  CheckOpen("ioctlsocket");
  if (state_ == SocketState::kListening) return Napi::Number::New(env, 0);
  int count = 0;
  if (ioctl(fd_, FIONREAD, &count) != 0) ThrowSystemError(env, errno, "ioctlsocket");
  return Napi::Number::New(env, count);
}

bool SocketHandle::UrgentDataWaiting() const {
  pollfd p{fd_, POLLPRI, 0};
  return poll(&p, 1, 0) == 1 && (p.revents & POLLPRI);
}

// ioctlsocket(SIOCATMARK): Windows' answer is TRUE unless urgent data waits to be read out of
// band (Wine's test_fionread_siocatmark); with SO_OOBINLINE, also TRUE when the urgent byte is the
// next one in the stream. Linux's SIOCATMARK alone means "the next byte is at the urgent mark",
// which is FALSE on a socket that never saw urgent data.
Napi::Value SocketHandle::AtMark(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  CheckOpen("ioctlsocket");
  if (!UrgentDataWaiting()) return Napi::Boolean::New(env, true);
  if (!options_.oobInline) return Napi::Boolean::New(env, false);
  int mark = 0;
  if (ioctl(fd_, SIOCATMARK, &mark) != 0) ThrowSystemError(env, errno, "ioctlsocket");
  return Napi::Boolean::New(env, mark != 0);
}

void SocketHandle::ApplyStoredOptions(int fd) const {
  if (options_.rcvBuf >= 0) SetInt(fd, KernelOptionOf(SocketOption::kRcvBuf), options_.rcvBuf);
  if (options_.sndBuf >= 0) SetInt(fd, KernelOptionOf(SocketOption::kSndBuf), options_.sndBuf);
  linger l = KernelLinger(options_);
  setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof(l));
  // Set either way: the connection would otherwise inherit the listener's (test_accept_inheritance
  // is about accept(); an AcceptEx socket keeps what was set on it, as its sizes and linger do).
  SetInt(fd, KernelOptionOf(SocketOption::kOobInline), options_.oobInline ? 1 : 0);
}

}  // namespace wsm
