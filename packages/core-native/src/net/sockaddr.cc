#include "net/sockaddr.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <cstring>

namespace wsm {

bool MakeSockaddr(int family, const std::string& host, int port, sockaddr_storage* out, socklen_t* outLen) {
  std::memset(out, 0, sizeof(*out));
  // inet_pton reads up to the first NUL: "127.0.0.1\0junk" would pass as 127.0.0.1.
  if (host.find('\0') != std::string::npos) return false;
  if (family == AF_INET) {
    auto* sin = reinterpret_cast<sockaddr_in*>(out);
    sin->sin_family = AF_INET;
    sin->sin_port = htons(static_cast<uint16_t>(port));
    *outLen = sizeof(sockaddr_in);
    if (host.empty()) {
      sin->sin_addr.s_addr = htonl(INADDR_ANY);
      return true;
    }
    if (host == "localhost") {
      sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
      return true;
    }
    return inet_pton(AF_INET, host.c_str(), &sin->sin_addr) == 1;
  }
  auto* sin6 = reinterpret_cast<sockaddr_in6*>(out);
  sin6->sin6_family = AF_INET6;
  sin6->sin6_port = htons(static_cast<uint16_t>(port));
  *outLen = sizeof(sockaddr_in6);
  if (host.empty()) {
    sin6->sin6_addr = in6addr_any;
    return true;
  }
  if (host == "localhost") {
    sin6->sin6_addr = in6addr_loopback;
    return true;
  }
  return inet_pton(AF_INET6, host.c_str(), &sin6->sin6_addr) == 1;
}

Napi::Object SockaddrToObject(Napi::Env env, const sockaddr_storage& addr) {
  Napi::Object o = Napi::Object::New(env);
  SetSockaddrProperties(o, addr);
  return o;
}

void SetSockaddrProperties(Napi::Object o, const sockaddr_storage& addr) {
  char text[INET6_ADDRSTRLEN] = {0};
  if (addr.ss_family == AF_INET) {
    const auto* sin = reinterpret_cast<const sockaddr_in*>(&addr);
    inet_ntop(AF_INET, &sin->sin_addr, text, sizeof(text));
    o.Set("address", text);
    o.Set("port", ntohs(sin->sin_port));
    o.Set("family", 4);
  } else if (addr.ss_family == AF_INET6) {
    const auto* sin6 = reinterpret_cast<const sockaddr_in6*>(&addr);
    inet_ntop(AF_INET6, &sin6->sin6_addr, text, sizeof(text));
    o.Set("address", text);
    o.Set("port", ntohs(sin6->sin6_port));
    o.Set("family", 6);
  } else {
    o.Set("address", "");
    o.Set("port", 0);
    o.Set("family", 0);
  }
}

}  // namespace wsm
