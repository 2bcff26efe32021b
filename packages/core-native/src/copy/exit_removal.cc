#include "copy/exit_removal.h"

#include <unistd.h>

#include <cstdlib>
#include <mutex>
#include <unordered_set>

namespace wsm {

namespace {

struct Pending {
  std::mutex mutex;
  std::unordered_multiset<std::string> paths;
};

// Never destroyed: static destructors may run before or after the atexit handler.
Pending& pending() {
  static Pending* p = new Pending();
  return *p;
}

void RemoveAll() {
  Pending& p = pending();
  std::lock_guard<std::mutex> lock(p.mutex);
  for (const std::string& path : p.paths) unlink(path.c_str());
  p.paths.clear();
}

}  // namespace

void RemoveAtExit(const std::string& path) {
  static std::once_flag registered;
  std::call_once(registered, [] { std::atexit(RemoveAll); });
  Pending& p = pending();
  std::lock_guard<std::mutex> lock(p.mutex);
  p.paths.insert(path);
}

void ForgetAtExit(const std::string& path) {
  Pending& p = pending();
  std::lock_guard<std::mutex> lock(p.mutex);
  auto it = p.paths.find(path);
  if (it != p.paths.end()) p.paths.erase(it);
}

}  // namespace wsm
