#include "net/bound_addresses.h"

#include <netinet/in.h>

#include <cerrno>
#include <cstring>
#include <mutex>
#include <vector>

namespace wsm::bound_addresses {

namespace {

// An address as bind compares it: family, the IP's bytes, the port.
struct Key {
  int family = 0;
  unsigned char ip[16] = {};
  uint16_t port = 0;

  bool operator==(const Key& o) const {
    return family == o.family && port == o.port && std::memcmp(ip, o.ip, sizeof(ip)) == 0;
  }
};

struct Record {
  const void* owner;
  Key key;
  Sharing sharing;
};

Key KeyOf(const sockaddr_storage& addr) {
  Key k;
  k.family = addr.ss_family;
  if (addr.ss_family == AF_INET) {
    const auto& in = reinterpret_cast<const sockaddr_in&>(addr);
    std::memcpy(k.ip, &in.sin_addr, sizeof(in.sin_addr));
    k.port = ntohs(in.sin_port);
  } else {
    const auto& in6 = reinterpret_cast<const sockaddr_in6&>(addr);
    std::memcpy(k.ip, &in6.sin6_addr, sizeof(in6.sin6_addr));
    k.port = ntohs(in6.sin6_port);
  }
  return k;
}

// Every thread's sockets: Workers share the process's ports. Few entries (explicitly bound
// sockets: listeners, mostly), so a vector.
std::mutex mutex;
std::vector<Record> records;

// Windows' answer to binding `key` with `sharing` while `held` holds it: 0 when both set
// SO_REUSEADDR (or both SO_REUSEPORT); WSAEACCES when only the newcomer did; else WSAEADDRINUSE.
int Collision(const Record& held, Sharing sharing) {
  if (sharing.reusePort && held.sharing.reusePort) return 0;
  if (sharing.reuseAddr && held.sharing.reuseAddr) return 0;
  return sharing.reuseAddr ? EACCES : EADDRINUSE;
}

}  // namespace

int Bind(const void* owner, int fd, const sockaddr_storage& addr, socklen_t len, Sharing sharing) {
  std::lock_guard<std::mutex> lock(mutex);
  Key wanted = KeyOf(addr);
  if (wanted.port != 0) {
    for (const Record& r : records) {
      if (r.owner == owner || !(r.key == wanted)) continue;
      if (int err = Collision(r, sharing)) return err;
    }
  }
  if (::bind(fd, reinterpret_cast<const sockaddr*>(&addr), len) != 0) return errno;
  // Port 0: the kernel picked a port no socket holds, even with SO_REUSEADDR set
  // (inet_csk_find_open_port looks for an unshared one first). Recorded as given.
  sockaddr_storage given{};
  socklen_t givenLen = sizeof(given);
  Key key = getsockname(fd, reinterpret_cast<sockaddr*>(&given), &givenLen) == 0 ? KeyOf(given) : wanted;
  records.push_back(Record{owner, key, sharing});
  return 0;
}

void Release(const void* owner) {
  std::lock_guard<std::mutex> lock(mutex);
  for (size_t i = 0; i < records.size(); i++) {
    if (records[i].owner != owner) continue;
    records[i] = records.back();
    records.pop_back();
    return;
  }
}

}  // namespace wsm::bound_addresses
