// The epoll engine: completions emulated on readiness, for kernels (or sandboxes) without io_uring.
//
// Every socket descriptor has two FIFO queues: reads (receive, accept) and writes (send, connect).
// Only the head of a queue is attempted, with one non-blocking system call on the loop thread; the
// next request is attempted when the head completes, so a descriptor's operations complete in the
// order they were submitted, as on a completion port. A head that would block arms epoll for its
// direction (level-triggered, EPOLLIN for reads, EPOLLOUT for writes); the set is watched by libuv
// through WatchFd() and Harvest() attempts the heads whose descriptors became ready. A finished
// request goes on the ready list, which only Harvest() empties: nothing completes inside Submit().
//
// Receives take memory only when there is something to receive: the bytes land in a heap block
// sized to what arrived (IoRequest::heapReceived), given back by ReleaseRecv(). A waiting receive
// holds no buffer. Regular files cannot be polled, so file reads and writes run on libuv's
// threadpool and come back through the same ready list.
#include <fcntl.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <new>
#include <unordered_map>
#include <vector>

#include "os/linux/engine.h"

namespace wsm {

namespace {

// Largest block one receive takes: enough for a socket buffer's worth, small enough not to
// matter when thousands of connections receive at once.
constexpr size_t kMaxRecvBlock = 256 * 1024;
// Linux transfers at most this much in one read/write call (MAX_RW_COUNT); keeps results in int32.
constexpr size_t kMaxFileTransfer = 0x7ffff000;
// epoll events fetched per epoll_wait, and rounds per Harvest before yielding to the rest of the
// loop (level-triggered, so whatever is left is reported again).
constexpr int kMaxEvents = 256;
constexpr int kMaxRounds = 16;

bool WouldBlock(int e) { return e == EAGAIN || e == EWOULDBLOCK; }

bool IsFileKind(IoKind k) { return k == IoKind::kRead || k == IoKind::kWrite; }

bool IsReadSide(IoKind k) { return k == IoKind::kRecv || k == IoKind::kAccept || k == IoKind::kRecvFrom; }

// A FIFO of requests: a vector with a moving head. Empty costs nothing; a queue of one (the usual
// case: one receive pending) costs one pointer. Removing from the middle (cancellation) searches
// from both ends, so cancelling a queue's requests oldest-first or newest-first is O(1) each.
class Fifo {
 public:
  bool empty() const { return head_ == items_.size(); }
  size_t size() const { return items_.size() - head_; }
  IoRequest* front() const { return items_[head_]; }

  // Throws std::bad_alloc (the caller turns it into -ENOMEM).
  void push(IoRequest* req) { items_.push_back(req); }

  void pop() {
    ++head_;
    if (head_ == items_.size()) {
      Reset();
    } else if (head_ >= 16 && head_ * 2 >= items_.size()) {
      items_.erase(items_.begin(), items_.begin() + static_cast<std::ptrdiff_t>(head_));
      head_ = 0;
    }
  }

  bool remove(IoRequest* req) {
    size_t lo = head_;
    size_t hi = items_.size();
    while (lo < hi) {
      if (items_[lo] == req) return EraseAt(lo);
      --hi;
      if (items_[hi] == req) return EraseAt(hi);
      ++lo;
    }
    return false;
  }

  // Hands every request to `fn`, oldest first, and empties the queue.
  template <typename Fn>
  void drain(Fn fn) {
    // Copy first: fn must not see a half-emptied queue.
    std::vector<IoRequest*> items;
    items.swap(items_);
    size_t head = head_;
    head_ = 0;
    for (size_t i = head; i < items.size(); i++) fn(items[i]);
  }

  void Reset() {
    head_ = 0;
    if (items_.capacity() > 8) {
      std::vector<IoRequest*>().swap(items_);
    } else {
      items_.clear();
    }
  }

 private:
  bool EraseAt(size_t i) {
    if (i == head_) {
      pop();
    } else {
      items_.erase(items_.begin() + static_cast<std::ptrdiff_t>(i));
      if (head_ == items_.size()) Reset();
    }
    return true;
  }

  std::vector<IoRequest*> items_;
  size_t head_ = 0;
};

class EpollEngine;

struct FdState {
  Fifo reads;   // kRecv, kAccept
  Fifo writes;  // kSend, kConnect
  uint32_t armed = 0;     // the events registered with epoll; 0 = not registered
  bool prepared = false;  // O_NONBLOCK checked
  uint64_t owner = 0;     // IoRequest::owner of the file this state is about
};

// A private duplicate of a file's descriptor, for its operations on the threadpool: the file may
// be closed while pread/pwrite runs, and its number reused, without a worker touching another
// file. One per file, shared by all its operations in flight and closed with the last of them:
// one per operation ran out of descriptors (EMFILE) with 20k reads in flight
// (test/io-faults.test.ts "20k file reads started in one turn").
struct FileDup {
  explicit FileDup(int d) : fd(d) {}
  ~FileDup() { ::close(fd); }
  FileDup(const FileDup&) = delete;
  FileDup& operator=(const FileDup&) = delete;
  const int fd;
};

// A file read or write on the threadpool. The worker touches only this struct and the request's
// buffer, never the IoRequest itself; the result is copied into it on the loop thread.
struct FileWork {
  enum State : int { kQueued, kRunning, kDone, kAbandoned };

  uv_work_t work{};
  EpollEngine* engine = nullptr;  // null once the engine is gone
  IoRequest* req = nullptr;
  IoKind kind = IoKind::kRead;
  uint64_t owner = 0;             // IoRequest::owner: whose FileDup this holds
  std::shared_ptr<FileDup> dup;   // made and released on the loop thread only
  int fd = -1;                    // dup->fd, what the worker uses
  uint8_t* data = nullptr;
  size_t length = 0;
  int64_t offset = 0;
  int32_t result = 0;
  std::atomic<int> state{kQueued};
};

class EpollEngine final : public IoEngine {
 public:
  EpollEngine(uv_loop_t* loop, int epfd) : loop_(loop), epfd_(epfd) {}
  ~EpollEngine() override;

  const char* Name() const override { return "epoll"; }
  void Submit(IoRequest* req) noexcept override;
  void Cancel(IoRequest* req) noexcept override;
  void ForgetFd(int fd) noexcept override;
  void Flush() noexcept override {}
  void Harvest(std::vector<IoRequest*>& out) noexcept override;
  bool HasReady() noexcept override { return !ready_.empty(); }
  int WatchFd() const override { return epfd_; }
  void ReleaseRecv(IoRequest* req) noexcept override;

 private:
  static void RunFileWork(uv_work_t* work);
  static void AfterFileWork(uv_work_t* work, int status);

  void SubmitSocket(IoRequest* req);
  void SubmitFile(IoRequest* req);
  // The FileDup of `req`'s file, made if none is alive; nullptr with *err set on failure.
  std::shared_ptr<FileDup> SharedDup(IoRequest* req, int* err);
  void Complete(IoRequest* req, int32_t result);
  FdState* Find(int fd) {
    return fd >= 0 && static_cast<size_t>(fd) < states_.size() ? &states_[static_cast<size_t>(fd)] : nullptr;
  }
  // Attempts the heads of one queue until it is empty or its head would block.
  void Drive(FdState& st, bool readSide, uint32_t events);
  // One attempt: true when `req` is finished (result set), false when it would block.
  bool Attempt(IoRequest* req, uint32_t events);
  bool AttemptRecv(IoRequest* req);
  bool AttemptSend(IoRequest* req);
  // kRecvFrom and kSendTo: one datagram, whole, or nothing.
  bool AttemptDatagram(IoRequest* req);
  bool AttemptAccept(IoRequest* req);
  bool AttemptConnect(IoRequest* req, uint32_t events);
  // Makes the epoll registration of `fd` match its queues. A read interest whose queue emptied is
  // kept until the descriptor reports readable with nothing queued: the next receive, usually
  // submitted in the turn the last one completed, then needs no epoll_ctl (two saved per
  // message), at the cost of at most one wake-up when none comes. `dropIdleRead` removes it.
  // Write interest is dropped at once: an idle socket is writable, and would wake the loop.
  void Sync(int fd, FdState& st, bool dropIdleRead);
  // Registers `want` (non-zero) for `fd` whatever epoll holds now; fails the queues if it cannot.
  void Register(int fd, FdState& st, uint32_t want);
  int Ctl(int op, int fd, uint32_t events);
  void FailAll(FdState& st, int32_t result);
  void OnEvent(int fd, uint32_t events);

  uv_loop_t* loop_;
  int epfd_;
  std::vector<FdState> states_;  // indexed by descriptor
  std::vector<IoRequest*> ready_;
  // Where receives land first (kMaxRecvBlock, malloc'd; made on first use).
  uint8_t* recvScratch_ = nullptr;
  std::unordered_map<IoRequest*, FileWork*> files_;  // file operations on the threadpool
  // The FileDup of each file with operations on the threadpool, by IoRequest::owner.
  std::unordered_map<uint64_t, std::weak_ptr<FileDup>> fileDups_;
  epoll_event events_[kMaxEvents];
};

EpollEngine::~EpollEngine() {
  // File operations still on the threadpool: cancel the queued ones; wait for the running ones to
  // leave the request's buffer alone (one pread/pwrite at most), since the owner frees the buffers
  // once the engine is gone. Their after-work callbacks still run later and only free the work.
  for (auto& entry : files_) {
    FileWork* w = entry.second;
    w->engine = nullptr;
    if (uv_cancel(reinterpret_cast<uv_req_t*>(&w->work)) == 0) continue;
    int expected = FileWork::kQueued;
    if (w->state.compare_exchange_strong(expected, FileWork::kAbandoned)) continue;
    while (w->state.load(std::memory_order_acquire) == FileWork::kRunning) {
      timespec pause{0, 100 * 1000};
      nanosleep(&pause, nullptr);
    }
  }
  files_.clear();
  // Receives completed but never harvested: their blocks would be lost with the engine.
  for (IoRequest* req : ready_) {
    if (req->kind == IoKind::kRecv) ReleaseRecv(req);
  }
  ready_.clear();
  std::free(recvScratch_);
  ::close(epfd_);
}

void EpollEngine::Complete(IoRequest* req, int32_t result) {
  req->result = result;
  req->queued = false;
  ready_.push_back(req);
}

void EpollEngine::Submit(IoRequest* req) noexcept {
  // Null, or still waiting in a queue (submitted twice): a caller bug; queuing it twice would
  // complete it twice.
  if (!req || req->queued) return;
  req->result = 0;
  req->progress = 0;
  req->queued = false;
  req->cancelRequested = false;
  if (req->heapReceived) ReleaseRecv(req);  // a previous receive never released: don't leak it
  req->received = nullptr;
  if (IsFileKind(req->kind)) {
    SubmitFile(req);
  } else if (req->kind == IoKind::kRecv || req->kind == IoKind::kSend || req->kind == IoKind::kAccept ||
             req->kind == IoKind::kConnect || req->kind == IoKind::kRecvFrom || req->kind == IoKind::kSendTo) {
    SubmitSocket(req);
  } else {
    Complete(req, -EINVAL);
  }
}

void EpollEngine::SubmitSocket(IoRequest* req) {
  int fd = req->fd;
  if (fd < 0) return Complete(req, -EBADF);
  // A send completes with its whole length, which must fit the result.
  if (req->kind == IoKind::kSend && req->length > static_cast<size_t>(INT32_MAX)) return Complete(req, -EINVAL);
  if (static_cast<size_t>(fd) >= states_.size()) {
    try {
      states_.resize(std::max(static_cast<size_t>(fd) + 1, states_.size() * 2));
    } catch (const std::bad_alloc&) {
      return Complete(req, -ENOMEM);
    }
  }
  FdState& st = states_[static_cast<size_t>(fd)];
  if (st.owner != req->owner && st.reads.empty() && st.writes.empty()) {
    // Another file under a reused number (its predecessor closed without ForgetFd, e.g. collected):
    // whatever was registered went with the old file, so start afresh.
    st.armed = 0;
    st.prepared = false;
    st.owner = req->owner;
  }
  if (!st.prepared) {
    // The loop thread must never block: make sure of O_NONBLOCK once per descriptor (sockets of
    // this package already have it; accept and connect have no per-call flag).
    int flags;
    do {
      flags = fcntl(fd, F_GETFL);
    } while (flags < 0 && errno == EINTR);
    if (flags < 0) return Complete(req, -errno);
    if (!(flags & O_NONBLOCK) && fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0) return Complete(req, -errno);
    st.prepared = true;
  }
  bool readSide = IsReadSide(req->kind);
  Fifo& q = readSide ? st.reads : st.writes;
  try {
    q.push(req);
  } catch (const std::bad_alloc&) {
    return Complete(req, -ENOMEM);
  }
  req->queued = true;
  if (q.size() > 1) return;  // waits behind the head, which is armed already
  if (readSide && (st.armed & EPOLLIN)) {
    // Read interest kept from the previous receive (see Sync), on this very file (owner checked
    // above): epoll reports the descriptor at the next Harvest if anything is there, so neither
    // a speculative call nor an epoll_ctl per message.
    return;
  }
  Drive(st, readSide, 0);
  Sync(fd, st, false);
}

void EpollEngine::Drive(FdState& st, bool readSide, uint32_t events) {
  Fifo& q = readSide ? st.reads : st.writes;
  while (!q.empty()) {
    IoRequest* req = q.front();
    if (!Attempt(req, events)) return;
    q.pop();
    req->queued = false;
    ready_.push_back(req);
  }
}

bool EpollEngine::Attempt(IoRequest* req, uint32_t events) {
  switch (req->kind) {
    case IoKind::kRecv:
      return AttemptRecv(req);
    case IoKind::kSend:
      return AttemptSend(req);
    case IoKind::kAccept:
      return AttemptAccept(req);
    case IoKind::kConnect:
      return AttemptConnect(req, events);
    case IoKind::kRecvFrom:
    case IoKind::kSendTo:
      return AttemptDatagram(req);
    default:
      req->result = -EINVAL;
      return true;
  }
}

bool EpollEngine::AttemptRecv(IoRequest* req) {
  int fd = req->fd;
  if (req->length == 0) {
    // The zero-byte receive of IOCP servers: completes (with 0) once data or the end is there,
    // consuming nothing.
    uint8_t probe;
    ssize_t n;
    do {
      n = ::recv(fd, &probe, 1, MSG_PEEK | MSG_DONTWAIT);
    } while (n < 0 && errno == EINTR);
    if (n >= 0) {
      req->result = 0;
      return true;
    }
    if (WouldBlock(errno)) return false;
    req->result = -errno;
    return true;
  }
  // The kernel writes into one scratch block and only what arrived is kept. A block of the largest
  // size per attempt cost a malloc, a realloc and a free of 16 KiB per 64-byte message (glibc's
  // per-thread cache holds nothing that large), and a malloc and a free per attempt that found
  // nothing. The block is taken before the call, so that no allocation can fail once bytes are
  // out of the socket.
  if (!recvScratch_) recvScratch_ = static_cast<uint8_t*>(std::malloc(kMaxRecvBlock));
  if (!recvScratch_) {
    req->result = -ENOMEM;
    return true;
  }
  size_t cap = std::min(req->length, kMaxRecvBlock);
  ssize_t n;
  do {
    n = ::recv(fd, recvScratch_, cap, MSG_DONTWAIT);
  } while (n < 0 && errno == EINTR);
  if (n > 0) {
    size_t got = static_cast<size_t>(n);
    // Copied out of the scratch block, which stays: a scratch block handed away would be unmapped
    // when freed (glibc maps blocks that large) and its replacement mapped anew, so that the
    // kernel's copy faulted on every page of each receive (test/receive-page-faults.test.ts).
    uint8_t* block = static_cast<uint8_t*>(std::malloc(got));
    if (block) {
      std::memcpy(block, recvScratch_, got);
    } else {
      // No memory for a copy: the scratch block becomes this receive's.
      block = recvScratch_;
      recvScratch_ = nullptr;
    }
    req->heapReceived = block;
    req->received = block;
    req->result = static_cast<int32_t>(got);
    return true;
  }
  int e = n == 0 ? 0 : errno;
  if (n == 0) {
    req->result = 0;  // orderly close
    return true;
  }
  if (WouldBlock(e)) return false;
  req->result = -e;
  return true;
}

bool EpollEngine::AttemptDatagram(IoRequest* req) {
  iovec iov{req->data, req->length};
  msghdr msg{};
  bool receive = req->kind == IoKind::kRecvFrom;
  socklen_t nameLen = receive ? sizeof(req->addr) : req->addrLen;
  msg.msg_name = nameLen ? &req->addr : nullptr;
  msg.msg_namelen = nameLen;
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  ssize_t n;
  do {
    // MSG_TRUNC: a receive returns the datagram's whole length, so a truncation shows.
    n = receive ? ::recvmsg(req->fd, &msg, MSG_TRUNC | MSG_DONTWAIT) : ::sendmsg(req->fd, &msg, MSG_NOSIGNAL | MSG_DONTWAIT);
  } while (n < 0 && errno == EINTR);
  if (n < 0) {
    if (WouldBlock(errno)) return false;
    req->result = -errno;
    return true;
  }
  if (receive) {
    req->addrLen = msg.msg_namelen;
    req->truncated = static_cast<size_t>(n) > req->length;
    if (req->truncated) n = static_cast<ssize_t>(req->length);
  }
  req->result = static_cast<int32_t>(n);
  return true;
}

bool EpollEngine::AttemptSend(IoRequest* req) {
  while (req->progress < req->length) {
    ssize_t n = ::send(req->fd, req->data + req->progress, req->length - req->progress, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n > 0) {
      req->progress += static_cast<size_t>(n);
      continue;
    }
    if (n == 0) return false;  // no room after all; wait for writable
    int e = errno;
    if (e == EINTR) continue;
    if (WouldBlock(e)) return false;
    req->result = -e;
    return true;
  }
  req->result = static_cast<int32_t>(req->length);
  return true;
}

bool EpollEngine::AttemptAccept(IoRequest* req) {
  for (;;) {
    int fd = ::accept4(req->fd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd >= 0) {
      req->result = fd;
      return true;
    }
    int e = errno;
    // A connection that died in the backlog is not this accept's failure: take the next one.
    if (e == EINTR || e == ECONNABORTED || e == EPROTO) continue;
    if (WouldBlock(e)) return false;
    req->result = -e;
    return true;
  }
}

bool EpollEngine::AttemptConnect(IoRequest* req, uint32_t events) {
  int fd = req->fd;
  // progress != 0: this request's connect is under way (set on EINPROGRESS).
  if (req->progress == 0) {
    int rc = ::connect(fd, reinterpret_cast<const sockaddr*>(&req->addr), req->addrLen);
    if (rc == 0) {
      req->result = 0;
      return true;
    }
    int e = errno;
    // EALREADY: a connect started before this request (by the owner, or one cancelled) is still
    // under way; wait for it. EINTR on a non-blocking connect also means "continues".
    if (e == EINPROGRESS || e == EALREADY || e == EINTR) {
      req->progress = 1;
      return false;
    }
    req->result = -e;
    return true;
  }
  int soError = 0;
  socklen_t len = sizeof soError;
  if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soError, &len) < 0) {
    req->result = -errno;
    return true;
  }
  if (soError != 0) {
    req->result = -soError;
    return true;
  }
  // No error pending: connected, or woken before the handshake ended. Ask the socket.
  sockaddr_storage peer;
  socklen_t peerLen = sizeof peer;
  if (getpeername(fd, reinterpret_cast<sockaddr*>(&peer), &peerLen) == 0) {
    req->result = 0;
    return true;
  }
  int e = errno;
  if (e != ENOTCONN) {
    req->result = -e;
    return true;
  }
  if (events & (EPOLLERR | EPOLLHUP)) {
    req->result = -ECONNABORTED;  // failed, and its error was already taken
    return true;
  }
  return false;
}

int EpollEngine::Ctl(int op, int fd, uint32_t events) {
  epoll_event ev{};
  ev.events = events;
  ev.data.fd = fd;
  int rc;
  do {
    rc = epoll_ctl(epfd_, op, fd, &ev);
  } while (rc < 0 && errno == EINTR);
  return rc == 0 ? 0 : errno;
}

void EpollEngine::Sync(int fd, FdState& st, bool dropIdleRead) {
  uint32_t want = 0;
  if (!st.reads.empty() || (!dropIdleRead && (st.armed & EPOLLIN))) want |= EPOLLIN;
  if (!st.writes.empty()) want |= EPOLLOUT;
  if (want == st.armed) return;
  if (want == 0) {
    // Unregister rather than register for nothing: EPOLLHUP/EPOLLERR are reported regardless of
    // the interest and would wake the loop forever.
    Ctl(EPOLL_CTL_DEL, fd, 0);
    st.armed = 0;
    return;
  }
  Register(fd, st, want);
}

void EpollEngine::Register(int fd, FdState& st, uint32_t want) {
  int err;
  if (st.armed != 0) {
    err = Ctl(EPOLL_CTL_MOD, fd, want);
    if (err == ENOENT) err = Ctl(EPOLL_CTL_ADD, fd, want);  // closed and reopened behind our back
  } else {
    err = Ctl(EPOLL_CTL_ADD, fd, want);
    if (err == EEXIST) err = Ctl(EPOLL_CTL_MOD, fd, want);
  }
  if (err == 0) {
    st.armed = want;
    return;
  }
  // The descriptor cannot be waited for (EPERM: not pollable; ENOSPC: max_user_watches; ENOMEM):
  // what waits on it would never complete, so fail it now.
  if (st.armed != 0) Ctl(EPOLL_CTL_DEL, fd, 0);
  st.armed = 0;
  FailAll(st, -err);
}

void EpollEngine::FailAll(FdState& st, int32_t result) {
  auto fail = [this, result](IoRequest* req) { Complete(req, result); };
  st.reads.drain(fail);
  st.writes.drain(fail);
}

void EpollEngine::OnEvent(int fd, uint32_t events) {
  FdState* st = Find(fd);
  if (!st || st->armed == 0) {
    Ctl(EPOLL_CTL_DEL, fd, 0);  // not ours (any more)
    return;
  }
  // Errors and hang-ups wake both queues, so that whatever waits learns of them.
  bool readable = events & (EPOLLIN | EPOLLERR | EPOLLHUP | EPOLLRDHUP);
  bool writable = events & (EPOLLOUT | EPOLLERR | EPOLLHUP);
  // A connect in progress takes the socket's error first (a receive queued behind it would
  // otherwise consume it); otherwise reads go first, so that a reset reaches a receive as
  // ECONNRESET rather than as an orderly close after a send took the error.
  bool connectFirst = writable && !st->writes.empty() && st->writes.front()->kind == IoKind::kConnect;
  if (connectFirst) Drive(*st, false, events);
  // Readable with no receive waiting: the read interest was only kept in case one came (see
  // Sync); now it would wake the loop for nothing until one does, so drop it.
  bool unwanted = readable && st->reads.empty();
  if (readable && !st->reads.empty()) Drive(*st, true, events);
  if (writable && !connectFirst && !st->writes.empty()) Drive(*st, false, events);
  Sync(fd, *st, unwanted);
}

void EpollEngine::Harvest(std::vector<IoRequest*>& out) noexcept {
  for (int round = 0; round < kMaxRounds; round++) {
    int n;
    do {
      n = epoll_wait(epfd_, events_, kMaxEvents, 0);
    } while (n < 0 && errno == EINTR);
    if (n <= 0) break;
    for (int i = 0; i < n; i++) OnEvent(events_[i].data.fd, events_[i].events);
    if (n < kMaxEvents) break;
  }
  if (ready_.empty()) return;
  if (out.empty()) {
    out.swap(ready_);
    return;
  }
  try {
    out.insert(out.end(), ready_.begin(), ready_.end());
  } catch (const std::bad_alloc&) {
    return;  // nothing moved; the next Harvest tries again
  }
  ready_.clear();
}

void EpollEngine::Cancel(IoRequest* req) noexcept {
  if (!req) return;
  if (IsFileKind(req->kind)) {
    auto it = files_.find(req);
    if (it == files_.end() || req->cancelRequested) return;
    req->cancelRequested = true;
    // Succeeds only while the work is still queued; its after-work callback then reports
    // UV_ECANCELED. Once running, the operation completes normally.
    uv_cancel(reinterpret_cast<uv_req_t*>(&it->second->work));
    return;
  }
  if (!req->queued) return;  // finished already (or never submitted)
  FdState* st = Find(req->fd);
  if (!st) return;
  bool readSide = IsReadSide(req->kind);
  Fifo& q = readSide ? st->reads : st->writes;
  bool wasHead = !q.empty() && q.front() == req;
  if (!q.remove(req)) return;
  req->cancelRequested = true;
  // Every socket call is made synchronously on this thread, so a queued request is never in the
  // middle of one: it can always be taken back. (A send cancelled after a partial send leaves
  // `progress` bytes on the wire, as CancelIoEx does.)
  Complete(req, -ECANCELED);
  if (wasHead && !q.empty()) Drive(*st, readSide, 0);
  Sync(req->fd, *st, false);
}

void EpollEngine::ForgetFd(int fd) noexcept {
  FdState* st = Find(fd);
  if (!st) return;
  if (st->armed != 0) Ctl(EPOLL_CTL_DEL, fd, 0);
  // The owner cancels first; anything still queued must not vanish silently.
  FailAll(*st, -ECANCELED);
  st->reads.Reset();
  st->writes.Reset();
  st->armed = 0;
  st->prepared = false;
}

void EpollEngine::ReleaseRecv(IoRequest* req) noexcept {
  if (!req) return;
  std::free(req->heapReceived);
  req->heapReceived = nullptr;
  req->received = nullptr;
}

void EpollEngine::SubmitFile(IoRequest* req) {
  if (req->fd < 0) return Complete(req, -EBADF);
  if (files_.count(req)) return;  // already on the threadpool: a second submit is a caller bug
  auto* w = new (std::nothrow) FileWork();
  if (!w) return Complete(req, -ENOMEM);
  w->engine = this;
  w->req = req;
  w->kind = req->kind;
  int err = 0;
  w->owner = req->owner;
  w->dup = SharedDup(req, &err);
  if (!w->dup) {
    delete w;
    return Complete(req, -err);
  }
  w->fd = w->dup->fd;
  w->data = req->data;
  w->length = std::min(req->length, kMaxFileTransfer);  // a longer request completes short
  w->offset = req->offset;
  w->work.data = w;
  try {
    files_.emplace(req, w);
  } catch (const std::bad_alloc&) {
    delete w;
    return Complete(req, -ENOMEM);
  }
  int rc = uv_queue_work(loop_, &w->work, &EpollEngine::RunFileWork, &EpollEngine::AfterFileWork);
  if (rc != 0) {
    files_.erase(req);
    delete w;
    Complete(req, rc < 0 ? rc : -rc);
  }
}

std::shared_ptr<FileDup> EpollEngine::SharedDup(IoRequest* req, int* err) {
  auto it = fileDups_.find(req->owner);
  if (it != fileDups_.end()) {
    if (std::shared_ptr<FileDup> alive = it->second.lock()) return alive;
  }
  int fd = fcntl(req->fd, F_DUPFD_CLOEXEC, 0);
  if (fd < 0) {
    *err = errno;
    return nullptr;
  }
  std::shared_ptr<FileDup> dup;
  try {
    dup = std::make_shared<FileDup>(fd);
  } catch (const std::bad_alloc&) {
    ::close(fd);
    *err = ENOMEM;
    return nullptr;
  }
  try {
    fileDups_[req->owner] = dup;
  } catch (const std::bad_alloc&) {
    // Not shared, then: this operation alone uses it.
  }
  return dup;
}

// On a threadpool thread.
void EpollEngine::RunFileWork(uv_work_t* work) {
  auto* w = static_cast<FileWork*>(work->data);
  int expected = FileWork::kQueued;
  if (!w->state.compare_exchange_strong(expected, FileWork::kRunning)) return;  // engine gone
  if (w->offset < 0) {
    w->result = -EINVAL;
  } else if (w->kind == IoKind::kRead) {
    ssize_t n;
    do {
      n = ::pread(w->fd, w->data, w->length, static_cast<off_t>(w->offset));
    } while (n < 0 && errno == EINTR);
    w->result = n < 0 ? -errno : static_cast<int32_t>(n);  // short at the end of the file
  } else {
    // A regular file takes all of a write unless the disk is full or a limit is hit; carry on
    // after a short write, and report what was written if the rest fails.
    size_t done = 0;
    int err = 0;
    while (done < w->length) {
      ssize_t n = ::pwrite(w->fd, w->data + done, w->length - done, static_cast<off_t>(w->offset) + static_cast<off_t>(done));
      if (n > 0) {
        done += static_cast<size_t>(n);
      } else if (n < 0 && errno == EINTR) {
        continue;
      } else {
        err = n < 0 ? errno : 0;
        break;
      }
    }
    w->result = done > 0 || err == 0 ? static_cast<int32_t>(done) : -err;
  }
  w->state.store(FileWork::kDone, std::memory_order_release);
}

// On the loop thread.
void EpollEngine::AfterFileWork(uv_work_t* work, int status) {
  auto* w = static_cast<FileWork*>(work->data);
  EpollEngine* engine = w->engine;
  if (engine) {
    IoRequest* req = w->req;
    engine->files_.erase(req);
    int32_t result = status == UV_ECANCELED ? -ECANCELED : status < 0 ? status : w->result;
    engine->Complete(req, result);
  }
  uint64_t owner = w->owner;
  delete w;
  if (engine) {
    // The file's last operation on the threadpool: its duplicate is closed, forget it.
    auto it = engine->fileDups_.find(owner);
    if (it != engine->fileDups_.end() && it->second.expired()) engine->fileDups_.erase(it);
  }
}

}  // namespace

std::unique_ptr<IoEngine> CreateEpollEngine(uv_loop_t* loop, int* err) {
  int ignored = 0;
  if (!err) err = &ignored;
  if (!loop) {
    *err = EINVAL;
    return nullptr;
  }
  int epfd = epoll_create1(EPOLL_CLOEXEC);
  if (epfd < 0) {
    *err = errno;
    return nullptr;
  }
  auto* engine = new (std::nothrow) EpollEngine(loop, epfd);
  if (!engine) {
    ::close(epfd);
    *err = ENOMEM;
    return nullptr;
  }
  *err = 0;
  return std::unique_ptr<IoEngine>(engine);
}

}  // namespace wsm
