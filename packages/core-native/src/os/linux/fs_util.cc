#include "os/linux/fs_util.h"

#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <random>

namespace wsm {

namespace {

constexpr const char kTempMark[] = ".wsm-";
constexpr const char kTempEnd[] = ".tmp";
constexpr int kHexDigits = 8;

// The longest prefix of `s` of at most `max` bytes that does not split a UTF-8 sequence.
size_t Utf8Prefix(const char* s, size_t len, size_t max) {
  if (len <= max) return len;
  size_t n = max;
  while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) n--;  // s[n] continues a character
  return n;
}

}  // namespace

int RenameNoReplace(const char* from, const char* to) {
#ifdef SYS_renameat2
  if (syscall(SYS_renameat2, AT_FDCWD, from, AT_FDCWD, to, 1 /* RENAME_NOREPLACE */) == 0) return 0;
  if (errno != EINVAL && errno != ENOSYS) return -errno;
#endif
  if (link(from, to) != 0) return -errno;
  unlink(from);
  return 0;
}

std::string TempPathBeside(const std::string& dest, pid_t pid) {
  // One generator per thread: the copy threads of every Node environment call this at once.
  thread_local std::mt19937_64 rng{std::random_device{}()};
  char suffix[48];
  int suffixLen = snprintf(suffix, sizeof(suffix), "%s%d-%0*llx%s", kTempMark, static_cast<int>(pid), kHexDigits,
                           static_cast<unsigned long long>(rng() & 0xffffffffULL), kTempEnd);
  size_t nameAt = dest.find_last_of('/');
  nameAt = nameAt == std::string::npos ? 0 : nameAt + 1;
  size_t room = NAME_MAX - static_cast<size_t>(suffixLen);
  size_t stem = Utf8Prefix(dest.data() + nameAt, dest.size() - nameAt, room);
  std::string out;
  out.reserve(nameAt + stem + static_cast<size_t>(suffixLen));
  out.append(dest, 0, nameAt);
  out.append(dest, nameAt, stem);
  out += suffix;
  return out;
}

}  // namespace wsm
