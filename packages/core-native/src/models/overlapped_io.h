// Models 4, 5 and 6 (overlapped I/O with events, with completion routines, completion ports) share
// one native half: start an operation on the engine, and report its completion to
// lib/io-dispatch.ts. Where the completion goes (an event, a routine, a port) is decided there.
#pragma once
#include <napi.h>

namespace wsm {

void DefineOverlappedIo(Napi::Env env, Napi::Object exports);

}  // namespace wsm
