#include "files/file_handle.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>

#include "core/addon_data.h"
#include "core/args.h"
#include "core/errors.h"
#include "core/type_tags.h"

namespace wsm {

namespace {

// O_DIRECT wants buffer, offset and length aligned to the device's logical block size; statx
// reports it on kernels that know (STATX_DIOALIGN), else 4096 is safe on every common device.
uint32_t DirectIoAlignment(int fd) {
#ifdef STATX_DIOALIGN
  struct statx sx {};
  if (statx(fd, "", AT_EMPTY_PATH, STATX_DIOALIGN, &sx) == 0 && (sx.stx_mask & STATX_DIOALIGN) &&
      sx.stx_dio_offset_align > 0) {
    return sx.stx_dio_offset_align > sx.stx_dio_mem_align ? sx.stx_dio_offset_align : sx.stx_dio_mem_align;
  }
#else
  (void)fd;
#endif
  return 4096;
}

}  // namespace

Napi::Function FileHandle::Define(Napi::Env env) {
  Napi::Function ctor = DefineClass(env, "FileHandle",
                                    {
                                        InstanceMethod<&FileHandle::Size>("size"),
                                        InstanceMethod<&FileHandle::SetSize>("setSize"),
                                        InstanceMethod<&FileHandle::Close>("close"),
                                        InstanceAccessor<&FileHandle::GetAlignment>("alignment"),
                                        InstanceAccessor<&FileHandle::GetUnbuffered>("unbuffered"),
                                        InstanceAccessor<&FileHandle::GetClosed>("closed"),
                                    });
  Data(env).fileHandleCtor = Napi::Persistent(ctor);
  return ctor;
}

FileHandle* FileHandle::FromValue(Napi::Env env, const Napi::Value& value, const char* name) {
  if (FileHandle* f = UnwrapTagged<FileHandle>(env, value, kFileHandleTag)) return f;
  ThrowTypeError(env, std::string("The \"") + name + "\" argument must be a FileHandle");
}

// new FileHandle(path: string, flags: number, mode?: number)
FileHandle::FileHandle(const Napi::CallbackInfo& info) : Napi::ObjectWrap<FileHandle>(info) {
  Napi::Env env = info.Env();
  TagObject(env, info.This().As<Napi::Object>(), kFileHandleTag);
  if (info.Length() < 1 || !info[0].IsString()) ThrowTypeError(env, "The \"path\" argument must be a string");
  std::string path = info[0].As<Napi::String>().Utf8Value();
  if (path.empty() || path.find('\0') != std::string::npos) {
    ThrowInvalidArgument(env, "open", "The \"path\" argument must be a non-empty string without NUL bytes");
  }
  uint32_t flags = static_cast<uint32_t>(IntegerArg(info, 1, "flags", "open", 0, 63));
  int mode = static_cast<int>(OptionalIntegerArg(info, 2, "mode", "open", 0, 07777, 0666));
  if (!(flags & (kRead | kWrite))) ThrowInvalidArgument(env, "open", "open for reading, writing or both");
  if ((flags & (kCreate | kExclusive | kTruncate)) && !(flags & kWrite)) {
    ThrowInvalidArgument(env, "open", "create, exclusive and truncate need write access");
  }
  int oflags = O_CLOEXEC;
  oflags |= (flags & kRead) && (flags & kWrite) ? O_RDWR : (flags & kWrite) ? O_WRONLY : O_RDONLY;
  if (flags & kCreate) oflags |= O_CREAT;
  if (flags & kExclusive) oflags |= O_CREAT | O_EXCL;
  if (flags & kTruncate) oflags |= O_TRUNC;
  if (flags & kUnbuffered) oflags |= O_DIRECT;
  do {
    fd_ = ::open(path.c_str(), oflags, mode);
  } while (fd_ < 0 && errno == EINTR);
  if (fd_ < 0) {
    int err = errno;
    if (err == EINVAL && (flags & kUnbuffered)) {
      ThrowSystemError(env, err, "open", "this file system does not support unbuffered (O_DIRECT) I/O: " + path);
    }
    ThrowSystemError(env, err, "open", path);
  }
  struct stat st {};
  if (fstat(fd_, &st) == 0 && S_ISDIR(st.st_mode)) {
    ::close(fd_);
    fd_ = -1;
    ThrowSystemError(env, EISDIR, "open", path);
  }
  unbuffered_ = flags & kUnbuffered;
  alignment_ = unbuffered_ ? DirectIoAlignment(fd_) : 1;
}

FileHandle::~FileHandle() {
  if (fd_ >= 0) ::close(fd_);
}

void FileHandle::CheckOpen(const char* syscall) const {
  if (fd_ < 0) ThrowSystemError(Env(), EBADF, syscall, "the file is closed");
}

Napi::Value FileHandle::Size(const Napi::CallbackInfo& info) {
  CheckOpen("fstat");
  struct stat st {};
  if (fstat(fd_, &st) != 0) ThrowSystemError(info.Env(), errno, "fstat");
  return Napi::BigInt::New(info.Env(), static_cast<int64_t>(st.st_size));
}

Napi::Value FileHandle::SetSize(const Napi::CallbackInfo& info) {
  CheckOpen("ftruncate");
  int64_t size = OffsetArg(info, 0, "ftruncate");
  int rc;
  do {
    rc = ftruncate(fd_, size);
  } while (rc != 0 && errno == EINTR);
  if (rc != 0) ThrowSystemError(info.Env(), errno, "ftruncate");
  return info.Env().Undefined();
}

Napi::Value FileHandle::Close(const Napi::CallbackInfo& info) {
  CloseDescriptor(info.Env());
  return info.Env().Undefined();
}

Napi::Value FileHandle::GetAlignment(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), alignment_); }
Napi::Value FileHandle::GetUnbuffered(const Napi::CallbackInfo& info) { return Napi::Boolean::New(info.Env(), unbuffered_); }
Napi::Value FileHandle::GetClosed(const Napi::CallbackInfo& info) { return Napi::Boolean::New(info.Env(), fd_ < 0); }

int64_t OffsetArg(const Napi::CallbackInfo& info, size_t index, const char* syscall) {
  Napi::Env env = info.Env();
  Napi::Value v = index < info.Length() ? info[index] : env.Undefined();
  if (v.IsBigInt()) {
    bool lossless = false;
    int64_t n = v.As<Napi::BigInt>().Int64Value(&lossless);
    if (!lossless || n < 0) ThrowInvalidArgument(env, syscall, "The \"offset\" argument must be from 0 to 2^63-1");
    return n;
  }
  if (v.IsNumber()) {
    double d = v.As<Napi::Number>().DoubleValue();
    if (std::isnan(d) || d < 0 || d > 9007199254740991.0 || std::floor(d) != d) {
      ThrowInvalidArgument(env, syscall, "The \"offset\" argument must be a non-negative safe integer");
    }
    return static_cast<int64_t>(d);
  }
  ThrowTypeError(env, "The \"offset\" argument must be a bigint or a number");
}

}  // namespace wsm
