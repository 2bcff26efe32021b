// Validation of arguments at the native boundary. Nothing reaches the kernel unchecked: a value of
// the wrong type is a TypeError, a value of the right type but out of range is EINVAL.
#pragma once
#include <napi.h>
#include <cstddef>
#include <cstdint>
#include <string>

namespace wsm {

struct ByteSpan {
  uint8_t* data;
  size_t length;
};

// An integer in [min, max]. `name` and `syscall` make the error message.
int64_t IntegerArg(const Napi::CallbackInfo& info, size_t index, const char* name, const char* syscall,
                   int64_t min, int64_t max);

// Like IntegerArg, but `fallback` when the argument is undefined (or absent).
int64_t OptionalIntegerArg(const Napi::CallbackInfo& info, size_t index, const char* name,
                           const char* syscall, int64_t min, int64_t max, int64_t fallback);

bool BooleanArg(const Napi::CallbackInfo& info, size_t index, const char* name);

// A string, or `fallback` when undefined. `maxLength` guards against absurd input.
std::string OptionalStringArg(const Napi::CallbackInfo& info, size_t index, const char* name,
                              const std::string& fallback, size_t maxLength = 1024);

// The bytes of a Uint8Array (or any ArrayBufferView). A detached buffer is a TypeError.
ByteSpan BufferArg(const Napi::CallbackInfo& info, size_t index, const char* name);

// The bytes of typed array `v` (the pointer includes its byte offset) and its ArrayBuffer. False if
// `v` is not a typed array, or is of a kind whose element size this build does not know (a
// Float16Array on a Node whose N-API predates it): a length is never guessed.
bool TypedArrayBytes(napi_env env, napi_value v, ByteSpan* span, napi_value* arraybuffer);

Napi::Function FunctionArg(const Napi::CallbackInfo& info, size_t index, const char* name);

}  // namespace wsm
