#include "models/network_events.h"

#include <sys/ioctl.h>

#include <cerrno>
#include <unordered_map>
#include <vector>

#include "core/addon_data.h"
#include "core/args.h"
#include "core/errors.h"
#include "core/js_call.h"
#include "io/io_op.h"
#include "net/socket_handle.h"
#include "os/linux/readiness.h"
#include "os/linux/tcp_counters.h"

namespace wsm {

namespace {

// Index of an event bit in NetworkEventState::errors (Winsock's FD_READ_BIT, ...).
int BitIndex(uint32_t bit) { return __builtin_ctz(bit); }

// An interest of its own, outside Readiness (the readiness set maps it to no epoll bit): registered
// for nothing but what epoll reports whatever is asked, EPOLLERR and EPOLLHUP.
constexpr uint32_t kErrorsOnly = 1u << 31;

}  // namespace

// Per environment (AddonData::netReactor): the readiness sets of the selected sockets, and the
// dispatch of their recorded events to JavaScript. Two sets: a level-triggered one for what may be
// recorded because it is true now (the enabled events), and an edge-triggered one for what may be
// recorded only when something new happens (WSAEventSelect's re-armed events, the peer's FIN after
// this side shut down its receiving direction), which a level-triggered set would report for as
// long as the old condition lasts.
class NetEventReactor {
 public:
  static NetEventReactor* Get(Napi::Env env) {
    AddonData& data = Data(env);
    if (!data.netReactor) {
      uv_loop_t* loop = nullptr;
      if (napi_get_uv_event_loop(env, &loop) != napi_ok) ThrowSystemError(env, EINVAL, "WSAEventSelect", "no event loop");
      auto* r = new NetEventReactor(env);
      int err = 0;
      r->set_ = ReadinessSet::Create(loop, [r]() { r->OnReady(r->set_, false); }, &err);
      if (r->set_) {
        r->changes_ = ReadinessSet::Create(loop, [r]() { r->OnReady(r->changes_, true); }, &err, true);
      }
      if (!r->set_ || !r->changes_) {
        if (r->set_) r->set_->Close();
        delete r;
        ThrowSystemError(env, err, "epoll_create1");
      }
      // Only while sockets are selected (see Select/Cancel).
      r->set_->KeepLoopAlive(false);
      r->changes_->KeepLoopAlive(false);
      napi_add_env_cleanup_hook(env, &NetEventReactor::Cleanup, r);
      data.netReactor = r;
    }
    return data.netReactor;
  }

  // The reactor if this environment has one (and is not being torn down), else nullptr.
  static NetEventReactor* IfCreated(Napi::Env env) { return Data(env).netReactor; }

  void SetDispatch(Napi::Function fn) {
    dispatch_ = Napi::Persistent(fn);
    context_ = std::make_unique<Napi::AsyncContext>(env_, "wsm:network-events");
  }

  // WSAAsyncSelect / WSAEventSelect: (re)selects `events` (0 cancels). Returns the events already
  // in the record that the new selection includes (event mode), for the caller to signal at once.
  // - WSAAsyncSelect enables every event and forgets the past: what is true now is posted.
  // - WSAEventSelect keeps the record and what was reported: an event recorded before and not
  //   re-enabled since is not recorded again for what is already there, only for what arrives
  //   next (test/conformance/network-events.test.ts, "selecting again").
  uint32_t Select(SocketHandle* s, bool eventMode, uint32_t events) {
    if (events == 0) {
      Cancel(s);
      return 0;
    }
    if (!s->netEvents_) s->netEvents_ = std::make_unique<NetworkEventState>();
    NetworkEventState* net = s->netEvents_.get();
    if (net->selected == 0) {
      s->Ref();  // selected sockets stay alive for the reactor, as in Winsock, until closed or cancelled
      bySerial_[s->serial()] = s;
      if (s->loopRef_) AddLoopRef(+1);
    }
    net->eventMode = eventMode;
    net->selected = events;
    net->quiet = 0;
    SocketState state = s->RefreshState();
    if (eventMode) {
      // A connect whose FD_CONNECT nobody has enumerated yet is reported, finished or not.
      net->connectPending = state == SocketState::kConnecting || s->connectUnreported_;
      uint32_t rearm = ~net->enabled & ~net->arrivals & (kFdRead | kFdAccept | kFdOob);
      TcpCounters now;
      if (rearm && ReadTcpCounters(s->fd(), &now)) {
        net->arrivals |= rearm;
        net->readBaseline = now.bytesReceived;
        net->acceptBaseline = now.acceptQueue;
      }
    } else {
      net->connectPending = state == SocketState::kConnecting;
      s->connectUnreported_ = false;
      net->enabled = kFdAll;
      net->arrivals = 0;
      net->recorded = 0;
      for (int& e : net->errors) e = 0;
    }
    Arm(s);
    return net->eventMode ? net->recorded & events : 0;
  }

  // Ends the selection; what was reported is kept for a later WSAEventSelect unless `forget`
  // (the socket closes).
  void Cancel(SocketHandle* s, bool forget = false) {
    NetworkEventState* net = s->netEvents_.get();
    if (!net) return;
    if (net->selected != 0) {
      if (s->fd() >= 0) {
        if (net->registered) set_->Remove(s->fd());
        if (net->edgeRegistered) changes_->Remove(s->fd());
      }
      net->registered = net->edgeRegistered = false;
      net->armed = net->edgeArmed = 0;
      net->selected = 0;
      bySerial_.erase(s->serial());
      if (s->loopRef_) AddLoopRef(-1);
      s->Unref();
    }
    if (forget) s->netEvents_.reset();
  }

  // ioRef(handle, on) changed the loop reference of the selected socket `s` (IoHandle::loopRef_).
  void RefChanged(SocketHandle* s) {
    if (s->netEvents_->selected != 0) AddLoopRef(s->loopRef_ ? +1 : -1);
  }

  // A call re-enabled `bits` (0: none, but the socket's state changed, so ask the kernel again).
  void Reenable(SocketHandle* s, uint32_t bits) {
    NetworkEventState* net = s->netEvents_.get();
    if (!net) return;
    if (bits & kFdConnect) net->connectPending = true;
    net->enabled |= bits;
    net->arrivals &= ~bits;
    net->quiet = 0;  // the call may have changed what the readiness means: ask again
    Arm(s);
  }

  // netEnum: WSAEnumNetworkEvents' record of the selected events, cleared; the record of events
  // not selected now stays (Windows: test_read_events).
  Napi::Value Enumerate(Napi::Env env, SocketHandle* s) {
    Napi::Object out = Napi::Object::New(env);
    NetworkEventState* net = s->netEvents_.get();
    Napi::Int32Array errors = Napi::Int32Array::New(env, 6);
    uint32_t events = 0;
    if (net) {
      events = net->recorded & net->selected;
      for (int i = 0; i < 6; i++) errors[i] = (events & (1u << i)) ? net->errors[i] : 0;
      net->recorded &= ~events;
    }
    out.Set("events", events);
    out.Set("errors", errors);
    return out;
  }

 private:
  explicit NetEventReactor(Napi::Env env) : env_(env) {}

  static void Cleanup(void* arg) {
    auto* r = static_cast<NetEventReactor*>(arg);
    r->shuttingDown_ = true;
    // The selected sockets outlive this hook (they are finalized later) and must not lead back here.
    Data(r->env_).netReactor = nullptr;
    for (auto& entry : r->bySerial_) entry.second->netEvents_.reset();
    r->bySerial_.clear();
    if (r->set_) r->set_->Close();
    if (r->changes_) r->changes_->Close();
    r->dispatch_.Reset();
    r->context_.reset();
    delete r;
  }

  // The readiness to ask of the kernel so that an enabled, selected event can be recorded, less
  // what is known to wake us for nothing (NetworkEventState::quiet).
  static uint32_t Interest(SocketHandle* s) { return WantedReadiness(s) & ~s->netEvents_->quiet; }

  static uint32_t WantedReadiness(SocketHandle* s) {
    const NetworkEventState& net = *s->netEvents_;
    uint32_t en = net.enabled & net.selected;
    // FD_CONNECT owed: the outcome shows as writability (or an error), whatever else is selected.
    uint32_t owed = net.connectPending ? uint32_t{kWritable} : 0u;
    // A UDP socket is read and written in every state (SocketHandle::ReadinessState).
    switch (s->IsDatagram() ? SocketState::kConnected : s->State()) {
      case SocketState::kListening:
        return (en & kFdAccept) ? uint32_t{kReadable} : 0u;
      case SocketState::kConnecting:
        return kWritable;  // the outcome of the connect, whatever is selected
      case SocketState::kConnectFailed:
        return owed;
      case SocketState::kConnected: {
        uint32_t i = owed;
        if (en & kFdRead) i |= kReadable | kReadHangup;
        if (en & kFdOob) i |= kPriority;
        if (en & kFdWrite) i |= kWritable;
        // FD_CLOSE enabled: the peer's FIN is recorded at once, data unread or not (Windows), and
        // a reset is heard when it comes, also while FD_READ waits for its recv (EPOLLERR/EPOLLHUP).
        if (en & kFdClose) i |= kReadHangup | kErrorsOnly;
        return i;
      }
      default:
        return 0;
    }
  }

  // The changes to be told of (edge-triggered): new data or connections for the events
  // WSAEventSelect re-armed (NetworkEventState::arrivals), and the peer's FIN once this side has
  // shut down its receiving direction (the end of the stream is then there already).
  static uint32_t ChangeInterest(SocketHandle* s) {
    const NetworkEventState& net = *s->netEvents_;
    uint32_t arrivals = net.arrivals & net.selected;
    switch (s->State()) {
      case SocketState::kListening:
        return (arrivals & kFdAccept) ? uint32_t{kReadable} : 0u;
      case SocketState::kConnected: {
        uint32_t i = 0;
        if (arrivals & kFdRead) i |= kReadable;
        if (arrivals & kFdOob) i |= kPriority;
        if ((net.enabled & net.selected & kFdClose) && s->ReceiveShutDown()) i |= kReadable | kReadHangup;
        return i;
      }
      default:
        return 0;
    }
  }

  // Registers `s` in `set` for `want` (none: removed), tracking what is registered.
  static void Register(ReadinessSet* set, SocketHandle* s, uint32_t want, uint32_t& armed, bool& registered) {
    if (want == armed && registered) return;
    if (want == 0) {
      // Unregistered rather than registered for nothing: errors and hang-ups are reported
      // whatever the interest, and would wake the loop for ever.
      if (registered) set->Remove(s->fd());
      registered = false;
      armed = 0;
      return;
    }
    int err = registered ? set->Modify(s->fd(), want, s->serial()) : set->Add(s->fd(), want, s->serial());
    if (err == ENOENT && registered) err = set->Add(s->fd(), want, s->serial());
    if (err == EEXIST) err = set->Modify(s->fd(), want, s->serial());
    registered = err == 0;
    armed = err == 0 ? want : 0;
  }

  void Arm(SocketHandle* s) {
    NetworkEventState& net = *s->netEvents_;
    if (s->fd() < 0 || net.selected == 0) return;
    Register(set_, s, Interest(s), net.armed, net.registered);
    Register(changes_, s, ChangeInterest(s), net.edgeArmed, net.edgeRegistered);
  }

  struct Recorded {
    SocketHandle* socket;
    uint32_t events;
    int errors[6];
  };

  // The AcceptEx calls waiting on `listener`: the connections they will take are not FD_ACCEPT's.
  static uint32_t PendingAcceptEx(SocketHandle* listener) {
    uint32_t n = 0;
    for (IoOp* op = listener->firstOp_; op; op = op->nextOnHandle) {
      if (op->req.kind == IoKind::kAccept && !op->harvested) n++;
    }
    return n;
  }

  // A WSARecv is waiting in the engine: the data that arrives is its, not FD_READ's (Windows:
  // test_read_events). Its completion re-enables FD_READ (NetworkEventsAfterRecv), and what it
  // leaves is recorded then. On io_uring the kernel usually hands it the data before this looks;
  // on epoll the engine reads it after.
  static bool ReceivePending(SocketHandle* s) {
    const IoOp* active = s->recvQueue_.active;
    return active != nullptr && !active->harvested;
  }

  // Event mode: the re-armed events (NetworkEventState::arrivals) that something new arrived for.
  static uint32_t Arrived(SocketHandle* s, SocketState state, uint32_t ready, int avail) {
    NetworkEventState& net = *s->netEvents_;
    uint32_t armed = net.arrivals & net.selected;
    TcpCounters now;
    if (armed == 0 || !ReadTcpCounters(s->fd(), &now)) return 0;
    uint32_t out = 0;
    if (state == SocketState::kListening && (armed & kFdAccept)) {
      // Fewer than before: taken meanwhile (an AcceptEx); count from what is left.
      if (now.acceptQueue > net.acceptBaseline) out |= kFdAccept;
      else net.acceptBaseline = now.acceptQueue;
    } else if (state == SocketState::kConnected && now.bytesReceived > net.readBaseline) {
      net.readBaseline = now.bytesReceived;
      if ((armed & kFdRead) && avail > 0) out |= kFdRead;
      if ((armed & kFdOob) && (ready & kPriority)) out |= kFdOob;
    }
    return out;
  }

  // What the kernel's readiness means as network events, under the re-enabling rules.
  void Evaluate(SocketHandle* s, uint32_t ready, std::vector<Recorded>& out) {
    NetworkEventState& net = *s->netEvents_;
    uint32_t en = net.enabled & net.selected;
    Recorded r{s, 0, {0, 0, 0, 0, 0, 0}};
    auto record = [&](uint32_t bit, int err) {
      r.events |= bit;
      r.errors[BitIndex(bit)] = err;
    };
    SocketState state = s->ReadinessState();
    bool settled = false;  // evaluated in a stable state (not the outcome of a connect)
    if (net.connectPending && state != SocketState::kConnecting) {
      net.connectPending = false;
      bool ok = state == SocketState::kConnected;
      if (en & kFdConnect) record(kFdConnect, ok ? 0 : s->PeekDeferredError());
      // Reported, or (message mode) posted to nobody: either way not owed to a later selection.
      if ((en & kFdConnect) || !net.eventMode) s->connectUnreported_ = false;
      if (ok && (en & kFdWrite)) record(kFdWrite, 0);  // FD_WRITE once after connect
    } else if (state == SocketState::kListening) {
      settled = true;
      if ((en & kFdAccept) && (ready & kReadable)) {
        // The connections a pending AcceptEx will take are not reported (Windows: test_accept_events);
        // on the epoll engine the AcceptEx takes it after this look, on io_uring usually before.
        TcpCounters now;
        if (!ReadTcpCounters(s->fd(), &now) || now.acceptQueue > PendingAcceptEx(s)) record(kFdAccept, 0);
        else if (now.acceptQueue == 0) ready &= ~kReadable;  // stale: nothing to keep quiet about
      }
      r.events |= Arrived(s, state, ready, 0);
    } else if (state == SocketState::kConnected) {
      settled = true;
      int avail = 0;  // the data FD_READ is about: none while a WSARecv waits for it
      if (ReceivePending(s) || ioctl(s->fd(), FIONREAD, &avail) != 0) avail = 0;
      // A datagram socket's FIONREAD is the next datagram's length, 0 for an empty one: readability
      // tells. An error queued there (a port unreachable) is FD_READ too: the recv reports it.
      bool readable = s->IsDatagram() ? !ReceivePending(s) && (ready & (kReadable | kError)) != 0 : avail > 0;
      if ((en & kFdOob) && (ready & kPriority)) record(kFdOob, 0);
      if ((en & kFdRead) && readable) record(kFdRead, 0);
      if ((en & kFdWrite) && (ready & kWritable)) record(kFdWrite, 0);
      r.events |= Arrived(s, state, ready, avail);
      // A reset shows as EPOLLERR while SO_ERROR holds it; once something has taken it (the
      // RefreshState of a connect, a recv or send that failed with it, getError) only the hang-up
      // is left, and the socket remembers the error (AbortError): a reset all the same, never a
      // graceful close with 0.
      // Closed both ways without an error left: an abort whose error another call took (an
      // overlapped send, say), unless this side shut down its sending direction
      // (ResetRecord::NoteHangup).
      if ((ready & kHangup) && !(ready & kError) && !s->IsDatagram()) s->NoteHangup();
      bool reset = (ready & kError) || s->AbortError() != 0;
      // The peer's FIN. Once this side has shut down its receiving direction the kernel shows the
      // end of the stream at once, so only the TCP state tells: this side's own shutdown records
      // nothing (Windows: test_close_events).
      bool fin;
      if (s->ReceiveShutDown()) {
        TcpCounters now;
        fin = ReadTcpCounters(s->fd(), &now) && now.peerClosed;
      } else {
        fin = (ready & (kReadHangup | kHangup)) != 0;
      }
      // Recorded at once, with data still unread (Windows: test_close_events); a datagram socket has
      // no connection to lose.
      if ((en & kFdClose) && !s->IsDatagram() && (reset || fin)) {
        int err = 0;
        if (ready & kError) {
          err = s->TakeSocketError();
          if (err != 0) s->DeferError(err);  // reading SO_ERROR cleared it: the next recv/send still reports it
        }
        if (err == 0 && reset) err = s->AbortError() != 0 ? s->AbortError() : ECONNRESET;
        // Windows reports the peer's reset as WSAECONNABORTED in FD_CLOSE (recv and send still
        // fail with WSAECONNRESET): test/conformance/network-events.test.ts "a reset".
        if (err == ECONNRESET) err = ECONNABORTED;
        record(kFdClose, err);
      }
    }
    if (!r.events) {
      // Woken with nothing to record: the readiness is level-triggered and stays (the end of the
      // stream after FD_CLOSE, a hang-up while FD_READ waits for its recv, ...), so asked again it
      // woke the loop at every turn for ever, at 100% CPU. It is not asked again until a call
      // re-enables an event (Reenable) or the socket is selected again; EPOLLERR and EPOLLHUP come
      // whatever is asked, so with those the socket is not registered at all meanwhile. (The
      // edge-triggered set wakes only for something new, and stays.)
      if (settled) net.quiet |= (ready & (kError | kHangup)) ? ~0u : ready;
      return;
    }
    net.enabled &= ~r.events;
    net.arrivals &= ~r.events;
    if (net.eventMode) {
      net.recorded |= r.events;
      for (int i = 0; i < 6; i++) {
        if (r.events & (1u << i)) net.errors[i] = r.errors[i];
      }
    }
    out.push_back(r);
  }

  // The readiness of `fd` now (the edge-triggered set says that something changed, not what is).
  static uint32_t ReadyNow(int fd) {
    std::vector<PollEntry> entry{{fd, kReadable | kWritable | kPriority | kReadHangup, 0}};
    return PollNow(entry) == 0 ? entry[0].ready : 0;
  }

  void OnReady(ReadinessSet* set, bool changes) {
    if (shuttingDown_) return;
    Napi::HandleScope scope(env_);
    std::vector<Recorded> batch;
    for (const ReadinessSet::Event& ev : set->Collect()) {
      auto it = bySerial_.find(ev.tag);
      if (it == bySerial_.end()) continue;
      SocketHandle* s = it->second;
      if (!s->netEvents_ || s->fd() < 0) continue;
      Evaluate(s, changes ? ReadyNow(s->fd()) : ev.ready, batch);
      Arm(s);
    }
    // Building the batch needs JavaScript (napi_set_element): not while the environment exits.
    if (batch.empty() || dispatch_.IsEmpty() || !CanCallIntoJs(env_)) return;
    try {
      // One call per batch: the sockets, their new events, and six error codes each.
      Napi::Array sockets = Napi::Array::New(env_, batch.size());
      Napi::Uint32Array events = Napi::Uint32Array::New(env_, batch.size());
      Napi::Int32Array errors = Napi::Int32Array::New(env_, batch.size() * 6);
      for (size_t i = 0; i < batch.size(); i++) {
        sockets.Set(static_cast<uint32_t>(i), batch[i].socket->Value());
        events[i] = batch[i].events;
        for (int j = 0; j < 6; j++) errors[i * 6 + j] = batch[i].errors[j];
      }
      CallIntoJs(env_, dispatch_, env_.Global(), {sockets, events, errors}, *context_);
    } catch (const Napi::Error&) {
      // A Worker's terminate() comes from another thread and may land after CanCallIntoJs, failing
      // a call above: thrown out of this libuv callback it would abort the process. There is
      // nobody left to tell (test/teardown.test.ts, the async-select driver's Worker). Anything
      // else is a defect, and aborts as before.
      if (CanCallIntoJs(env_)) throw;
    }
  }

  // A selected socket keeps the process alive, as a listening net.Server does, unless ioRef(s, false)
  // (a Connection's or Listener's unref()) says otherwise: the sets' poll handles are referenced
  // while one selected socket is (test/drivers-lifetime.test.ts, the event-select driver).
  void AddLoopRef(int delta) {
    bool before = refSelected_ > 0;
    refSelected_ += delta;
    if ((refSelected_ > 0) != before) {
      set_->KeepLoopAlive(refSelected_ > 0);
      changes_->KeepLoopAlive(refSelected_ > 0);
    }
  }

  Napi::Env env_;
  ReadinessSet* set_ = nullptr;      // level-triggered: what is true now
  ReadinessSet* changes_ = nullptr;  // edge-triggered: what is new
  size_t refSelected_ = 0;  // the selected sockets whose loopRef_ is set
  std::unordered_map<uint64_t, SocketHandle*> bySerial_;
  Napi::FunctionReference dispatch_;
  std::unique_ptr<Napi::AsyncContext> context_;
  bool shuttingDown_ = false;
};

namespace {

// netSetup(dispatch)
Napi::Value NetSetup(const Napi::CallbackInfo& info) {
  NetEventReactor::Get(info.Env())->SetDispatch(FunctionArg(info, 0, "dispatch"));
  return info.Env().Undefined();
}

// netSelect(socket, eventMode: boolean, events: 0..63) -> the events recorded already that the
// selection includes (event mode: the event is to be set at once)
Napi::Value NetSelect(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  SocketHandle* s = SocketHandle::FromValue(env, info.Length() > 0 ? info[0] : env.Undefined(), "socket");
  bool eventMode = BooleanArg(info, 1, "eventMode");
  const char* syscall = eventMode ? "WSAEventSelect" : "WSAAsyncSelect";
  s->CheckOpen(syscall);
  uint32_t events = static_cast<uint32_t>(IntegerArg(info, 2, "events", syscall, 0, kFdAll));
  return Napi::Number::New(env, NetEventReactor::Get(env)->Select(s, eventMode, events));
}

// netEnum(socket) -> { events, errors: Int32Array(6) }   (WSAEnumNetworkEvents)
Napi::Value NetEnum(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  SocketHandle* s = SocketHandle::FromValue(env, info.Length() > 0 ? info[0] : env.Undefined(), "socket");
  s->CheckOpen("WSAEnumNetworkEvents");
  return NetEventReactor::Get(env)->Enumerate(env, s);
}

}  // namespace

namespace {

// The reactor of a selected socket (nullptr when `s` is not selected).
NetEventReactor* ReactorOf(SocketHandle* s) { return s->netEvents_ ? NetEventReactor::IfCreated(s->Env()) : nullptr; }

}  // namespace

void NetworkEventsAfterRecv(SocketHandle* s) {
  if (NetEventReactor* r = ReactorOf(s)) r->Reenable(s, kFdRead | kFdOob);
}

void NetworkEventsAfterSendBlocked(SocketHandle* s) {
  if (NetEventReactor* r = ReactorOf(s)) r->Reenable(s, kFdWrite);
}

void NetworkEventsAfterAccept(SocketHandle* s) {
  if (NetEventReactor* r = ReactorOf(s)) r->Reenable(s, kFdAccept);
}

void NetworkEventsAfterAcceptEx(SocketHandle* listener) {
  // Nothing re-enabled, but a connection left the queue: the readiness means something new.
  if (NetEventReactor* r = ReactorOf(listener)) r->Reenable(listener, 0);
}

void NetworkEventsAfterListen(SocketHandle* s) {
  if (NetEventReactor* r = ReactorOf(s)) r->Reenable(s, 0);
}

void NetworkEventsAfterConnect(SocketHandle* s) {
  // A new connect: FD_CONNECT (once per connect) and the FD_WRITE that follows a connection.
  if (NetEventReactor* r = ReactorOf(s)) r->Reenable(s, kFdConnect | kFdWrite);
}

void NetworkEventsAfterRef(SocketHandle* s) {
  if (NetEventReactor* r = ReactorOf(s)) r->RefChanged(s);
}

void NetworkEventsBeforeClose(SocketHandle* s) {
  if (NetEventReactor* r = ReactorOf(s)) r->Cancel(s, true);
  s->netEvents_.reset();
}

void DefineNetworkEvents(Napi::Env env, Napi::Object exports) {
  exports.Set("netSetup", Napi::Function::New<NetSetup>(env, "netSetup"));
  exports.Set("netSelect", Napi::Function::New<NetSelect>(env, "netSelect"));
  exports.Set("netEnum", Napi::Function::New<NetEnum>(env, "netEnum"));
}

}  // namespace wsm
