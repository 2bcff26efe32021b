// Sockets by number, for the hot path of overlapped I/O. WSARecv and WSASend name their socket by
// the number the SocketHandle carries (its `id`) instead of by the object: finding the native
// handle behind an object costs two private-property lookups in V8 (about 5% of an echo server's
// CPU), a lookup here costs an index and a compare. A number that names no live socket (never
// issued, or its socket collected) finds nothing, so a wrong or forged number is a TypeError,
// never a stray pointer.
//
// One table per thread: each Node environment (the main one, each worker) runs on its own thread,
// and its handles are made and finalized there.
#pragma once
#include <cstdint>

namespace wsm {

class SocketHandle;

namespace socket_table {

// A number for `s`, valid until Remove.
uint32_t Add(SocketHandle* s);
void Remove(uint32_t id);
// The socket numbered `id`, or nullptr.
SocketHandle* Find(uint32_t id);

}  // namespace socket_table
}  // namespace wsm
