#include "core/errors.h"

#include <cerrno>
#include <cstring>

#include "core/addon_data.h"

namespace wsm {

Napi::Error SystemError(Napi::Env env, int err, const char* syscall, const std::string& message) {
  AddonData& data = Data(env);
  if (!data.errorFactory.IsEmpty()) {
    Napi::Value made = data.errorFactory.Call(
        {Napi::Number::New(env, err), Napi::String::New(env, syscall), Napi::String::New(env, message)});
    return Napi::Error(env, made);
  }
  // Loaded without lib/ (should not happen in the package): still give a code and errno.
  Napi::Error e = Napi::Error::New(env, std::string(syscall) + ": " + (message.empty() ? strerror(err) : message));
  e.Set("errno", Napi::Number::New(env, -err));
  e.Set("syscall", Napi::String::New(env, syscall));
  return e;
}

void ThrowSystemError(Napi::Env env, int err, const char* syscall, const std::string& message) {
  throw SystemError(env, err, syscall, message);
}

void ThrowInvalidArgument(Napi::Env env, const char* syscall, const std::string& message) {
  throw SystemError(env, EINVAL, syscall, message);
}

void ThrowTypeError(Napi::Env env, const std::string& message) {
  Napi::Error e = Napi::TypeError::New(env, message);
  e.Set("code", Napi::String::New(env, "ERR_INVALID_ARG_TYPE"));
  throw e;
}

}  // namespace wsm
