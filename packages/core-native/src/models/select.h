// Model 1, select, and WSAPoll: Winsock's readiness rules computed from the kernel's, for sets of
// sockets. lib/select.ts owns the FdSets and the timeout (lib/wsa-poll.ts the WSAPOLLFD array);
// this file answers "which are ready now?" and "wake me when one may be".
#pragma once
#include <napi.h>

namespace wsm {

// Bits of the per-socket masks exchanged with lib/select.ts.
// In WSAPoll's terms (a mask of each direction asked, the same bits): read is POLLRDNORM, write
// POLLWRNORM, except POLLRDBAND; its answers add kPollError and kPollHangup (POLLERR, POLLHUP).
enum SelectSet : uint8_t { kSelectRead = 1, kSelectWrite = 2, kSelectExcept = 4, kPollError = 8, kPollHangup = 16 };

// Whose rules a selection is answered by (the `mode` argument of selectPoll and SelectWaiter).
enum class ReadinessRules : uint8_t { kSelect = 0, kWsaPoll = 1 };

void DefineSelect(Napi::Env env, Napi::Object exports);

}  // namespace wsm
