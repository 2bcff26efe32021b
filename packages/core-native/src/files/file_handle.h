// A file opened for overlapped I/O (CreateFile with FILE_FLAG_OVERLAPPED, and with
// FILE_FLAG_NO_BUFFERING when `unbuffered`: O_DIRECT, whose alignment rules are checked here with
// a clear error instead of the kernel's bare EINVAL).
#pragma once
#include <napi.h>

#include <cstdint>

#include "io/io_handle.h"

namespace wsm {

class FileHandle : public Napi::ObjectWrap<FileHandle>, public IoHandle {
 public:
  // Bits of the `flags` argument, built by lib/file-handle.ts from its options object.
  enum OpenFlag : uint32_t {
    kRead = 1,
    kWrite = 2,
    kCreate = 4,
    kExclusive = 8,
    kTruncate = 16,
    kUnbuffered = 32,
  };

  static Napi::Function Define(Napi::Env env);
  static FileHandle* FromValue(Napi::Env env, const Napi::Value& value, const char* name);

  explicit FileHandle(const Napi::CallbackInfo& info);
  ~FileHandle() override;

  void KeepAlive(bool on) override {
    if (on) Ref();
    else Unref();
  }

  void CheckOpen(const char* syscall) const;
  bool Unbuffered() const { return unbuffered_; }
  // Offsets and lengths of unbuffered I/O must be multiples of this; buffers are aligned to it.
  uint32_t Alignment() const { return alignment_; }

 private:
  Napi::Value Size(const Napi::CallbackInfo& info);
  Napi::Value SetSize(const Napi::CallbackInfo& info);
  Napi::Value Close(const Napi::CallbackInfo& info);
  Napi::Value GetAlignment(const Napi::CallbackInfo& info);
  Napi::Value GetUnbuffered(const Napi::CallbackInfo& info);
  Napi::Value GetClosed(const Napi::CallbackInfo& info);

  bool unbuffered_ = false;
  uint32_t alignment_ = 1;
};

// A byte offset: a non-negative safe-integer number or a bigint below 2^63.
int64_t OffsetArg(const Napi::CallbackInfo& info, size_t index, const char* syscall);

}  // namespace wsm
