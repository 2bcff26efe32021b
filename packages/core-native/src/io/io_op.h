// One overlapped operation as the IoLoop tracks it: the engine request, the JavaScript objects it
// must keep alive, and where its bytes go when it completes.
#pragma once
#include <napi.h>

#include <cstdlib>
#include <memory>
#include <vector>

#include "os/linux/engine.h"

namespace wsm {

class IoHandle;
class SocketHandle;

struct FreeDeleter {
  void operator()(uint8_t* p) const { std::free(p); }
};
using OwnedBytes = std::unique_ptr<uint8_t, FreeDeleter>;

// Receives the completions of operations the native core starts for itself (the copier), on the
// JavaScript thread, in place of a record for JavaScript.
class IoSink {
 public:
  virtual void OnIoComplete(uint64_t tag, int32_t result) = 0;

 protected:
  ~IoSink() = default;
};

struct IoOp {
  // Back to the state of a new operation, for reuse from IoLoop's pool.
  void Reset() {
    req = IoRequest{};
    id = 0;
    handle = nullptr;
    targets.clear();
    owned.reset();
    acceptSocket = nullptr;
    acceptSocketRef.Reset();
    sender.Reset();
    sink = nullptr;
    sinkTag = 0;
    harvested = queued = false;
    nextQueued = prevOnHandle = nextOnHandle = nullptr;
  }

  IoRequest req;
  uint32_t id = 0;  // what JavaScript knows the operation by
  IoHandle* handle = nullptr;
  // Receives and reads: the caller's buffers, filled on the JavaScript thread at completion. Held
  // strongly, so a caller dropping its references cannot free them; checked for detachment.
  std::vector<Napi::Reference<Napi::Value>> targets;
  OwnedBytes owned;  // send bytes / read bounce buffer (aligned for unbuffered files)
  // Small sends are copied here instead of into a heap allocation.
  static constexpr size_t kInlineBytes = 512;
  uint8_t inlineData[kInlineBytes];
  // AcceptEx: the socket that becomes the accepted connection.
  SocketHandle* acceptSocket = nullptr;
  Napi::ObjectReference acceptSocketRef;
  // WSARecvFrom: the object that learns the datagram's sender at completion (address, port, family).
  Napi::ObjectReference sender;
  IoSink* sink = nullptr;  // set for the core's own operations
  uint64_t sinkTag = 0;
  bool harvested = false;  // completed by the engine, waiting to be handed to JavaScript
  bool queued = false;     // waiting behind another receive/send on the same socket
  IoOp* nextQueued = nullptr;
  IoOp* prevOnHandle = nullptr;
  IoOp* nextOnHandle = nullptr;
};

}  // namespace wsm
