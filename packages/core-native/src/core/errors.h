// Errors that cross into JavaScript: WsmError for system failures (POSIX errno), TypeError for
// arguments of the wrong type. All of them are thrown as C++ exceptions that node-addon-api turns
// into JavaScript exceptions at the boundary.
#pragma once
#include <napi.h>
#include <string>

namespace wsm {

// A WsmError for `err` (a positive errno) raised by `syscall`.
Napi::Error SystemError(Napi::Env env, int err, const char* syscall, const std::string& message = "");

[[noreturn]] void ThrowSystemError(Napi::Env env, int err, const char* syscall,
                                   const std::string& message = "");

// EINVAL with a message that says which argument was wrong and why.
[[noreturn]] void ThrowInvalidArgument(Napi::Env env, const char* syscall, const std::string& message);

[[noreturn]] void ThrowTypeError(Napi::Env env, const std::string& message);

}  // namespace wsm
