#include "os/linux/fs_util.h"

#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <iterator>
#include <list>
#include <mutex>
#include <random>
#include <unordered_map>

namespace wsm {

namespace {

constexpr const char kTempMark[] = ".wsm-";
constexpr const char kTempEnd[] = ".tmp";
constexpr int kHexDigits = 8;
// A leftover modified this recently may belong to a live copy that kill(2) cannot see (another
// pid namespace sharing the directory): it is left alone.
constexpr time_t kLeftoverMinAgeSeconds = 60;
// Directories swept lately, remembered up to this many (the one swept longest ago is forgotten
// first, and is swept again at the next copy into it).
constexpr size_t kSweptDirsMax = 4096;
// A directory is swept again by the first copy into it once this long has passed since its last
// sweep, so that a long-running process (a watcher, a build server) keeps clearing it.
constexpr std::chrono::minutes kResweepAfter{5};
// Internal, for tests only (test/leftover-sweep.test.ts): replaces kResweepAfter, read once.
constexpr const char kResweepEnv[] = "WSM_LEFTOVER_RESWEEP_MS";

// The longest prefix of `s` of at most `max` bytes that does not split a UTF-8 sequence.
size_t Utf8Prefix(const char* s, size_t len, size_t max) {
  if (len <= max) return len;
  size_t n = max;
  while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) n--;  // s[n] continues a character
  return n;
}

// The directory part of `path`, as openat and the swept set take it ("." for a bare name).
std::string DirOf(const std::string& path) {
  size_t slash = path.find_last_of('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

// Whether `name` has the shape of TempPathBeside's names (`*.wsm-<pid>-<8 hex>.tmp`); if so,
// *pid is the pid in it.
bool ParseTempName(const char* name, pid_t* pid) {
  size_t len = strlen(name);
  constexpr size_t endLen = sizeof(kTempEnd) - 1;
  constexpr size_t markLen = sizeof(kTempMark) - 1;
  // ".wsm-" digits "-" 8 hex ".tmp", at the end of the name.
  if (len < markLen + 1 + 1 + kHexDigits + endLen || strcmp(name + len - endLen, kTempEnd) != 0) return false;
  const char* hex = name + len - endLen - kHexDigits;
  for (int i = 0; i < kHexDigits; i++) {
    char c = hex[i];
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  if (hex[-1] != '-') return false;
  const char* digitsEnd = hex - 1;
  const char* digits = digitsEnd;
  while (digits > name && digits[-1] >= '0' && digits[-1] <= '9') digits--;
  if (digits == digitsEnd || digitsEnd - digits > 9 || static_cast<size_t>(digits - name) < markLen) return false;
  if (strncmp(digits - markLen, kTempMark, markLen) != 0) return false;
  long value = strtol(digits, nullptr, 10);
  if (value <= 0) return false;
  *pid = static_cast<pid_t>(value);
  return true;
}

bool ProcessGone(pid_t pid) { return kill(pid, 0) != 0 && errno == ESRCH; }

std::chrono::milliseconds ResweepAfter() {
  static const std::chrono::milliseconds after = [] {
    std::chrono::milliseconds fallback = kResweepAfter;
    const char* text = getenv(kResweepEnv);
    if (!text || !*text) return fallback;
    char* end = nullptr;
    long long ms = strtoll(text, &end, 10);
    return *end == '\0' && ms >= 0 ? std::chrono::milliseconds(ms) : fallback;
  }();
  return after;
}

// When each directory was last swept, oldest first, for LeftoverSweepDue.
class SweepSchedule {
 public:
  using Clock = std::chrono::steady_clock;

  // True (and the sweep recorded as of `now`) if `dir` was never swept, or not within ResweepAfter.
  bool Due(const std::string& dir, Clock::time_point now) {
    auto found = byDir_.find(dir);
    if (found != byDir_.end()) {
      if (now - found->second->at < ResweepAfter()) return false;
      order_.erase(found->second);
      byDir_.erase(found);
    } else if (byDir_.size() >= kSweptDirsMax) {
      byDir_.erase(order_.front().dir);
      order_.pop_front();
    }
    order_.push_back({dir, now});
    byDir_[dir] = std::prev(order_.end());
    return true;
  }

 private:
  struct Sweep {
    std::string dir;
    Clock::time_point at;
  };
  std::list<Sweep> order_;  // by time of sweep, oldest first
  std::unordered_map<std::string, std::list<Sweep>::iterator> byDir_;
};

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

void RemoveDeadLeftovers(const std::string& dest) {
  std::string dir = DirOf(dest);
  int fd = open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;
  DIR* d = fdopendir(fd);
  if (!d) {
    close(fd);
    return;
  }
  pid_t self = getpid();
  time_t now = time(nullptr);
  while (struct dirent* e = readdir(d)) {
    pid_t pid = 0;
    if (e->d_type == DT_DIR || !ParseTempName(e->d_name, &pid) || pid == self || !ProcessGone(pid)) continue;
    struct stat st {};
    if (fstatat(fd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0 || S_ISDIR(st.st_mode)) continue;
    if (now - st.st_mtime < kLeftoverMinAgeSeconds) continue;
    unlinkat(fd, e->d_name, 0);  // best effort: a file we may not remove stays
  }
  closedir(d);
}

bool LeftoverSweepDue(const std::string& dest) {
  // Process-wide and never destroyed: copy threads may still ask while the process exits.
  static std::mutex* mutex = new std::mutex;
  static auto* schedule = new SweepSchedule;
  std::string dir = DirOf(dest);
  std::lock_guard<std::mutex> lock(*mutex);
  return schedule->Due(dir, SweepSchedule::Clock::now());
}

}  // namespace wsm
