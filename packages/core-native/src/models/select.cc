#include "models/select.h"

#include <sys/ioctl.h>

#include <cerrno>
#include <memory>
#include <vector>

#include "core/args.h"
#include "core/errors.h"
#include "core/js_call.h"
#include "net/socket_handle.h"
#include "os/linux/readiness.h"

namespace wsm {

namespace {

// The readiness Winsock's select would report for a socket in `state`, given the kernel's.
//  - read:   a listener with a connection queued; data, an orderly close, a reset
//  - write:  a connect that completed; room to send (or an error a send would report)
//  - except: a connect that failed; out-of-band data
// A socket never connected nor listening is in no set, whatever poll(2) says of it.
// With SO_OOBINLINE urgent data is read in the stream: it shows in the read set, not the except
// set (Wine's test_select), although Linux still polls it as POLLPRI.
uint8_t WinsockReadiness(const SocketHandle& h, SocketState state, uint32_t ready, uint8_t wanted) {
  uint8_t r = 0;
  switch (state) {
    case SocketState::kListening:
      if (ready & kReadable) r |= kSelectRead;
      break;
    case SocketState::kConnectFailed:
      r |= kSelectExcept;
      break;
    case SocketState::kConnected:
      if (ready & (kReadable | kReadHangup | kHangup | kError)) r |= kSelectRead;
      if (ready & (kWritable | kHangup | kError)) r |= kSelectWrite;
      if ((ready & kPriority) && !h.OobInline()) r |= kSelectExcept;
      break;
    default:
      break;
  }
  return r & wanted;
}

// The readiness WSAPoll reports for a socket in `state`, given the kernel's (Wine's test_WSAPoll,
// test/conformance/wsa-poll.test.ts). Read, write and except stand for POLLRDNORM, POLLWRNORM and
// POLLRDBAND, reported when asked; errors and hang-ups are reported whatever is asked:
//  - a listener: POLLRDNORM with a connection queued, never POLLWRNORM
//  - a connection: POLLRDNORM with data, POLLWRNORM with room, POLLRDBAND with urgent data;
//    POLLHUP once the peer has closed (with POLLRDNORM only while data is left), POLLERR on an error
//  - a connect that failed: POLLERR | POLLHUP
//  - a TCP socket neither connected nor listening: nothing (as select)
uint8_t WsaPollReadiness(SocketHandle* h, SocketState state, uint32_t ready, uint8_t wanted) {
  uint8_t r = 0;
  switch (state) {
    case SocketState::kListening:
      if (ready & kReadable) r |= kSelectRead & wanted;
      break;
    case SocketState::kConnectFailed:
      r = kPollError | kPollHangup;
      break;
    case SocketState::kConnected: {
      bool hangup = !h->IsDatagram() && (ready & (kReadHangup | kHangup));
      bool readable = (ready & kReadable) != 0;
      if (hangup) {
        r |= kPollHangup;
        int queued = 0;
        readable = ioctl(h->fd(), FIONREAD, &queued) == 0 && queued > 0;  // the end of the stream is no data
      }
      if (ready & kError) r |= kPollError;
      if (readable) r |= kSelectRead & wanted;
      if (ready & kWritable) r |= kSelectWrite & wanted;
      if (ready & kPriority) r |= kSelectExcept & wanted;
      break;
    }
    default:
      break;
  }
  return r;
}

uint8_t Readiness(ReadinessRules rules, SocketHandle* h, SocketState state, uint32_t ready, uint8_t wanted) {
  return rules == ReadinessRules::kWsaPoll ? WsaPollReadiness(h, state, ready, wanted) : WinsockReadiness(*h, state, ready, wanted);
}

// What to ask the kernel for so that WinsockReadiness (or WsaPollReadiness) can become non-zero.
uint32_t InterestFor(const SocketHandle& h, SocketState state, uint8_t wanted, ReadinessRules rules = ReadinessRules::kSelect) {
  if (rules == ReadinessRules::kWsaPoll && state == SocketState::kConnected) {
    // The peer's close is POLLHUP whatever is asked.
    uint32_t i = kReadHangup;
    if (wanted & kSelectRead) i |= kReadable;
    if (wanted & kSelectWrite) i |= kWritable;
    if (wanted & kSelectExcept) i |= kPriority;
    return i;
  }
  switch (state) {
    case SocketState::kListening:
      return (wanted & kSelectRead) ? uint32_t{kReadable} : 0u;
    case SocketState::kConnecting:
      // Completion shows as writable; failure as error/hang-up, which epoll always reports.
      return kWritable | ((wanted & kSelectRead) ? uint32_t{kReadable} : 0u);
    case SocketState::kConnected: {
      uint32_t i = 0;
      if (wanted & kSelectRead) i |= kReadable | kReadHangup;
      if (wanted & kSelectWrite) i |= kWritable;
      if ((wanted & kSelectExcept) && !h.OobInline()) i |= kPriority;
      return i;
    }
    default:
      return 0;  // never ready (created, bound), or ready without asking (connect failed)
  }
}

struct Selection {
  std::vector<SocketHandle*> handles;
  std::vector<uint8_t> wanted;
  ReadinessRules rules = ReadinessRules::kSelect;
};

// Reads (handles: SocketHandle[], wanted: Uint8Array, ..., rules at info[rulesIndex]: 0 select,
// 1 WSAPoll) with every element checked. WSAPoll may ask for nothing (errors and hang-ups only).
Selection ReadSelection(const Napi::CallbackInfo& info, size_t rulesIndex) {
  Napi::Env env = info.Env();
  if (info.Length() < 2 || !info[0].IsArray()) ThrowTypeError(env, "The \"handles\" argument must be an array");
  Napi::Array arr = info[0].As<Napi::Array>();
  ByteSpan wanted = BufferArg(info, 1, "wanted");
  if (wanted.length != arr.Length()) ThrowInvalidArgument(env, "select", "handles and wanted differ in length");
  Selection sel;
  sel.handles.reserve(arr.Length());
  sel.rules = static_cast<ReadinessRules>(OptionalIntegerArg(info, rulesIndex, "rules", "select", 0, 1, 0));
  uint8_t least = sel.rules == ReadinessRules::kWsaPoll ? 0 : 1;
  for (uint32_t i = 0; i < arr.Length(); i++) {
    SocketHandle* h = SocketHandle::FromValue(env, arr.Get(i), "handles[i]");
    // Winsock: "one of the descriptor sets contains an entry that is not a socket".
    if (h->fd() < 0) ThrowSystemError(env, ENOTSOCK, "select", "a socket in the sets is closed");
    if (wanted.data[i] < least || wanted.data[i] > 7) ThrowInvalidArgument(env, "select", "wanted masks must be 1..7 (0..7 for WSAPoll)");
    sel.handles.push_back(h);
  }
  sel.wanted.assign(wanted.data, wanted.data + wanted.length);
  return sel;
}

// One poll(2) over the selection; the Winsock readiness of each socket.
std::vector<uint8_t> PollSelection(Napi::Env env, const Selection& sel) {
  std::vector<PollEntry> entries;
  std::vector<SocketState> states(sel.handles.size());
  for (size_t i = 0; i < sel.handles.size(); i++) {
    states[i] = sel.handles[i]->ReadinessState();
    entries.push_back(PollEntry{sel.handles[i]->fd(), InterestFor(*sel.handles[i], states[i], sel.wanted[i], sel.rules), 0});
  }
  if (int err = PollNow(entries)) ThrowSystemError(env, err, "select");
  std::vector<uint8_t> out(sel.handles.size());
  for (size_t i = 0; i < sel.handles.size(); i++) {
    out[i] = Readiness(sel.rules, sel.handles[i], states[i], entries[i].ready, sel.wanted[i]);
  }
  return out;
}

Napi::Value ToUint8Array(Napi::Env env, const std::vector<uint8_t>& v) {
  Napi::Uint8Array a = Napi::Uint8Array::New(env, v.size());
  for (size_t i = 0; i < v.size(); i++) a[i] = v[i];
  return a;
}

// selectPoll(handles, wanted, rules?) -> Uint8Array of ready masks, at once (select with a zero
// timeout).
Napi::Value SelectPoll(const Napi::CallbackInfo& info) {
  Selection sel = ReadSelection(info, 2);
  return ToUint8Array(info.Env(), PollSelection(info.Env(), sel));
}

// new SelectWaiter(handles, wanted, onReady, keepAlive, rules?): calls onReady(masks) once some socket is
// ready in Winsock's sense, then stops. close() stops it early. The caller has already polled once.
// keepAlive false: the wait does not keep Node's event loop alive (an unref'd handle's).
class SelectWaiter : public Napi::ObjectWrap<SelectWaiter> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "SelectWaiter", {InstanceMethod<&SelectWaiter::CloseMethod>("close")});
  }

  explicit SelectWaiter(const Napi::CallbackInfo& info) : Napi::ObjectWrap<SelectWaiter>(info) {
    Napi::Env env = info.Env();
    sel_ = ReadSelection(info, 4);
    Napi::Function onReady = FunctionArg(info, 2, "onReady");
    bool keepAlive = BooleanArg(info, 3, "keepAlive");
    uv_loop_t* loop = nullptr;
    if (napi_get_uv_event_loop(env, &loop) != napi_ok) ThrowSystemError(env, EINVAL, "select", "no event loop");
    int err = 0;
    set_ = ReadinessSet::Create(loop, [this]() { OnReady(); }, &err);
    if (!set_) ThrowSystemError(env, err, "epoll_create1");
    if (!keepAlive) set_->KeepLoopAlive(false);
    // An environment that ends with the select pending (a Worker terminated, the process exiting)
    // must not leave the set's poll handle on its loop (libuv refuses to close a loop with open
    // handles: the process aborts), nor its epoll descriptor: test/teardown.test.ts.
    napi_add_env_cleanup_hook(env, &SelectWaiter::OnEnvCleanup, this);
    hooked_ = true;
    for (size_t i = 0; i < sel_.handles.size(); i++) {
      SocketHandle* h = sel_.handles[i];
      uint32_t interest = InterestFor(*h, h->ReadinessState(), sel_.wanted[i], sel_.rules);
      if (interest == 0) continue;
      if (int e = set_->Add(h->fd(), interest, i)) {
        Stop();
        ThrowSystemError(env, e, "epoll_ctl");
      }
    }
    onReady_ = Napi::Persistent(onReady);
    context_ = std::make_unique<Napi::AsyncContext>(env, "wsm:select");
    // Alive while watching, whatever JavaScript keeps of this object; the sockets themselves are
    // held by the caller's FdSets until the promise settles.
    for (SocketHandle* h : sel_.handles) handleRefs_.push_back(Napi::Persistent(h->Value()));
    Ref();
    referenced_ = true;
  }

 private:
  static void OnEnvCleanup(void* arg) {
    auto* self = static_cast<SelectWaiter*>(arg);
    self->hooked_ = false;  // run, and so already unregistered
    self->Stop();
  }

  void OnReady() {
    Napi::Env env = Env();
    if (!CanCallIntoJs(env)) return;  // the environment is exiting; OnEnvCleanup stops this
    Napi::HandleScope scope(env);
    bool anyReady = false;
    for (const ReadinessSet::Event& ev : set_->Collect()) {
      size_t i = static_cast<size_t>(ev.tag);
      SocketHandle* h = sel_.handles[i];
      if (h->fd() < 0) continue;  // closed under us; lib/select.ts settles that case
      if (Readiness(sel_.rules, h, h->ReadinessState(), ev.ready, sel_.wanted[i])) {
        anyReady = true;
      } else if (ev.ready & (kError | kHangup)) {
        // Level-triggered and never to be ready for the sets it is in (a reset socket in the
        // except set only): stop watching it rather than wake up for it forever.
        set_->Remove(h->fd());
      } else {
        // The state moved on (connect finished), so ask again with the interest it needs now.
        set_->Remove(h->fd());
        if (uint32_t interest = InterestFor(*h, h->ReadinessState(), sel_.wanted[i], sel_.rules)) set_->Add(h->fd(), interest, i);
      }
    }
    if (!anyReady) return;
    std::vector<uint8_t> ready;
    try {
      ready = PollSelection(env, sel_);
    } catch (const Napi::Error&) {
      return;  // a socket closed between wake-up and poll: lib/select.ts settles that case
    }
    Napi::FunctionReference cb = std::move(onReady_);
    std::unique_ptr<Napi::AsyncContext> context = std::move(context_);
    Stop();
    CallIntoJs(env, cb, Value(), {ToUint8Array(env, ready)}, *context);
  }

  Napi::Value CloseMethod(const Napi::CallbackInfo& info) {
    Stop();
    return info.Env().Undefined();
  }

  void Stop() {
    if (hooked_) {
      hooked_ = false;
      napi_remove_env_cleanup_hook(Env(), &SelectWaiter::OnEnvCleanup, this);
    }
    if (!set_) return;
    set_->Close();
    set_ = nullptr;
    handleRefs_.clear();
    onReady_.Reset();
    if (referenced_) {
      referenced_ = false;
      Unref();
    }
  }

  Selection sel_;
  ReadinessSet* set_ = nullptr;
  Napi::FunctionReference onReady_;
  std::unique_ptr<Napi::AsyncContext> context_;
  std::vector<Napi::ObjectReference> handleRefs_;
  bool referenced_ = false;
  bool hooked_ = false;  // OnEnvCleanup registered
};

}  // namespace

void DefineSelect(Napi::Env env, Napi::Object exports) {
  exports.Set("selectPoll", Napi::Function::New<SelectPoll>(env, "selectPoll"));
  exports.Set("SelectWaiter", SelectWaiter::Define(env));
}

}  // namespace wsm
