// Calling JavaScript from a libuv callback (a batch of completions, recorded network events, a
// select that became ready), where no JavaScript is on the stack to take an exception, and where
// the environment may be on its way out (a Worker terminated, the process exiting): V8 then
// refuses to run JavaScript, and a node-addon-api call that fails there ends the process (it
// cannot even make the Error object it would throw). Guarded by test/teardown.test.ts and
// test/teardown-copy.test.ts.
#pragma once
#include <napi.h>

#include <initializer_list>

namespace wsm {

// False once this environment can no longer run JavaScript; callers then skip what would call it
// (or make objects that need it). Cheap: one N-API call that checks, creating nothing.
bool CanCallIntoJs(napi_env env);

// What became of a CallIntoJs. Only kCannotRun says anything about the environment: a caller that
// reads it as "the environment is going away" must not read kNoFunction so.
enum class JsCall {
  kCalled,      // `fn` ran (an exception it threw has been reported as uncaught)
  kNoFunction,  // nothing to call: `fn` is empty (or no longer holds a function)
  kCannotRun,   // this environment can no longer run JavaScript (a Worker terminated, exit)
};

// Calls `fn` on `recv` with `args` in `context`. An exception it throws is reported as uncaught
// (Node's 'uncaughtException'), as Node does for its own callbacks. Never throws.
JsCall CallIntoJs(napi_env env, const Napi::FunctionReference& fn, napi_value recv, std::initializer_list<napi_value> args,
                  Napi::AsyncContext& context);

}  // namespace wsm
