// Model 1, select: Winsock's readiness rules computed from the kernel's, for sets of sockets.
// lib/select.ts owns the FdSets and the timeout; this file answers "which are ready now?" and
// "wake me when one may be".
#pragma once
#include <napi.h>

namespace wsm {

// Bits of the per-socket masks exchanged with lib/select.ts.
enum SelectSet : uint8_t { kSelectRead = 1, kSelectWrite = 2, kSelectExcept = 4 };

void DefineSelect(Napi::Env env, Napi::Object exports);

}  // namespace wsm
