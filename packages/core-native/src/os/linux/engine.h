// The completion engine: the one interface the models are written against. An engine takes
// operations (receive, send, accept, connect, file read, file write) and later hands them back
// completed, in batches, the way an I/O completion port does. Two implementations: io_uring
// (uring_engine.cc) and an epoll reactor that emulates completions on readiness (epoll_engine.cc).
//
// Memory rule: an engine never reads or writes JavaScript memory. Bytes to send or write come in
// request-owned memory; received bytes land in memory the engine provides (a provided-buffer ring
// with io_uring, an allocation made when data is there with epoll), so an idle socket pins nothing
// and a JavaScript buffer detached or collected mid-operation cannot be corrupted.
#pragma once
#include <sys/socket.h>
#include <sys/uio.h>
#include <uv.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

namespace wsm {

enum class IoKind : uint8_t {
  kRecv,     // up to `length` bytes from a stream socket. With length 0, Winsock's zero-byte
             // receive: completes with 0 once the socket is readable (data, end or error),
             // reading nothing and holding no buffer while it waits
  kSend,     // all of data[0, length) to a stream socket (completes only when all is sent, or on error)
  kAccept,   // the next connection of a listening socket; result = the new descriptor
  kConnect,  // to `addr`; result 0
  kRead,     // up to `length` bytes of a file at `offset` into `data`
  kWrite,    // data[0, length) to a file at `offset` (may complete short, like WriteFile)
  kRecvFrom,  // one datagram into data[0, length) (request-owned: a datagram socket's receive
              // holds its buffer while it waits); its sender into `addr`. `truncated` when the
              // datagram was longer: the result is then `length`, the rest of it lost
  kSendTo,    // data[0, length) as one datagram to `addr` (addrLen 0: the connected peer)
};

struct IoRequest {
  IoKind kind = IoKind::kRecv;
  int fd = -1;
  // Which open file `fd` means: a serial unique to each socket or file for the process's life,
  // so that an engine keeping per-descriptor state can tell a reused descriptor number.
  uint64_t owner = 0;
  // kSend, kWrite: the bytes to write. kRead: the buffer to fill. Owned by the request's owner,
  // stable until completion (aligned for O_DIRECT files).
  uint8_t* data = nullptr;
  size_t length = 0;
  int64_t offset = 0;
  sockaddr_storage addr{};  // kConnect, kSendTo: the peer. kRecvFrom: the sender, at completion
  socklen_t addrLen = 0;

  // Set by the engine at completion: bytes transferred, the accepted descriptor, 0 for a connect,
  // or -errno. -ECANCELED when cancelled (a send cancelled midway may have put `progress` bytes on
  // the wire, as CancelIoEx may). Lengths above INT32_MAX are refused by the callers; file
  // operations may complete short.
  int32_t result = 0;
  // kRecv: where the received bytes are (valid until Engine::ReleaseRecv).
  uint8_t* received = nullptr;
  // kRecv hint in: the socket is probably empty (the last receive left nothing behind), so the
  // engine may wait for data before trying (io_uring's POLL_FIRST saves a failing attempt).
  bool expectEmpty = false;
  // kRecv out: the kernel said more data was left in the socket (io_uring's SOCK_NONEMPTY).
  bool moreData = false;
  // kRecv out, zero-byte receives: the socket became "readable" because an error is pending on it
  // (a reset, say), which the engine did not take; its owner reads it (SO_ERROR), knowing the
  // descriptor is still the socket's.
  bool errorPending = false;
  // kRecvFrom out: the datagram did not fit in `length` bytes (see IoKind).
  bool truncated = false;

  // Engine bookkeeping; owners leave these alone.
  size_t progress = 0;        // bytes already sent by earlier partial sends
  int32_t ringBuffer = -1;    // io_uring provided-buffer id holding `received`
  uint8_t* heapReceived = nullptr;  // epoll: allocation holding `received`
  msghdr msg{};                     // io_uring kRecvFrom/kSendTo: the kernel reads it until completion
  iovec iov{};
  bool queued = false;        // epoll: waiting in a descriptor's queue
  bool inKernel = false;      // io_uring: an SQE is outstanding
  bool cancelRequested = false;
  uint64_t userToken = 0;     // for the owner (IoLoop): which operation this is
};

// How long an engine's teardown waits for the kernel to give back cancelled requests (Quiesce).
constexpr int kEngineTeardownWaitMs = 1000;

class IoEngine {
 public:
  virtual ~IoEngine() = default;
  virtual const char* Name() const = 0;

  // Starts `req`. Its completion always comes out of Harvest, never from inside Submit, so callers
  // see one completion path whether the kernel finished at once or later.
  virtual void Submit(IoRequest* req) = 0;
  // Asks for `req` to finish early with -ECANCELED. It may still complete normally if the kernel
  // got there first. Safe to call more than once.
  virtual void Cancel(IoRequest* req) = 0;
  // `fd` is about to be closed: called before closing any descriptor that was ever submitted, after
  // its requests were cancelled (epoll drops its registration; a reused number starts afresh).
  virtual void ForgetFd(int fd) = 0;
  // Hands queued submissions to the kernel: called once per event-loop turn (and before a close).
  virtual void Flush() = 0;
  // Appends the requests completed since the last call, in completion order.
  virtual void Harvest(std::vector<IoRequest*>& out) = 0;
  // True when completions are held that WatchFd's readability will not announce (an epoll request
  // finished at once, a file operation back from the threadpool, io_uring CQEs already posted), so
  // the loop must not block waiting.
  virtual bool HasReady() = 0;
  // A descriptor that becomes readable when kernel completions may be waiting (watched by libuv).
  virtual int WatchFd() const = 0;
  // Gives back the memory holding a completed receive's bytes.
  virtual void ReleaseRecv(IoRequest* req) = 0;
  // Before the engine is destroyed (its environment ends): cancels every request the kernel holds
  // and waits, at most `timeoutMs`, for each to come back, so that the kernel writes into no
  // request's memory (its buffer, a copier's) once that memory is freed. False when some may
  // still run after the wait: their memory must then never be freed (it is leaked on purpose).
  // The harvested results are dropped. Engines whose requests never outlive them return true.
  virtual bool Quiesce(int /*timeoutMs*/) { return true; }
};

// Each returns nullptr and sets *err (a positive errno) when the engine cannot run here.
std::unique_ptr<IoEngine> CreateUringEngine(uv_loop_t* loop, int* err);
std::unique_ptr<IoEngine> CreateEpollEngine(uv_loop_t* loop, int* err);

// True when this build has the io_uring engine (liburing was found at build time).
bool HaveUringEngine();

}  // namespace wsm
