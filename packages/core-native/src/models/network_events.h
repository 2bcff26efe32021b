// Models 2 and 3, WSAAsyncSelect and WSAEventSelect, rest on one per-socket network-event state
// machine (as Wine's ws2_32 keeps one): which events the socket is selected for, which may be
// recorded now (the re-enabling rules), and which have been recorded with what error. This file
// holds that machine and the reactor that feeds it from the kernel's readiness; lib/ turns its
// batches into window messages (asyncSelect) or signalled events (eventSelect).
#pragma once
#include <napi.h>

#include <cstdint>

namespace wsm {

class SocketHandle;

enum NetworkEvent : uint32_t {
  kFdRead = 1,
  kFdWrite = 2,
  kFdOob = 4,
  kFdAccept = 8,
  kFdConnect = 16,
  kFdClose = 32,
  kFdAll = 63,
};

// Per socket, from its first selection until it closes: a cancelled selection (events 0) keeps
// what was reported, since WSAEventSelect does not report it again when selected anew.
struct NetworkEventState {
  bool eventMode = false;  // WSAEventSelect: keep the record until WSAEnumNetworkEvents
  uint32_t selected = 0;   // lNetworkEvents; 0 while the selection is cancelled
  uint32_t enabled = kFdAll;  // events that may be recorded now (the re-enabling rules)
  // Event mode: events recorded before and not re-enabled since, which a new WSAEventSelect arms
  // for the next arrival only (new data, a new connection), not for what is already there.
  uint32_t arrivals = 0;
  uint64_t readBaseline = 0;    // bytes received when `arrivals` was armed (TcpCounters)
  uint32_t acceptBaseline = 0;  // the accept queue then
  uint32_t recorded = 0;   // WSAEventSelect's record, not yet enumerated
  int errors[6] = {0, 0, 0, 0, 0, 0};  // per event bit: a positive errno, 0 for success
  uint32_t armed = 0;      // the readiness asked of the kernel (level-triggered set)
  bool registered = false;
  uint32_t edgeArmed = 0;  // the changes asked of the kernel (edge-triggered set)
  bool edgeRegistered = false;
  bool connectPending = false;  // a connect's outcome to report as FD_CONNECT
  // Readiness that woke the reactor with nothing to record (the end of the stream once FD_CLOSE
  // is recorded, a hang-up while FD_READ waits for its recv, ...): not asked for again until a call
  // re-enables an event or the socket is selected again. ~0u: not registered at all.
  uint32_t quiet = 0;
};

// The socket hooks the re-enabling rules hang on (called by SocketHandle).
void NetworkEventsAfterRecv(SocketHandle* s);                // FD_READ, FD_OOB
void NetworkEventsAfterSendBlocked(SocketHandle* s);         // FD_WRITE
void NetworkEventsAfterAccept(SocketHandle* s);              // FD_ACCEPT
void NetworkEventsAfterAcceptEx(SocketHandle* listener);     // an AcceptEx took a connection
void NetworkEventsAfterListen(SocketHandle* s);              // now FD_ACCEPT can be recorded
void NetworkEventsAfterConnect(SocketHandle* s);             // FD_CONNECT (and FD_WRITE on success)
void NetworkEventsAfterRef(SocketHandle* s);                 // ioRef changed IoHandle::loopRef_
void NetworkEventsBeforeClose(SocketHandle* s);              // the selection ends with the socket

void DefineNetworkEvents(Napi::Env env, Napi::Object exports);

}  // namespace wsm
