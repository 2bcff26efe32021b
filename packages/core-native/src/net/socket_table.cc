#include "net/socket_table.h"

#include <vector>

namespace wsm {
namespace socket_table {

namespace {

// id = generation << kIndexBits | index. The generation changes each time a slot is reused, so the
// number of a collected socket does not find the socket that took its slot.
constexpr uint32_t kIndexBits = 24;
constexpr uint32_t kIndexMask = (1u << kIndexBits) - 1;

struct Slot {
  SocketHandle* socket = nullptr;
  uint32_t generation = 0;
};

struct Table {
  std::vector<Slot> slots;
  std::vector<uint32_t> free;
};

thread_local Table table;

}  // namespace

uint32_t Add(SocketHandle* s) {
  uint32_t index;
  if (!table.free.empty()) {
    index = table.free.back();
    table.free.pop_back();
  } else {
    index = static_cast<uint32_t>(table.slots.size());
    if (index > kIndexMask) return 0;  // 16M live sockets: 0 finds nothing, so the socket's overlapped calls fail cleanly
    table.slots.emplace_back();
  }
  Slot& slot = table.slots[index];
  // Generations 1..255: an id is never 0, and a reused slot answers to a new number.
  slot.generation = slot.generation % 255 + 1;
  slot.socket = s;
  return slot.generation << kIndexBits | index;
}

void Remove(uint32_t id) {
  uint32_t index = id & kIndexMask;
  if (index >= table.slots.size() || table.slots[index].generation != id >> kIndexBits) return;
  table.slots[index].socket = nullptr;
  table.free.push_back(index);
}

SocketHandle* Find(uint32_t id) {
  uint32_t index = id & kIndexMask;
  if (index >= table.slots.size()) return nullptr;
  const Slot& slot = table.slots[index];
  return slot.generation == id >> kIndexBits ? slot.socket : nullptr;
}

}  // namespace socket_table
}  // namespace wsm
