// The completion-port file copier (the seed's copier, done right): N reads and writes in flight
// on the completion engine, buffered or unbuffered (O_DIRECT with aligned buffers, the destination
// sized up to the alignment while copying and truncated to the source size at the end), short
// reads and writes requeued, 64-bit offsets. It writes beside the destination and renames into
// place, so a failed or aborted copy never leaves a partial destination.
#pragma once
#include <napi.h>

namespace wsm {

void DefineFileCopy(Napi::Env env, Napi::Object exports);

}  // namespace wsm
