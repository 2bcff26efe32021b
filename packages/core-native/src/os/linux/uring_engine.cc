// The io_uring engine: every operation is an SQE, submitted once per loop turn; completions are
// read straight from the CQ ring when its descriptor polls readable. Receives draw their memory
// from a provided-buffer ring only when data arrives, so idle sockets pin no buffer.
#include "os/linux/engine.h"

#ifdef WSM_HAVE_LIBURING

#include <liburing.h>
#include <poll.h>
#include <sys/mman.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <deque>

namespace wsm {

namespace {

constexpr unsigned kQueueDepth = 4096;
constexpr unsigned kCompletionDepth = 16384;
constexpr unsigned kRecvBufferCount = 1024;  // the ring's capacity: a power of two, as the kernel requires
constexpr unsigned kRecvBufferSize = 16 * 1024;
// Buffers provided at first; their number doubles whenever a receive finds none (up to the
// capacity). The kernel hands buffers out in the order they were given back, so receives cycle
// through every buffer provided: with all 1024 provided, one bulk transfer would walk 16 MiB,
// faulting each page in and then missing the cache on every receive; provided as needed, a few
// busy connections reuse a few warm buffers (test/receive-page-faults.test.ts).
constexpr unsigned kRecvBuffersFirst = 32;
constexpr int kRecvBufferGroup = 1;
// How often NextSqe hands a full submission queue to the kernel before giving up on the request.
constexpr int kSubmitAttempts = 4;


class UringEngine final : public IoEngine {
 public:
  ~UringEngine() override {
    // io_uring_queue_exit returns before the kernel has finished the ring's requests (a file read
    // under way in io-wq runs to its end), so they are cancelled and awaited first.
    bool quiet = Quiesce(kEngineTeardownWaitMs);
    if (ringReady_) io_uring_queue_exit(&ring_);
    if (!quiet) return;  // the provided buffers may still be written: leaked on purpose
    if (bufRing_) std::free(bufRing_);
    if (bufMemory_) munmap(bufMemory_, static_cast<size_t>(kRecvBufferCount) * kRecvBufferSize);
  }

  int Init() {
    // COOP_TASKRUN: completions are posted when the thread next enters the kernel (it does, every
    // loop turn) instead of interrupting it with an IPI; SINGLE_ISSUER: only this thread submits.
    // Older kernels refuse flags they do not know: fall back step by step.
    const unsigned kFlagSets[] = {
        IORING_SETUP_SUBMIT_ALL | IORING_SETUP_COOP_TASKRUN | IORING_SETUP_SINGLE_ISSUER,
        IORING_SETUP_SUBMIT_ALL,
        0,
    };
    int rc = -EINVAL;
    for (unsigned flags : kFlagSets) {
      io_uring_params params{};
      params.flags = flags | IORING_SETUP_CQSIZE | IORING_SETUP_CLAMP;
      params.cq_entries = kCompletionDepth;
      rc = io_uring_queue_init_params(kQueueDepth, &ring_, &params);
      if (rc != -EINVAL) break;
    }
    if (rc < 0) return -rc;
    ringReady_ = true;

    // Provided buffers: the kernel picks one when a receive has data. The memory is reserved, not
    // touched, so it costs RSS only once used.
    size_t bytes = static_cast<size_t>(kRecvBufferCount) * kRecvBufferSize;
    void* mem = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (mem == MAP_FAILED) return errno;
    bufMemory_ = static_cast<uint8_t*>(mem);
    void* ringMem = nullptr;
    if (posix_memalign(&ringMem, 4096, kRecvBufferCount * sizeof(io_uring_buf)) != 0) return ENOMEM;
    bufRing_ = static_cast<io_uring_buf_ring*>(ringMem);
    io_uring_buf_ring_init(bufRing_);
    io_uring_buf_reg reg{};
    reg.ring_addr = reinterpret_cast<uint64_t>(bufRing_);
    reg.ring_entries = kRecvBufferCount;
    reg.bgid = kRecvBufferGroup;
    rc = io_uring_register_buf_ring(&ring_, &reg, 0);
    if (rc < 0) return -rc;
    mask_ = io_uring_buf_ring_mask(kRecvBufferCount);
    Provide(kRecvBuffersFirst);
    return 0;
  }

  const char* Name() const override { return "io_uring"; }

  void Submit(IoRequest* req) override {
    io_uring_sqe* sqe = NextSqe();
    if (!sqe) {
      // The kernel takes no more submissions now (see NextSqe): the request fails rather than
      // waits, as WSARecv/WSASend fail with WSAENOBUFS when the system has no room for them.
      req->inKernel = false;
      req->result = -ENOBUFS;
      ready_.push_back(req);
      return;
    }
    switch (req->kind) {
      case IoKind::kRecv:
        if (req->length == 0) {
          // Zero-byte receive: readiness without a buffer.
          io_uring_prep_poll_add(sqe, req->fd, POLLIN | POLLRDHUP);
        } else {
          unsigned len = req->length < kRecvBufferSize ? static_cast<unsigned>(req->length) : kRecvBufferSize;
          io_uring_prep_recv(sqe, req->fd, nullptr, len, 0);
          if (req->expectEmpty) sqe->ioprio |= IORING_RECVSEND_POLL_FIRST;
          sqe->flags |= IOSQE_BUFFER_SELECT;
          sqe->buf_group = kRecvBufferGroup;
        }
        break;
      case IoKind::kSend:
        io_uring_prep_send(sqe, req->fd, req->data + req->progress, req->length - req->progress, MSG_NOSIGNAL);
        break;
      case IoKind::kAccept:
        io_uring_prep_accept(sqe, req->fd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
        break;
      case IoKind::kConnect:
        io_uring_prep_connect(sqe, req->fd, reinterpret_cast<sockaddr*>(&req->addr), req->addrLen);
        break;
      case IoKind::kRead:
        io_uring_prep_read(sqe, req->fd, req->data, static_cast<unsigned>(req->length), static_cast<__u64>(req->offset));
        break;
      case IoKind::kWrite:
        io_uring_prep_write(sqe, req->fd, req->data, static_cast<unsigned>(req->length), static_cast<__u64>(req->offset));
        break;
    }
    io_uring_sqe_set_data(sqe, req);
    req->inKernel = true;
    inKernel_++;
  }

  // One cancellation for every request in the ring (IORING_ASYNC_CANCEL_ANY, which every kernel
  // with provided-buffer rings has), then the completions, until none is owed or the time is up.
  // Guarded by test/teardown.test.ts and test/teardown-copy.test.ts, also under the sanitizer.
  bool Quiesce(int timeoutMs) override {
    if (!ringReady_ || inKernel_ == 0) return true;
    if (gaveUp_) return false;  // waited once already (IoLoop's cleanup, then the destructor)
    if (io_uring_sqe* sqe = NextSqe()) {
      io_uring_prep_cancel(sqe, nullptr, IORING_ASYNC_CANCEL_ANY);
      io_uring_sqe_set_data(sqe, nullptr);
    }
    io_uring_submit(&ring_);
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeoutMs);
    while (inKernel_ > 0) {
      auto left = std::chrono::duration_cast<std::chrono::nanoseconds>(deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) break;
      __kernel_timespec ts{};
      ts.tv_sec = static_cast<long long>(left.count() / 1000000000);
      ts.tv_nsec = static_cast<long long>(left.count() % 1000000000);
      io_uring_cqe* cqe = nullptr;
      int rc = io_uring_wait_cqe_timeout(&ring_, &cqe, &ts);
      if (rc < 0 && rc != -ETIME && rc != -EINTR) break;
      StashCompletions();
      posted_.clear();  // no one to hand them to
    }
    gaveUp_ = inKernel_ != 0;
    return !gaveUp_;
  }

  void Cancel(IoRequest* req) override {
    if (req->cancelRequested) return;
    if (!req->inKernel) {
      // Waiting here for a receive buffer, not in the kernel: complete it now.
      for (auto it = waitingForBuffer_.begin(); it != waitingForBuffer_.end(); ++it) {
        if (*it == req) {
          waitingForBuffer_.erase(it);
          req->result = -ECANCELED;
          ready_.push_back(req);
          req->cancelRequested = true;
          return;
        }
      }
      return;
    }
    req->cancelRequested = true;
    io_uring_sqe* sqe = NextSqe();
    if (!sqe) {
      owedCancels_.push_back(req);  // issued by the next Flush: a cancellation is never lost
      return;
    }
    PrepareCancel(sqe, req);
  }

  void ForgetFd(int /*fd*/) override {}

  void Flush() override {
    while (!owedCancels_.empty()) {
      io_uring_sqe* sqe = NextSqe();
      if (!sqe) break;
      PrepareCancel(sqe, owedCancels_.front());
      owedCancels_.pop_front();
    }
    if (io_uring_sq_ready(&ring_) > 0) io_uring_submit(&ring_);
  }

  void Harvest(std::vector<IoRequest*>& out) override {
    harvests_++;
    out.insert(out.end(), ready_.begin(), ready_.end());
    ready_.clear();
    StashCompletions();
    // By index: Complete may submit (the rest of a partial send), and a submission may stash more
    // completions behind these (NextSqe).
    for (size_t i = 0; i < posted_.size(); i++) {
      Posted p = posted_[i];
      p.req->inKernel = false;
      if (!owedCancels_.empty()) ForgetOwedCancel(p.req);
      Complete(p.req, p.res, p.flags, out);
    }
    posted_.clear();
  }

  bool HasReady() override {
    return !ready_.empty() || !posted_.empty() || io_uring_cq_ready(&ring_) > 0 || io_uring_cq_has_overflow(&ring_);
  }

  int WatchFd() const override { return ring_.ring_fd; }

  void ReleaseRecv(IoRequest* req) override {
    if (req->ringBuffer >= 0) {
      int id = req->ringBuffer;
      io_uring_buf_ring_add(bufRing_, bufMemory_ + static_cast<size_t>(id) * kRecvBufferSize, kRecvBufferSize,
                            static_cast<unsigned short>(id), mask_, 0);
      io_uring_buf_ring_advance(bufRing_, 1);
      req->ringBuffer = -1;
      // A receive that found the ring empty can go again now.
      if (!waitingForBuffer_.empty()) {
        IoRequest* next = waitingForBuffer_.front();
        waitingForBuffer_.pop_front();
        Submit(next);
      }
    }
    req->received = nullptr;
  }

 private:
  // Gives the kernel `count` more buffers of the reserved memory (fewer at the ring's capacity);
  // false if it had them all already.
  bool Provide(unsigned count) {
    unsigned add = count < kRecvBufferCount - provided_ ? count : kRecvBufferCount - provided_;
    for (unsigned i = 0; i < add; i++) {
      unsigned id = provided_ + i;
      io_uring_buf_ring_add(bufRing_, bufMemory_ + static_cast<size_t>(id) * kRecvBufferSize, kRecvBufferSize,
                            static_cast<unsigned short>(id), mask_, static_cast<int>(i));
    }
    io_uring_buf_ring_advance(bufRing_, static_cast<int>(add));
    provided_ += add;
    return add > 0;
  }

  // A free submission entry, or nullptr when the kernel takes no more now; never spins. When the
  // submission queue is full it is handed to the kernel, which may refuse: EBUSY while completions
  // overflow the CQ ring (kernels before the overflow list could grow), EAGAIN without memory for
  // requests. The posted completions are then moved out of the ring (Harvest hands them out) to
  // make room, and the submission tried again, a bounded number of times. Guarded by
  // test/io-faults.test.ts "20k file reads started in one turn".
  io_uring_sqe* NextSqe() {
    for (int attempt = 0; attempt < kSubmitAttempts; attempt++) {
      if (io_uring_sqe* sqe = io_uring_get_sqe(&ring_)) return sqe;
      int rc = io_uring_submit(&ring_);
      if (rc < 0 && rc != -EINTR) StashCompletions();
    }
    return io_uring_get_sqe(&ring_);
  }

  void PrepareCancel(io_uring_sqe* sqe, IoRequest* req) {
    io_uring_prep_cancel(sqe, req, 0);
    io_uring_sqe_set_data(sqe, nullptr);  // its own completion is of no interest
  }

  // A request completed before its owed cancellation was issued: the cancellation must not go
  // out later and hit whatever reuses the request.
  void ForgetOwedCancel(IoRequest* req) {
    for (auto it = owedCancels_.begin(); it != owedCancels_.end(); ++it) {
      if (*it == req) {
        owedCancels_.erase(it);
        return;
      }
    }
  }

  // Moves the completions the kernel has posted out of the CQ ring into posted_, with those
  // waiting in its overflow list. Completions past the ring's size wait there and reach the ring
  // only when this thread enters the kernel for events; left there, a burst larger than the ring
  // (closing a handle with 10k operations: each cancelled request plus its cancel's own CQE) stayed
  // until some unrelated submission came: test/io-faults.test.ts "10k acceptEx on one listener".
  // (HasReady reports the overflow too, so the loop comes back for what these rounds leave.)
  void StashCompletions() {
    for (int round = 0; round < 4; round++) {
      io_uring_cqe* cqe;
      unsigned head;
      unsigned seen = 0;
      io_uring_for_each_cqe(&ring_, head, cqe) {
        seen++;
        auto* req = static_cast<IoRequest*>(io_uring_cqe_get_data(cqe));
        if (req) {  // null: a cancellation's own CQE
          posted_.push_back({req, cqe->res, cqe->flags});
          inKernel_--;
        }
      }
      if (seen) io_uring_cq_advance(&ring_, seen);
      if (!io_uring_cq_has_overflow(&ring_)) break;
      io_uring_get_events(&ring_);
    }
  }

  void Complete(IoRequest* req, int32_t res, uint32_t flags, std::vector<IoRequest*>& out) {
    switch (req->kind) {
      case IoKind::kRecv:
        if (req->length == 0) {
          // Poll result: readable. Winsock fails a zero-byte receive on a reset connection, so an
          // error in the mask goes to the owner (the poll left it in the socket).
          req->errorPending = res > 0 && (res & POLLERR);
          res = res >= 0 ? 0 : res;
          break;
        }
        if (res == -ENOBUFS && !req->cancelRequested) {
          // Every provided buffer is taken: provide more (once per harvest: the other receives
          // that found none in the same batch retry with those), or, at the ring's capacity,
          // retry when one comes back.
          if (grownInHarvest_ == harvests_ || Provide(provided_)) {
            grownInHarvest_ = harvests_;
            Submit(req);
          } else {
            waitingForBuffer_.push_back(req);
          }
          return;
        }
        req->moreData = (flags & IORING_CQE_F_SOCK_NONEMPTY) != 0;
        if (flags & IORING_CQE_F_BUFFER) {
          req->ringBuffer = static_cast<int32_t>(flags >> IORING_CQE_BUFFER_SHIFT);
          req->received = bufMemory_ + static_cast<size_t>(req->ringBuffer) * kRecvBufferSize;
        }
        break;
      case IoKind::kSend:
        if (res > 0 && req->progress + static_cast<size_t>(res) < req->length && !req->cancelRequested) {
          // Winsock completes a stream send only when all of it is sent: continue with the rest.
          req->progress += static_cast<size_t>(res);
          Submit(req);
          return;
        }
        if (res >= 0) res = static_cast<int32_t>(req->progress + static_cast<size_t>(res));
        // Cancelled (closesocket, CancelIoEx) before all of it went out: the send failed with
        // WSA_OPERATION_ABORTED, as the epoll engine reports it. Reporting the part sent as a
        // success would pass a short send off as a complete one.
        if (res >= 0 && req->cancelRequested && static_cast<size_t>(res) < req->length) res = -ECANCELED;
        break;
      default:
        break;
    }
    req->result = res;
    out.push_back(req);
  }

  io_uring ring_{};
  bool ringReady_ = false;
  io_uring_buf_ring* bufRing_ = nullptr;
  uint8_t* bufMemory_ = nullptr;
  int mask_ = 0;
  unsigned provided_ = 0;  // buffers given to the kernel so far (kRecvBuffersFirst, doubling)
  uint64_t harvests_ = 0;
  uint64_t grownInHarvest_ = 0;  // the Harvest in which provided_ last grew
  std::vector<IoRequest*> ready_;
  std::deque<IoRequest*> waitingForBuffer_;
  // Completions taken out of the CQ ring, not yet handed out (StashCompletions).
  struct Posted {
    IoRequest* req;
    int32_t res;
    uint32_t flags;
  };
  std::vector<Posted> posted_;
  // Cancellations the full submission queue could not take (Cancel), issued by Flush.
  std::deque<IoRequest*> owedCancels_;
  // Requests given to the ring whose completion has not been taken out of it yet (Quiesce).
  size_t inKernel_ = 0;
  bool gaveUp_ = false;  // Quiesce's wait ended with requests still in the kernel
};

}  // namespace

std::unique_ptr<IoEngine> CreateUringEngine(uv_loop_t* /*loop*/, int* err) {
  auto engine = std::make_unique<UringEngine>();
  int rc = engine->Init();
  if (rc != 0) {
    *err = rc;
    return nullptr;
  }
  return engine;
}

bool HaveUringEngine() { return true; }

}  // namespace wsm

#else  // built without liburing: the epoll engine serves alone

namespace wsm {

std::unique_ptr<IoEngine> CreateUringEngine(uv_loop_t* /*loop*/, int* err) {
  *err = ENOSYS;
  return nullptr;
}

bool HaveUringEngine() { return false; }

}  // namespace wsm

#endif
