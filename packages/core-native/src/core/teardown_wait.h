// A native job that finishes its own teardown when its Node environment ends (a Worker terminated
// or calling process.exit(), the main thread's normal exit): its threadpool calls must have
// returned and its libuv handles be closed before Node closes the environment's event loop, or
// Node aborts the process ("uv_loop_close() while having open handles"). N-API's async cleanup
// hook gives exactly that: Node calls `start` and keeps the loop turning (with no JavaScript)
// until the job calls Release(). The main thread's process.exit() runs no hooks at all.
// Guarded by test/teardown-copy.test.ts.
#pragma once
#include <node_api.h>

namespace wsm {

class TeardownWait {
 public:
  using Start = void (*)(void* job);

  // From now on, the end of `env` calls `start(job)` on the JavaScript thread (before the
  // environment's IoLoop is cleaned up, if the job made the loop first), once.
  void Arm(napi_env env, Start start, void* job);
  // The job is done with its environment: disarms the hook, or, if `start` has run, tells Node
  // that the teardown it began is complete. Idempotent; call it exactly when nothing of the job
  // runs on the loop or the threadpool any more.
  void Release();

 private:
  static void Hook(napi_async_cleanup_hook_handle handle, void* self);

  napi_async_cleanup_hook_handle handle_ = nullptr;
  Start start_ = nullptr;
  void* job_ = nullptr;
};

}  // namespace wsm
