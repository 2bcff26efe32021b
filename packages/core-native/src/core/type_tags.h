// Type tags for the addon's wrapped classes. Finding the native object behind a JavaScript value is
// on every overlapped call's path: a tag check is one private-property lookup, where `instanceof`
// walked the prototype chain and looked up Symbol.hasInstance (6% of an echo server's CPU). A tag
// is also stronger: Object.create(SocketHandle.prototype) passes instanceof without wrapping a
// native handle, but carries no tag.
#pragma once
#include <napi.h>

namespace wsm {

// Random 128-bit values, one per class; they only have to differ from each other and from other addons'.
inline constexpr napi_type_tag kSocketHandleTag = {0x6f1c2a9e3b5d4e71ULL, 0xa2c4e6f8091b3d5fULL};
inline constexpr napi_type_tag kFileHandleTag = {0x3d8e5f0a1b2c4d69ULL, 0x7e9fa0b1c2d3e4f5ULL};

// The object `value` wraps if it carries `tag`, else nullptr (no exception pending either way).
template <typename T>
T* UnwrapTagged(Napi::Env env, const Napi::Value& value, const napi_type_tag& tag) {
  if (!value.IsObject()) return nullptr;
  bool tagged = false;
  if (napi_check_object_type_tag(env, value, &tag, &tagged) != napi_ok || !tagged) return nullptr;
  void* wrapped = nullptr;
  if (napi_unwrap(env, value, &wrapped) != napi_ok) return nullptr;
  return static_cast<T*>(wrapped);
}

// Marks a freshly constructed wrapper (called from its constructor).
inline void TagObject(Napi::Env env, const Napi::Object& obj, const napi_type_tag& tag) {
  NAPI_THROW_IF_FAILED_VOID(env, napi_type_tag_object(env, obj, &tag));
}

}  // namespace wsm
