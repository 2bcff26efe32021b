// Copies of whole files done inside the kernel, for one file or many: reflink (FICLONE) where the
// file system shares blocks, else copy_file_range (which stays in the page cache, sparse-aware with
// SEEK_DATA/SEEK_HOLE), else read/write. Each file is one job on libuv's threadpool: open, fstat,
// create, copy, fchmod, futimens, close, without a JavaScript round trip per file.
#pragma once
#include <napi.h>

namespace wsm {

void DefineKernelCopy(Napi::Env env, Napi::Object exports);

}  // namespace wsm
