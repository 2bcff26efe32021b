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

// Bytes per element, or 0 for a kind not listed here.
size_t ElementSize(napi_typedarray_type type) {
  switch (type) {
    case napi_int8_array:
    case napi_uint8_array:
    case napi_uint8_clamped_array: return 1;
    case napi_int16_array:
    case napi_uint16_array: return 2;
    case napi_int32_array:
    case napi_uint32_array:
    case napi_float32_array: return 4;
    case napi_float64_array:
    case napi_bigint64_array:
    case napi_biguint64_array: return 8;
  }
  return 0;
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
  bool isTyped = false;
  bool isDataView = false;
  if (v.IsObject()) {
    napi_is_typedarray(env, v, &isTyped);
    if (!isTyped) napi_is_dataview(env, v, &isDataView);
  }
  if (!isTyped && !isDataView) {
    ThrowTypeError(env, std::string("The \"") + name + "\" argument must be a Uint8Array, got " + Describe(v));
  }
  // The raw N-API calls, not Napi::TypedArray::ArrayBuffer().Data(): for a view over a
  // SharedArrayBuffer the latter throws a bare Error("Invalid argument"), and such views are
  // legitimate buffers to send from and receive into (as with fs.readSync). The data pointers
  // these calls return already include the view's byte offset.
  void* data = nullptr;
  size_t length = 0;
  size_t offset = 0;
  napi_value arraybuffer = nullptr;
  napi_status st;
  if (isTyped) {
    ByteSpan span{};
    st = TypedArrayBytes(env, v, &span, &arraybuffer) ? napi_ok : napi_invalid_arg;
    data = span.data;
    length = span.length;
  } else {
    st = napi_get_dataview_info(env, v, &length, &data, &arraybuffer, &offset);
  }
  if (st != napi_ok) {
    ThrowTypeError(env, std::string("The \"") + name + "\" argument must be a Uint8Array, got " + Describe(v));
  }
  bool detached = false;
  napi_is_detached_arraybuffer(env, arraybuffer, &detached);
  if (detached) {
    ThrowTypeError(env, std::string("The \"") + name + "\" argument is a detached buffer");
  }
  return ByteSpan{static_cast<uint8_t*>(data), length};
}

bool TypedArrayBytes(napi_env env, napi_value v, ByteSpan* span, napi_value* arraybuffer) {
  // An N-API older than the typed array's kind returns napi_ok without writing the type: start
  // from a value no kind has.
  auto type = static_cast<napi_typedarray_type>(-1);
  size_t elements = 0;
  void* data = nullptr;
  size_t byteOffset = 0;
  if (napi_get_typedarray_info(env, v, &type, &elements, &data, arraybuffer, &byteOffset) != napi_ok) return false;
  size_t size = ElementSize(type);
  if (size == 0) return false;
  *span = ByteSpan{static_cast<uint8_t*>(data), elements * size};
  return true;
}

Napi::Function FunctionArg(const Napi::CallbackInfo& info, size_t index, const char* name) {
  Napi::Value v = ArgAt(info, index);
  if (!v.IsFunction()) {
    ThrowTypeError(info.Env(), std::string("The \"") + name + "\" argument must be a function, got " + Describe(v));
  }
  return v.As<Napi::Function>();
}

}  // namespace wsm
