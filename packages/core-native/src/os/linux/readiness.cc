#include <poll.h>
#include <sys/epoll.h>
#include <unistd.h>

#include <cerrno>

#include "os/linux/readiness.h"

namespace wsm {

namespace {

short ToPollEvents(uint32_t interest) {
  short e = 0;
  if (interest & kReadable) e |= POLLIN;
  if (interest & kWritable) e |= POLLOUT;
  if (interest & kPriority) e |= POLLPRI;
  if (interest & kReadHangup) e |= POLLRDHUP;
  return e;
}

uint32_t FromPollEvents(short e) {
  uint32_t r = 0;
  if (e & POLLIN) r |= kReadable;
  if (e & POLLOUT) r |= kWritable;
  if (e & POLLPRI) r |= kPriority;
  if (e & POLLERR) r |= kError;
  if (e & POLLHUP) r |= kHangup;
  if (e & POLLRDHUP) r |= kReadHangup;
  return r;
}

uint32_t ToEpollEvents(uint32_t interest) {
  uint32_t e = 0;
  if (interest & kReadable) e |= EPOLLIN;
  if (interest & kWritable) e |= EPOLLOUT;
  if (interest & kPriority) e |= EPOLLPRI;
  if (interest & kReadHangup) e |= EPOLLRDHUP;
  return e;
}

uint32_t FromEpollEvents(uint32_t e) {
  uint32_t r = 0;
  if (e & EPOLLIN) r |= kReadable;
  if (e & EPOLLOUT) r |= kWritable;
  if (e & EPOLLPRI) r |= kPriority;
  if (e & EPOLLERR) r |= kError;
  if (e & EPOLLHUP) r |= kHangup;
  if (e & EPOLLRDHUP) r |= kReadHangup;
  return r;
}

}  // namespace

int PollNow(std::vector<PollEntry>& entries) {
  std::vector<pollfd> fds(entries.size());
  for (size_t i = 0; i < entries.size(); i++) {
    fds[i] = pollfd{entries[i].fd, ToPollEvents(entries[i].interest), 0};
  }
  int rc;
  do {
    rc = poll(fds.data(), fds.size(), 0);
  } while (rc < 0 && errno == EINTR);
  if (rc < 0) return errno;
  for (size_t i = 0; i < entries.size(); i++) entries[i].ready = FromPollEvents(fds[i].revents);
  return 0;
}

ReadinessSet* ReadinessSet::Create(uv_loop_t* loop, Callback onReady, int* err, bool edgeTriggered) {
  int epfd = epoll_create1(EPOLL_CLOEXEC);
  if (epfd < 0) {
    *err = errno;
    return nullptr;
  }
  auto* set = new ReadinessSet();
  set->epfd_ = epfd;
  set->edge_ = edgeTriggered;
  set->onReady_ = std::move(onReady);
  int rc = uv_poll_init(loop, &set->poll_, epfd);
  if (rc != 0) {
    ::close(epfd);
    delete set;
    *err = -rc;
    return nullptr;
  }
  set->poll_.data = set;
  rc = uv_poll_start(&set->poll_, UV_READABLE, &ReadinessSet::OnPoll);
  if (rc != 0) {
    *err = -rc;
    set->Close();
    return nullptr;
  }
  return set;
}

int ReadinessSet::Add(int fd, uint32_t interest, uint64_t tag) {
  epoll_event ev{};
  ev.events = ToEpollEvents(interest) | (edge_ ? EPOLLET : 0u);
  ev.data.u64 = tag;
  return epoll_ctl(epfd_, EPOLL_CTL_ADD, fd, &ev) == 0 ? 0 : errno;
}

int ReadinessSet::Modify(int fd, uint32_t interest, uint64_t tag) {
  epoll_event ev{};
  ev.events = ToEpollEvents(interest) | (edge_ ? EPOLLET : 0u);
  ev.data.u64 = tag;
  return epoll_ctl(epfd_, EPOLL_CTL_MOD, fd, &ev) == 0 ? 0 : errno;
}

void ReadinessSet::KeepLoopAlive(bool on) {
  if (on) uv_ref(reinterpret_cast<uv_handle_t*>(&poll_));
  else uv_unref(reinterpret_cast<uv_handle_t*>(&poll_));
}

void ReadinessSet::Remove(int fd) { epoll_ctl(epfd_, EPOLL_CTL_DEL, fd, nullptr); }

std::vector<ReadinessSet::Event> ReadinessSet::Collect() {
  // One epoll_wait, not "again while the buffer came back full": the set is level-triggered, so a
  // descriptor just reported is queued again at once (until its owner acts on it, after Collect),
  // and with more descriptors always ready than the buffer holds the loop never ended: the
  // JavaScript thread hung for good with 80 sockets selected for FD_WRITE. What is not taken now
  // keeps the epoll fd readable, so libuv calls back at the next turn of the loop; epoll hands the
  // ready descriptors out round-robin, so none is starved.
  constexpr int kMaxEvents = 256;
  std::vector<Event> out;
  epoll_event evs[kMaxEvents];
  int n;
  do {
    n = epoll_wait(epfd_, evs, kMaxEvents, 0);
  } while (n < 0 && errno == EINTR);
  for (int i = 0; i < n; i++) out.push_back(Event{evs[i].data.u64, FromEpollEvents(evs[i].events)});
  return out;
}

void ReadinessSet::Close() {
  if (closing_) return;
  closing_ = true;
  onReady_ = nullptr;
  poll_.data = this;
  uv_close(reinterpret_cast<uv_handle_t*>(&poll_), [](uv_handle_t* h) {
    auto* set = static_cast<ReadinessSet*>(h->data);
    ::close(set->epfd_);
    delete set;
  });
}

void ReadinessSet::OnPoll(uv_poll_t* handle, int /*status*/, int /*events*/) {
  auto* set = static_cast<ReadinessSet*>(handle->data);
  if (set->closing_ || !set->onReady_) return;
  // Copy: the callback may Close() the set, which clears onReady_.
  Callback cb = set->onReady_;
  cb();
}

}  // namespace wsm
