#include "core/args.h"

#include <cmath>

#include "core/errors.h"

namespace wsm {

namespace {

Napi::Value ArgAt(const Napi::CallbackInfo& info, size_t index) {
  return index < info.Length() ? info[index] : info.Env().Undefined();
}

std::string Describe(const Napi::Value& v) {
  switch (v.Type()) {
    case napi_undefined: return "undefined";
    case napi_null: return "null";
    case napi_boolean: return "a boolean";
    case napi_number: return "a number";
    case napi_string: return "a string";
    case napi_symbol: return "a symbol";
    case napi_object: return v.IsArray() ? "an array" : "an object";
    case napi_function: return "a function";
    case napi_external: return "an external";
    case napi_bigint: return "a bigint";
  }
  return "a value";
}

}  // namespace

int64_t IntegerArg(const Napi::CallbackInfo& info, size_t index, const char* name, const char* syscall,
                   int64_t min, int64_t max) {
  Napi::Value v = ArgAt(info, index);
  if (!v.IsNumber()) {
    ThrowTypeError(info.Env(), std::string("The \"") + name + "\" argument must be a number, got " + Describe(v));
  }
  double d = v.As<Napi::Number>().DoubleValue();
  if (std::isnan(d) || std::floor(d) != d || d < static_cast<double>(min) || d > static_cast<double>(max)) {
    ThrowInvalidArgument(info.Env(), syscall,
                         std::string("The \"") + name + "\" argument must be an integer from " +
                             std::to_string(min) + " to " + std::to_string(max));
  }
  return static_cast<int64_t>(d);
}

int64_t OptionalIntegerArg(const Napi::CallbackInfo& info, size_t index, const char* name,
                           const char* syscall, int64_t min, int64_t max, int64_t fallback) {
  if (ArgAt(info, index).IsUndefined()) return fallback;
  return IntegerArg(info, index, name, syscall, min, max);
}

bool BooleanArg(const Napi::CallbackInfo& info, size_t index, const char* name) {
  Napi::Value v = ArgAt(info, index);
  if (!v.IsBoolean()) {
    ThrowTypeError(info.Env(), std::string("The \"") + name + "\" argument must be a boolean, got " + Describe(v));
  }
  return v.As<Napi::Boolean>().Value();
}

std::string OptionalStringArg(const Napi::CallbackInfo& info, size_t index, const char* name,
                              const std::string& fallback, size_t maxLength) {
  Napi::Value v = ArgAt(info, index);
  if (v.IsUndefined()) return fallback;
  if (!v.IsString()) {
    ThrowTypeError(info.Env(), std::string("The \"") + name + "\" argument must be a string, got " + Describe(v));
  }
  std::string s = v.As<Napi::String>().Utf8Value();
  if (s.size() > maxLength) {
    ThrowTypeError(info.Env(), std::string("The \"") + name + "\" argument is too long");
  }
  return s;
}

ByteSpan BufferArg(const Napi::CallbackInfo& info, size_t index, const char* name) {
  Napi::Value v = ArgAt(info, index);
  Napi::Env env = info.Env();
  bool isView = false;
  if (v.IsObject()) {
    napi_status st = napi_is_typedarray(env, v, &isView);
    if (st == napi_ok && !isView) napi_is_dataview(env, v, &isView);
  }
  if (!isView) {
    ThrowTypeError(env, std::string("The \"") + name + "\" argument must be a Uint8Array, got " + Describe(v));
  }
  void* data = nullptr;
  size_t length = 0;
  napi_value arraybuffer = nullptr;
  if (v.IsTypedArray()) {
    Napi::TypedArray ta = v.As<Napi::TypedArray>();
    arraybuffer = ta.ArrayBuffer();
    length = ta.ByteLength();
    data = static_cast<uint8_t*>(ta.ArrayBuffer().Data()) + ta.ByteOffset();
  } else {
    Napi::DataView dv = v.As<Napi::DataView>();
    arraybuffer = dv.ArrayBuffer();
    length = dv.ByteLength();
    data = dv.Data();
  }
  bool detached = false;
  napi_is_detached_arraybuffer(env, arraybuffer, &detached);
  if (detached) {
    ThrowTypeError(env, std::string("The \"") + name + "\" argument is a detached buffer");
  }
  return ByteSpan{static_cast<uint8_t*>(data), length};
}

Napi::Function FunctionArg(const Napi::CallbackInfo& info, size_t index, const char* name) {
  Napi::Value v = ArgAt(info, index);
  if (!v.IsFunction()) {
    ThrowTypeError(info.Env(), std::string("The \"") + name + "\" argument must be a function, got " + Describe(v));
  }
  return v.As<Napi::Function>();
}

}  // namespace wsm
