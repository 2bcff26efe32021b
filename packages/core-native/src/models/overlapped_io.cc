#include "models/overlapped_io.h"

#include <sys/uio.h>

#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>

#include "core/addon_data.h"
#include "core/args.h"
#include "core/errors.h"
#include "files/file_handle.h"
#include "io/io_loop.h"
#include "models/network_events.h"
#include "net/sockaddr.h"
#include "net/socket_handle.h"

namespace wsm {

namespace {

// WSABUF arrays longer than this are refused, as the kernel refuses iovecs past IOV_MAX.
constexpr uint32_t kMaxBuffers = IOV_MAX;
constexpr size_t kMaxTransfer = INT32_MAX;

// The buffers of one WSARecv/WSASend. The first few are held inline: one call per packet on an
// echo server's path, and three vectors cost three allocations per call.
struct BufferList {
  static constexpr size_t kInline = 4;
  size_t count = 0;
  size_t total = 0;
  Napi::Value inlineViews[kInline];
  ByteSpan inlineSpans[kInline];
  std::vector<Napi::Value> moreViews;
  std::vector<ByteSpan> moreSpans;

  void Add(const Napi::Value& view, ByteSpan span) {
    if (count < kInline) {
      inlineViews[count] = view;
      inlineSpans[count] = span;
    } else {
      moreViews.push_back(view);
      moreSpans.push_back(span);
    }
    count++;
    total += span.length;
  }
  const Napi::Value& View(size_t i) const { return i < kInline ? inlineViews[i] : moreViews[i - kInline]; }
  const ByteSpan& Span(size_t i) const { return i < kInline ? inlineSpans[i] : moreSpans[i - kInline]; }
};

void AddBuffer(Napi::Env env, const Napi::Value& item, const char* syscall, BufferList& list) {
  // One N-API call tells whether `item` is a typed array and gives its bytes (TypedArrayBytes):
  // this runs for every buffer of every WSARecv/WSASend. A view over a SharedArrayBuffer is a
  // buffer like any other (as in BufferArg).
  ByteSpan span{};
  napi_value arraybuffer = nullptr;
  if (!TypedArrayBytes(env, item, &span, &arraybuffer)) {
    ThrowTypeError(env, "The \"buffers\" argument must be a Uint8Array or an array of them");
  }
  bool detached = false;
  napi_is_detached_arraybuffer(env, arraybuffer, &detached);
  if (detached) ThrowTypeError(env, "The \"buffers\" argument holds a detached buffer");
  list.Add(item, span);
  if (list.total > kMaxTransfer) ThrowInvalidArgument(env, syscall, "more than 2 GiB in one operation");
}

// buffers: a Uint8Array or an array of them (a WSABUF array).
void ReadBuffers(const Napi::CallbackInfo& info, size_t index, const char* syscall, BufferList& list) {
  Napi::Env env = info.Env();
  Napi::Value v = index < info.Length() ? info[index] : env.Undefined();
  if (!v.IsArray()) return AddBuffer(env, v, syscall, list);
  Napi::Array arr = v.As<Napi::Array>();
  uint32_t length = arr.Length();
  if (length == 0 || length > kMaxBuffers) {
    ThrowInvalidArgument(env, syscall, "The \"buffers\" array must hold 1 to " + std::to_string(kMaxBuffers) + " buffers");
  }
  // Every element is read before any is checked, as before: a getter cannot change what was
  // already validated.
  std::vector<Napi::Value> items;
  items.reserve(length);
  for (uint32_t i = 0; i < length; i++) items.push_back(arr.Get(i));
  for (const Napi::Value& item : items) AddBuffer(env, item, syscall, list);
}

OwnedBytes Allocate(Napi::Env env, size_t length, size_t alignment) {
  void* p = nullptr;
  size_t size = length ? length : 1;
  if (alignment > 1) {
    size = (size + alignment - 1) / alignment * alignment;
    if (posix_memalign(&p, alignment, size) != 0) p = nullptr;
  } else {
    p = std::malloc(size);
  }
  if (!p) ThrowSystemError(env, ENOMEM, "malloc");
  return OwnedBytes(static_cast<uint8_t*>(p));
}

IoLoop::OpPtr NewOp(Napi::Env env, IoKind kind, IoHandle* handle) { return IoLoop::Get(env)->NewOp(kind, handle); }

SocketHandle* OpenSocketArg(const Napi::CallbackInfo& info, size_t index, const char* name, const char* syscall) {
  SocketHandle* s = SocketHandle::FromValue(info.Env(), index < info.Length() ? info[index] : info.Env().Undefined(), name);
  s->CheckOpen(syscall);
  return s;
}

// ioSetup(dispatch) -> { records: Int32Array, backend: string }
Napi::Value IoSetup(const Napi::CallbackInfo& info) {
  Napi::Function dispatch = FunctionArg(info, 0, "dispatch");
  IoLoop* loop = IoLoop::Get(info.Env());
  loop->SetDispatch(dispatch);
  Napi::Object out = Napi::Object::New(info.Env());
  out.Set("records", loop->Records(info.Env()));
  out.Set("backend", loop->EngineName());
  return out;
}

// ioBackend() -> 'io_uring' | 'epoll' (creating the loop if needed: which engine serves it is
// known only once it has been set up)
Napi::Value IoBackend(const Napi::CallbackInfo& info) {
  return Napi::String::New(info.Env(), IoLoop::Get(info.Env())->EngineName());
}

// The socket numbered info[index] (SocketHandle#id), open.
SocketHandle* OpenSocketIdArg(const Napi::CallbackInfo& info, size_t index, const char* name, const char* syscall) {
  SocketHandle* s = SocketHandle::FromId(info.Env(), index < info.Length() ? info[index] : info.Env().Undefined(), name);
  s->CheckOpen(syscall);
  return s;
}

// Fills `dst` with the bytes of `list`, in order.
void CopyOut(const BufferList& list, uint8_t* dst) {
  for (size_t i = 0; i < list.count; i++) {
    const ByteSpan& span = list.Span(i);
    if (span.length) std::memcpy(dst, span.data, span.length);
    dst += span.length;
  }
}

// WSARecv/WSARecvFrom on a datagram socket: one datagram into a buffer of the operation's own, the
// size of `list` (scattered into the caller's buffers at completion), and its sender into
// `sender` if it is an object. Refused at the call as Windows refuses it (WSAEINVAL before bind).
Napi::Value StartDatagramRecv(const Napi::CallbackInfo& info, SocketHandle* s, const BufferList& list,
                              const Napi::Value& sender, const char* syscall) {
  Napi::Env env = info.Env();
  if (int refused = s->DatagramRefusal(false, false)) ThrowSystemError(env, refused, syscall);
  auto op = NewOp(env, IoKind::kRecvFrom, s);
  op->owned = Allocate(env, list.total, 1);
  op->req.data = op->owned.get();
  op->req.length = list.total;
  for (size_t i = 0; i < list.count; i++) op->targets.push_back(Napi::Persistent(list.View(i)));
  if (sender.IsObject()) op->sender = Napi::Persistent(sender.As<Napi::Object>());
  return Napi::Number::New(env, IoLoop::Get(env)->Start(std::move(op)));
}

// WSASend/WSASendTo on a datagram socket: the bytes of `list` as one datagram to `to` (the
// connected peer when null), copied now.
Napi::Value StartDatagramSend(const Napi::CallbackInfo& info, SocketHandle* s, const BufferList& list,
                              const sockaddr_storage* to, socklen_t toLen, const char* syscall) {
  Napi::Env env = info.Env();
  if (int refused = s->DatagramRefusal(true, to == nullptr)) ThrowSystemError(env, refused, syscall);
  s->BindIfUnbound(syscall);
  auto op = NewOp(env, IoKind::kSendTo, s);
  op->owned = Allocate(env, list.total, 1);
  op->req.data = op->owned.get();
  op->req.length = list.total;
  CopyOut(list, op->req.data);
  if (to) {
    op->req.addr = *to;
    op->req.addrLen = toLen;
  }
  return Napi::Number::New(env, IoLoop::Get(env)->Start(std::move(op)));
}

// The memory `op` sends `length` bytes from, its own (inline when small): the bytes of WSASend and
// ConnectEx are copied there at the call, so the kernel never reads JavaScript memory.
uint8_t* SendMemory(Napi::Env env, IoOp* op, size_t length) {
  uint8_t* dst = op->inlineData;
  if (length > IoOp::kInlineBytes) {
    op->owned = Allocate(env, length, 1);
    dst = op->owned.get();
  }
  op->req.data = dst;
  op->req.length = length;
  return dst;
}

// ioRecv(socketId, buffers) -> id   (WSARecv)
Napi::Value IoRecv(const Napi::CallbackInfo& info) {
  SocketHandle* s = OpenSocketIdArg(info, 0, "socket", "WSARecv");
  BufferList list;
  ReadBuffers(info, 1, "WSARecv", list);
  if (s->IsDatagram()) return StartDatagramRecv(info, s, list, info.Env().Undefined(), "WSARecv");
  if (int refused = s->OverlappedRefusal(false)) ThrowSystemError(info.Env(), refused, "WSARecv");
  auto op = NewOp(info.Env(), IoKind::kRecv, s);
  op->req.length = list.total;  // 0: the zero-byte receive
  for (size_t i = 0; i < list.count; i++) op->targets.push_back(Napi::Persistent(list.View(i)));
  return Napi::Number::New(info.Env(), IoLoop::Get(info.Env())->Start(std::move(op)));
}

// ioSend(socketId, buffers) -> id   (WSASend). The bytes are copied now: the kernel never reads
// JavaScript memory, so the caller may reuse its buffers at once.
Napi::Value IoSend(const Napi::CallbackInfo& info) {
  SocketHandle* s = OpenSocketIdArg(info, 0, "socket", "WSASend");
  BufferList list;
  ReadBuffers(info, 1, "WSASend", list);
  if (s->IsDatagram()) return StartDatagramSend(info, s, list, nullptr, 0, "WSASend");
  if (int refused = s->OverlappedRefusal(true)) ThrowSystemError(info.Env(), refused, "WSASend");
  auto op = NewOp(info.Env(), IoKind::kSend, s);
  CopyOut(list, SendMemory(info.Env(), op.get(), list.total));
  return Napi::Number::New(info.Env(), IoLoop::Get(info.Env())->Start(std::move(op)));
}

// ioRecvFrom(socketId, buffers, sender) -> id   (WSARecvFrom). `sender` (an object) gets the
// datagram's address, port and family at completion. On a stream socket: a WSARecv, the sender
// left alone (Windows ignores lpFrom there).
Napi::Value IoRecvFrom(const Napi::CallbackInfo& info) {
  SocketHandle* s = OpenSocketIdArg(info, 0, "socket", "WSARecvFrom");
  if (!s->IsDatagram()) return IoRecv(info);
  BufferList list;
  ReadBuffers(info, 1, "WSARecvFrom", list);
  Napi::Value sender = info.Length() > 2 ? info[2] : info.Env().Undefined();
  if (!sender.IsObject()) ThrowTypeError(info.Env(), "The \"sender\" argument must be an object");
  return StartDatagramRecv(info, s, list, sender, "WSARecvFrom");
}

// ioSendTo(socketId, buffers, port, host?) -> id   (WSASendTo). On a stream socket: a WSASend, the
// address ignored (as Windows does).
Napi::Value IoSendTo(const Napi::CallbackInfo& info) {
  SocketHandle* s = OpenSocketIdArg(info, 0, "socket", "WSASendTo");
  BufferList list;
  ReadBuffers(info, 1, "WSASendTo", list);
  sockaddr_storage to;
  socklen_t toLen = 0;
  if (!s->IsDatagram()) return IoSend(info);
  s->DatagramPeerArg(info, 2, "WSASendTo", &to, &toLen);
  return StartDatagramSend(info, s, list, &to, toLen, "WSASendTo");
}

// A buffer argument that may be absent (undefined): its bytes, and false when absent.
bool OptionalBufferArg(const Napi::CallbackInfo& info, size_t index, const char* syscall, ByteSpan* span) {
  if (index >= info.Length() || info[index].IsUndefined()) return false;
  BufferList list;
  AddBuffer(info.Env(), info[index], syscall, list);
  *span = list.Span(0);
  return true;
}

// ioAccept(listener, acceptSocket, buffer?) -> id   (AcceptEx). With a non-empty buffer, AcceptEx's
// first-data receive: the accepted socket's first bytes are received into it before the
// completion, whose result is their count (IoLoop::Finish).
Napi::Value IoAccept(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  SocketHandle* listener = OpenSocketArg(info, 0, "listener", "AcceptEx");
  SocketHandle* accepted = OpenSocketArg(info, 1, "acceptSocket", "AcceptEx");
  // Connections are for TCP sockets only, as accept() and listen() say (WSAEOPNOTSUPP).
  if (listener->IsDatagram() || accepted->IsDatagram()) ThrowSystemError(env, EOPNOTSUPP, "AcceptEx", "a UDP socket takes no connection");
  if (listener->RefreshState() != SocketState::kListening) ThrowInvalidArgument(env, "AcceptEx", "the listener is not listening");
  if (accepted == listener) ThrowInvalidArgument(env, "AcceptEx", "the accept socket must not be the listener");
  if (accepted->acceptOpId_ != 0) ThrowSystemError(env, EINVAL, "AcceptEx", "an AcceptEx is already accepting into the socket");
  SocketState st = accepted->RefreshState();
  if (st != SocketState::kCreated) ThrowInvalidArgument(env, "AcceptEx", "the accept socket must be new: neither bound nor connected");
  if (accepted->Family() != listener->Family()) ThrowInvalidArgument(env, "AcceptEx", "the accept socket's family differs from the listener's");
  ByteSpan first{};
  bool withData = OptionalBufferArg(info, 2, "AcceptEx", &first) && first.length > 0;
  auto op = NewOp(info.Env(), IoKind::kAccept, listener);
  op->acceptSocket = accepted;
  op->acceptSocketRef = Napi::Persistent(info[1].As<Napi::Object>());
  if (withData) {
    op->targets.push_back(Napi::Persistent(info[2]));
    op->req.length = first.length;
  }
  uint32_t id = IoLoop::Get(env)->Start(std::move(op));
  accepted->acceptOpId_ = id;
  return Napi::Number::New(env, id);
}

// ioConnect(socket, port, host?, buffer?) -> id   (ConnectEx). A non-empty buffer is ConnectEx's
// lpSendBuffer: copied now, sent once connected; the completion's result is the bytes sent.
Napi::Value IoConnect(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  SocketHandle* s = OpenSocketArg(info, 0, "socket", "ConnectEx");
  // ConnectEx is for connection-oriented sockets only; a UDP socket names its peer with connect().
  if (s->IsDatagram()) ThrowSystemError(env, EOPNOTSUPP, "ConnectEx", "a UDP socket makes no connection");
  int port = static_cast<int>(IntegerArg(info, 1, "port", "ConnectEx", 1, 65535));
  std::string host = OptionalStringArg(info, 2, "host", "localhost");
  SocketState st = s->RefreshState();
  // Under way, by connect() or ConnectEx: WSAEINVAL on Windows, where Linux says EALREADY (Wine's
  // test_connecting_socket; test/conformance/connect-bind-listen.test.ts "a ConnectEx while").
  if (st == SocketState::kConnecting) ThrowSystemError(env, EINVAL, "ConnectEx", "a connect is under way on the socket");
  if (st == SocketState::kConnected) ThrowSystemError(env, EISCONN, "ConnectEx");
  if (st == SocketState::kListening) ThrowInvalidArgument(env, "ConnectEx", "the socket is listening");
  if (s->acceptOpId_ != 0) ThrowSystemError(env, EINVAL, "ConnectEx", "an AcceptEx is accepting into the socket");
  ByteSpan first{};
  bool withData = OptionalBufferArg(info, 3, "ConnectEx", &first) && first.length > 0;
  auto op = NewOp(info.Env(), IoKind::kConnect, s);
  if (withData) std::memcpy(SendMemory(env, op.get(), first.length), first.data, first.length);
  if (host.empty() || !MakeSockaddr(s->Family(), host, port, &op->req.addr, &op->req.addrLen)) {
    ThrowInvalidArgument(env, "ConnectEx", "\"" + host + "\" is not an IPv" + (s->Family() == AF_INET ? "4" : "6") + " address");
  }
  s->ConnectStarted();
  return Napi::Number::New(env, IoLoop::Get(env)->Start(std::move(op)));
}

// Unbuffered files: offsets and lengths must be multiples of the device's alignment.
void CheckAlignment(Napi::Env env, FileHandle* f, int64_t offset, size_t length, const char* syscall) {
  uint32_t a = f->Alignment();
  if (a > 1 && (offset % a != 0 || length % a != 0)) {
    ThrowInvalidArgument(env, syscall,
                         "unbuffered I/O needs offsets and lengths that are multiples of " + std::to_string(a) +
                             " bytes (got offset " + std::to_string(offset) + ", length " + std::to_string(length) + ")");
  }
}

// ReadFile / WriteFile at an OVERLAPPED offset. The bytes go through an engine-owned buffer
// (aligned for unbuffered files): filled from the caller's at the call for a write, copied into the
// caller's on the JavaScript thread at completion for a read.
Napi::Value StartFileIo(const Napi::CallbackInfo& info, IoKind kind) {
  Napi::Env env = info.Env();
  const char* syscall = kind == IoKind::kRead ? "ReadFile" : "WriteFile";
  FileHandle* f = FileHandle::FromValue(env, info.Length() > 0 ? info[0] : env.Undefined(), "file");
  f->CheckOpen(syscall);
  ByteSpan buf = BufferArg(info, 1, "buffer");
  int64_t offset = OffsetArg(info, 2, syscall);
  if (buf.length > kMaxTransfer) ThrowInvalidArgument(env, syscall, "more than 2 GiB in one operation");
  CheckAlignment(env, f, offset, buf.length, syscall);
  auto op = NewOp(env, kind, f);
  op->owned = Allocate(env, buf.length, f->Alignment());
  if (kind == IoKind::kWrite && buf.length) std::memcpy(op->owned.get(), buf.data, buf.length);
  if (kind == IoKind::kRead) op->targets.push_back(Napi::Persistent(info[1]));
  op->req.data = op->owned.get();
  op->req.length = buf.length;
  op->req.offset = offset;
  return Napi::Number::New(env, IoLoop::Get(env)->Start(std::move(op)));
}

// ioRead(file, buffer, offset) -> id
Napi::Value IoRead(const Napi::CallbackInfo& info) { return StartFileIo(info, IoKind::kRead); }

// ioWrite(file, buffer, offset) -> id
Napi::Value IoWrite(const Napi::CallbackInfo& info) { return StartFileIo(info, IoKind::kWrite); }

// ioCancel(id) -> boolean   (CancelIoEx for one OVERLAPPED)
Napi::Value IoCancel(const Napi::CallbackInfo& info) {
  uint32_t id = static_cast<uint32_t>(IntegerArg(info, 0, "id", "CancelIoEx", 0, INT32_MAX));
  return Napi::Boolean::New(info.Env(), IoLoop::Get(info.Env())->Cancel(id));
}

// ioCancelAll(handle) -> boolean   (CancelIoEx with no OVERLAPPED: everything on the handle)
Napi::Value IoCancelAll(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Value v = info.Length() > 0 ? info[0] : env.Undefined();
  IoHandle* handle = SocketHandle::IfSocket(env, v);
  if (!handle) handle = FileHandle::FromValue(env, v, "handle");
  IoLoop* loop = IoLoop::IfCreated(env);
  return Napi::Boolean::New(env, loop && loop->CancelAll(handle) > 0);
}

// ioRef(handle, on)   (uv_ref/uv_unref of a handle: do its operations in flight, and a socket's
// WSAAsyncSelect/WSAEventSelect selection, keep the process alive?)
Napi::Value IoRef(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Value v = info.Length() > 0 ? info[0] : env.Undefined();
  SocketHandle* socket = SocketHandle::IfSocket(env, v);
  IoHandle* handle = socket ? static_cast<IoHandle*>(socket) : FileHandle::FromValue(env, v, "handle");
  bool on = BooleanArg(info, 1, "on");
  if (handle->loopRef_ == on) return env.Undefined();
  if (IoLoop* loop = IoLoop::IfCreated(env)) loop->SetHandleRef(handle, on);
  else handle->loopRef_ = on;  // no loop yet, so no operation in flight to recount
  if (socket) NetworkEventsAfterRef(socket);
  return env.Undefined();
}

// ioPending() -> number of operations in flight (for tests and diagnostics)
Napi::Value IoPending(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), static_cast<double>(IoLoop::Get(info.Env())->Pending()));
}

}  // namespace

void DefineOverlappedIo(Napi::Env env, Napi::Object exports) {
  exports.Set("ioSetup", Napi::Function::New<IoSetup>(env, "ioSetup"));
  exports.Set("ioBackend", Napi::Function::New<IoBackend>(env, "ioBackend"));
  exports.Set("ioRecv", Napi::Function::New<IoRecv>(env, "ioRecv"));
  exports.Set("ioSend", Napi::Function::New<IoSend>(env, "ioSend"));
  exports.Set("ioRecvFrom", Napi::Function::New<IoRecvFrom>(env, "ioRecvFrom"));
  exports.Set("ioSendTo", Napi::Function::New<IoSendTo>(env, "ioSendTo"));
  exports.Set("ioAccept", Napi::Function::New<IoAccept>(env, "ioAccept"));
  exports.Set("ioConnect", Napi::Function::New<IoConnect>(env, "ioConnect"));
  exports.Set("ioRead", Napi::Function::New<IoRead>(env, "ioRead"));
  exports.Set("ioWrite", Napi::Function::New<IoWrite>(env, "ioWrite"));
  exports.Set("ioCancel", Napi::Function::New<IoCancel>(env, "ioCancel"));
  exports.Set("ioCancelAll", Napi::Function::New<IoCancelAll>(env, "ioCancelAll"));
  exports.Set("ioRef", Napi::Function::New<IoRef>(env, "ioRef"));
  exports.Set("ioPending", Napi::Function::New<IoPending>(env, "ioPending"));
  exports.Set("FileHandle", FileHandle::Define(env));
}

}  // namespace wsm
