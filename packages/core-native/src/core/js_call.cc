#include "core/js_call.h"

namespace wsm {

bool CanCallIntoJs(napi_env env) {
  // napi_strict_equals runs N-API's preamble, which refuses with napi_pending_exception once the
  // environment cannot call into JavaScript (or while an exception is pending: not the case in a
  // libuv callback).
  napi_value undefined;
  bool same = false;
  if (napi_get_undefined(env, &undefined) != napi_ok) return false;
  return napi_strict_equals(env, undefined, undefined, &same) == napi_ok;
}

JsCall CallIntoJs(napi_env env, const Napi::FunctionReference& fn, napi_value recv, std::initializer_list<napi_value> args,
                  Napi::AsyncContext& context) {
  napi_value function = nullptr;
  if (fn.IsEmpty() || napi_get_reference_value(env, fn, &function) != napi_ok || !function) return JsCall::kNoFunction;
  napi_value result;
  napi_status status = napi_make_callback(env, context, recv, function, args.size(), args.begin(), &result);
  if (status == napi_ok) return JsCall::kCalled;
  // Taken first: CanCallIntoJs would refuse while it is pending. A termination that stopped the
  // callback half-way leaves one too, and then there is nobody left to report it to.
  napi_value error = nullptr;
  bool pending = false;
  if (napi_is_exception_pending(env, &pending) == napi_ok && pending) napi_get_and_clear_last_exception(env, &error);
  if (!CanCallIntoJs(env)) return JsCall::kCannotRun;
  if (error) napi_fatal_exception(env, error);
  return JsCall::kCalled;
}

}  // namespace wsm
