// The io_uring engine: every operation is an SQE, submitted once per loop turn; completions are
// read straight from the CQ ring when its descriptor polls readable. Receives draw their memory
// from a provided-buffer ring only when data arrives, so idle sockets pin no buffer.
#include "os/linux/engine.h"

#ifdef WSM_HAVE_LIBURING

#include <liburing.h>
#include <poll.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <deque>

#include "os/linux/provided_buffers.h"

namespace wsm {

namespace {

constexpr unsigned kQueueDepth = 4096;
constexpr unsigned kCompletionDepth = 16384;
// Receive buffers: 16 KiB ones (up to 1,024, 16 MiB reserved), and 64 KiB ones (up to 256, 16 MiB
// reserved) for receives that ask for more than 16 KiB, so that a bulk transfer takes 64 KiB per
// completion, as Node's read does, instead of four completions of 16 KiB (provided_buffers.h).
constexpr unsigned kRecvBufferSize = 16 * 1024;
constexpr unsigned kRecvBufferCount = 1024;
constexpr unsigned kRecvBuffersFirst = 32;
constexpr unsigned kLargeRecvBufferSize = 64 * 1024;
constexpr unsigned kLargeRecvBufferCount = 256;
constexpr unsigned kLargeRecvBuffersFirst = 8;
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
    smallBuffers_.Free();
    largeBuffers_.Free();
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

    // Provided buffers: the kernel picks one when a receive has data.
    rc = smallBuffers_.Init(&ring_);
    if (rc == 0) rc = largeBuffers_.Init(&ring_);
    return rc;
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
          ProvidedBuffers& buffers = BuffersFor(*req);
          unsigned len = req->length < buffers.size() ? static_cast<unsigned>(req->length) : buffers.size();
          io_uring_prep_recv(sqe, req->fd, nullptr, len, 0);
          if (req->expectEmpty) sqe->ioprio |= IORING_RECVSEND_POLL_FIRST;
          sqe->flags |= IOSQE_BUFFER_SELECT;
          sqe->buf_group = static_cast<uint16_t>(buffers.group());
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
      case IoKind::kRecvFrom:
        // MSG_TRUNC: the result is the datagram's whole length, so a truncation shows (Complete).
        PrepareDatagramMsg(req, sizeof(req->addr));
        io_uring_prep_recvmsg(sqe, req->fd, &req->msg, MSG_TRUNC);
        break;
      case IoKind::kSendTo:
        PrepareDatagramMsg(req, req->addrLen);
        io_uring_prep_sendmsg(sqe, req->fd, &req->msg, MSG_NOSIGNAL);
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
      if (req->kind == IoKind::kRecv && BuffersFor(*req).Forget(req)) {
        req->result = -ECANCELED;
        ready_.push_back(req);
        req->cancelRequested = true;
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
      auto id = static_cast<unsigned>(req->ringBuffer);
      req->ringBuffer = -1;
      // A receive that found its group empty can go again now.
      if (IoRequest* next = (smallBuffers_.Owns(id) ? smallBuffers_ : largeBuffers_).GiveBack(id)) Submit(next);
    }
    req->received = nullptr;
  }

 private:
  // Where a receive of `req->length` bytes takes its buffer: a large one when it asks for more
  // than a small one holds.
  ProvidedBuffers& BuffersFor(const IoRequest& req) {
    return req.length > kRecvBufferSize ? largeBuffers_ : smallBuffers_;
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

  // The msghdr of a datagram request: its bytes, and the address (`nameLen` 0: none, the
  // connected peer). The kernel reads it, and writes the sender's address, until completion.
  static void PrepareDatagramMsg(IoRequest* req, socklen_t nameLen) {
    req->iov = iovec{req->data, req->length};
    req->msg = msghdr{};
    req->msg.msg_name = nameLen ? &req->addr : nullptr;
    req->msg.msg_namelen = nameLen;
    req->msg.msg_iov = &req->iov;
    req->msg.msg_iovlen = 1;
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
          // Every buffer of its group is taken: the group provides more and the receive goes
          // again, or, at the group's capacity, it waits for one to come back (ReleaseRecv).
          if (BuffersFor(*req).TryGrow(harvests_, req)) Submit(req);
          return;
        }
        req->moreData = (flags & IORING_CQE_F_SOCK_NONEMPTY) != 0;
        if (flags & IORING_CQE_F_BUFFER) {
          auto id = static_cast<unsigned>(flags >> IORING_CQE_BUFFER_SHIFT);
          req->ringBuffer = static_cast<int32_t>(id);
          req->received = (smallBuffers_.Owns(id) ? smallBuffers_ : largeBuffers_).Address(id);
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
      case IoKind::kRecvFrom:
        if (res >= 0) {
          req->addrLen = req->msg.msg_namelen;
          req->truncated = static_cast<size_t>(res) > req->length;
          if (req->truncated) res = static_cast<int32_t>(req->length);
        }
        break;
      default:
        break;
    }
    req->result = res;
    out.push_back(req);
  }

  io_uring ring_{};
  bool ringReady_ = false;
  ProvidedBuffers smallBuffers_{1, kRecvBufferSize, kRecvBufferCount, kRecvBuffersFirst, 0};
  ProvidedBuffers largeBuffers_{2, kLargeRecvBufferSize, kLargeRecvBufferCount, kLargeRecvBuffersFirst, kRecvBufferCount};
  uint64_t harvests_ = 0;  // Harvest calls so far (ProvidedBuffers::TryGrow)
  std::vector<IoRequest*> ready_;
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
