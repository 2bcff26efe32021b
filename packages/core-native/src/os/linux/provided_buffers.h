// One provided-buffer group of the io_uring engine: receive buffers the kernel picks from when a
// receive has data, so that a waiting receive holds none. The memory of all `capacity` buffers is
// reserved up front and touched only once used; the buffers are given to the kernel as needed,
// `first` at first, their number doubling whenever a receive finds none. The kernel hands them out
// in the order they were given back, so receives cycle through every buffer provided: with all of
// them provided, one bulk transfer would walk the whole reservation, faulting each page in and then
// missing the cache on every receive; provided as needed, a few busy connections reuse a few warm
// buffers (test/receive-page-faults.test.ts).
#pragma once
#ifdef WSM_HAVE_LIBURING

#include <liburing.h>
#include <sys/mman.h>

#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <deque>

#include "os/linux/engine.h"

namespace wsm {

class ProvidedBuffers {
 public:
  ProvidedBuffers(int group, unsigned bufferSize, unsigned capacity, unsigned first, unsigned firstId)
      : group_(group), size_(bufferSize), capacity_(capacity), first_(first), firstId_(firstId) {}
  ProvidedBuffers(const ProvidedBuffers&) = delete;
  ProvidedBuffers& operator=(const ProvidedBuffers&) = delete;

  // Reserves the memory and registers the group with `ring`: 0 or an errno.
  int Init(io_uring* ring) {
    void* mem = mmap(nullptr, Bytes(), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (mem == MAP_FAILED) return errno;
    memory_ = static_cast<uint8_t*>(mem);
    void* ringMem = nullptr;
    if (posix_memalign(&ringMem, 4096, capacity_ * sizeof(io_uring_buf)) != 0) return ENOMEM;
    ring_ = static_cast<io_uring_buf_ring*>(ringMem);
    io_uring_buf_ring_init(ring_);
    io_uring_buf_reg reg{};
    reg.ring_addr = reinterpret_cast<uint64_t>(ring_);
    reg.ring_entries = capacity_;
    reg.bgid = static_cast<uint16_t>(group_);
    int rc = io_uring_register_buf_ring(ring, &reg, 0);
    if (rc < 0) return -rc;
    mask_ = io_uring_buf_ring_mask(capacity_);
    Provide(first_);
    return 0;
  }

  // Gives the memory back; only once the kernel can no longer write into it (the ring is gone).
  void Free() {
    std::free(ring_);
    ring_ = nullptr;
    if (memory_) munmap(memory_, Bytes());
    memory_ = nullptr;
  }

  int group() const { return group_; }
  unsigned size() const { return size_; }
  bool Owns(unsigned id) const { return id >= firstId_ && id < firstId_ + capacity_; }
  uint8_t* Address(unsigned id) const { return memory_ + static_cast<size_t>(id - firstId_) * size_; }

  // A receive of this group found no buffer, in harvest number `harvest`: true if it should go
  // again now (more buffers were provided, in this harvest: the other receives that found none in
  // the same batch go again with those), false if it waits for one to come back (at the capacity).
  bool TryGrow(uint64_t harvest, IoRequest* req) {
    if (grownInHarvest_ == harvest || Provide(provided_)) {
      grownInHarvest_ = harvest;
      return true;
    }
    waiting_.push_back(req);
    return false;
  }

  // Buffer `id` was copied out: the kernel may use it again. Returns a receive that waited for one
  // (to submit again), or nullptr.
  IoRequest* GiveBack(unsigned id) {
    io_uring_buf_ring_add(ring_, Address(id), size_, static_cast<unsigned short>(id), mask_, 0);
    io_uring_buf_ring_advance(ring_, 1);
    if (waiting_.empty()) return nullptr;
    IoRequest* next = waiting_.front();
    waiting_.pop_front();
    return next;
  }

  // Takes `req` out of the receives waiting for a buffer; false if it was not one of them.
  bool Forget(IoRequest* req) {
    for (auto it = waiting_.begin(); it != waiting_.end(); ++it) {
      if (*it == req) {
        waiting_.erase(it);
        return true;
      }
    }
    return false;
  }

 private:
  size_t Bytes() const { return static_cast<size_t>(capacity_) * size_; }

  // Gives the kernel `count` more buffers (fewer at the capacity); false if it had them all.
  bool Provide(unsigned count) {
    unsigned add = count < capacity_ - provided_ ? count : capacity_ - provided_;
    for (unsigned i = 0; i < add; i++) {
      unsigned id = firstId_ + provided_ + i;
      io_uring_buf_ring_add(ring_, Address(id), size_, static_cast<unsigned short>(id), mask_, static_cast<int>(i));
    }
    io_uring_buf_ring_advance(ring_, static_cast<int>(add));
    provided_ += add;
    return add > 0;
  }

  const int group_;
  const unsigned size_;
  const unsigned capacity_;  // a power of two, as the kernel requires
  const unsigned first_;
  const unsigned firstId_;  // buffer ids are unique across the groups: firstId_ .. firstId_ + capacity_
  uint8_t* memory_ = nullptr;
  io_uring_buf_ring* ring_ = nullptr;
  int mask_ = 0;
  unsigned provided_ = 0;
  uint64_t grownInHarvest_ = 0;  // the harvest in which provided_ last grew
  std::deque<IoRequest*> waiting_;  // receives that found no buffer at the capacity
};

}  // namespace wsm

#endif  // WSM_HAVE_LIBURING
