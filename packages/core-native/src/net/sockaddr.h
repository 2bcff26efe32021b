// Conversions between JavaScript host/port pairs and sockaddr structures. Hosts are IP literals
// (plus "localhost"): name resolution is the caller's business, as with Winsock's bind/connect.
#pragma once
#include <napi.h>
#include <sys/socket.h>
#include <string>

namespace wsm {

// Fills `out` from `host` (an IPv4 or IPv6 literal for `family`, "" for the wildcard address,
// "localhost" for loopback). Returns false when `host` is not an address of `family`.
bool MakeSockaddr(int family, const std::string& host, int port, sockaddr_storage* out, socklen_t* outLen);

// { address, port, family: 4 | 6 }
Napi::Object SockaddrToObject(Napi::Env env, const sockaddr_storage& addr);
// Sets those three properties on `o`.
void SetSockaddrProperties(Napi::Object o, const sockaddr_storage& addr);

}  // namespace wsm
