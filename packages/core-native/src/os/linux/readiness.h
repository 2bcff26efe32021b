// Readiness of descriptors, the Linux way: poll(2) for "now", and an epoll set watched by libuv for
// "tell me when". Models ask in these terms and never include a kernel header themselves.
#pragma once
#include <uv.h>

#include <cstdint>
#include <functional>
#include <vector>

namespace wsm {

enum Readiness : uint32_t {
  kReadable = 1u << 0,
  kWritable = 1u << 1,
  kPriority = 1u << 2,  // out-of-band data
  kError = 1u << 3,
  kHangup = 1u << 4,
  kReadHangup = 1u << 5,  // the peer shut down its sending side
};

struct PollEntry {
  int fd;
  uint32_t interest;  // Readiness bits to ask for; kError/kHangup are always reported
  uint32_t ready;     // out
};

// One poll(2) with a zero timeout over all entries; fills `ready`. Returns errno on failure, else 0.
int PollNow(std::vector<PollEntry>& entries);

// A set of descriptors whose readiness wakes a callback on the Node event loop. One epoll
// instance per set, so several sets may watch the same descriptor (libuv allows one watcher per
// descriptor, and Winsock allows a socket in any number of concurrent selects).
class ReadinessSet {
 public:
  struct Event {
    uint64_t tag;
    uint32_t ready;
  };
  using Callback = std::function<void()>;

  // Returns nullptr and sets *err on failure. `edgeTriggered`: a descriptor is reported when its
  // readiness is added and then each time something new happens to it (new data, a connection, a
  // state change), not for as long as it stays ready (EPOLLET).
  static ReadinessSet* Create(uv_loop_t* loop, Callback onReady, int* err, bool edgeTriggered = false);

  // Level-triggered unless the set is edge-triggered. `tag` comes back in Event. Returns errno or 0.
  int Add(int fd, uint32_t interest, uint64_t tag);
  // Changes the interest of a descriptor already added. Returns errno or 0.
  int Modify(int fd, uint32_t interest, uint64_t tag);
  void Remove(int fd);
  // Whether the watch keeps Node's event loop (and so the process) alive; it does at creation.
  void KeepLoopAlive(bool on);
  // The events pending now (no waiting).
  std::vector<Event> Collect();
  // Stops watching and frees the set once libuv has let go of it. The set must not be used after.
  void Close();

 private:
  ReadinessSet() = default;
  ~ReadinessSet() = default;
  static void OnPoll(uv_poll_t* handle, int status, int events);

  uv_poll_t poll_{};
  int epfd_ = -1;
  bool edge_ = false;
  Callback onReady_;
  bool closing_ = false;
};

}  // namespace wsm
