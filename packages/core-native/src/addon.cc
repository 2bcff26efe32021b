// Registers the native classes and functions; nothing else lives here.
#include <napi.h>

#include "copy/file_copy.h"
#include "copy/kernel_copy.h"
#include "core/addon_data.h"
#include "core/args.h"
#include "models/network_events.h"
#include "models/overlapped_io.h"
#include "models/select.h"
#include "net/socket_handle.h"

namespace wsm {

AddonData& Data(Napi::Env env) { return *env.GetInstanceData<AddonData>(); }

namespace {

// setErrorFactory(fn): lib/binding.ts hands over the function that makes WsmErrors.
Napi::Value SetErrorFactory(const Napi::CallbackInfo& info) {
  Data(info.Env()).errorFactory = Napi::Persistent(FunctionArg(info, 0, "factory"));
  return info.Env().Undefined();
}

}  // namespace

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  env.SetInstanceData(new AddonData());
  exports.Set("setErrorFactory", Napi::Function::New<SetErrorFactory>(env, "setErrorFactory"));
  exports.Set("SocketHandle", SocketHandle::Define(env));
  DefineSelect(env, exports);
  DefineOverlappedIo(env, exports);
  DefineNetworkEvents(env, exports);
  DefineFileCopy(env, exports);
  DefineKernelCopy(env, exports);
  return exports;
}

}  // namespace wsm

static Napi::Object InitWsm(Napi::Env env, Napi::Object exports) { return wsm::Init(env, exports); }

NODE_API_MODULE(wsm, InitWsm)
