#include "core/teardown_wait.h"

namespace wsm {

void TeardownWait::Arm(napi_env env, Start start, void* job) {
  start_ = start;
  job_ = job;
  if (napi_add_async_cleanup_hook(env, &TeardownWait::Hook, this, &handle_) != napi_ok) handle_ = nullptr;
}

void TeardownWait::Release() {
  if (!handle_) return;
  napi_async_cleanup_hook_handle handle = handle_;
  handle_ = nullptr;
  napi_remove_async_cleanup_hook(handle);
}

void TeardownWait::Hook(napi_async_cleanup_hook_handle /*handle*/, void* self) {
  // The handle is the one Arm received; Release() hands it back.
  auto* wait = static_cast<TeardownWait*>(self);
  wait->start_(wait->job_);
}

}  // namespace wsm
