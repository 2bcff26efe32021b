// Per-environment state of the addon (one per Node environment, so worker threads stay separate).
#pragma once
#include <napi.h>

namespace wsm {

class IoLoop;
class NetEventReactor;

struct AddonData {
  // (errno, syscall, message?) => WsmError. Supplied by lib/binding.ts so that errors created in
  // C++ are real instances of the TypeScript WsmError class.
  Napi::FunctionReference errorFactory;
  // The SocketHandle constructor, so that accept() can hand out new handles.
  Napi::FunctionReference socketHandleCtor;
  Napi::FunctionReference fileHandleCtor;
  // The completion engine's bridge to this environment's event loop; created on first use, freed by
  // its own environment cleanup hook, which sets this back to null: a finalizer that runs later
  // (a socket collected at teardown) finds no loop rather than a freed one.
  IoLoop* ioLoop = nullptr;
  // The reactor of WSAAsyncSelect/WSAEventSelect (src/models/network_events.cc), created on first
  // use, freed by its own cleanup hook, which sets this back to null too.
  NetEventReactor* netReactor = nullptr;
};

AddonData& Data(Napi::Env env);

}  // namespace wsm
