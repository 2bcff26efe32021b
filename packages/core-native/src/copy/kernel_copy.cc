#include "copy/kernel_copy.h"

#include <fcntl.h>
#include <linux/fs.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <uv.h>

#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <mutex>
#include <deque>
#include <dirent.h>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/args.h"
#include "core/errors.h"
#include "core/js_call.h"
#include "core/teardown_wait.h"
#include "os/linux/fs_util.h"

namespace wsm {

namespace {

enum class ExistsPolicy { kOverwrite = 0, kError = 1, kSkip = 2 };
enum class ClonePolicy { kNever = 0, kTry = 1, kForce = 2 };

struct CopyFailure {
  int err = 0;  // positive errno
  const char* syscall = "";
};

// Copies [offset, offset + length) of `in` to the same place in `out`: copy_file_range, or
// pread/pwrite where the kernel cannot (another file system type, an old kernel).
bool CopyRange(int in, int out, off_t offset, off_t length, const std::atomic<bool>& stop, CopyFailure* f) {
  off_t inOff = offset, outOff = offset;
  off_t left = length;
  while (left > 0) {
    // In 64 MiB steps, so that abort() stops a huge file midway.
    if (stop.load(std::memory_order_relaxed)) {
      *f = {ECANCELED, "copyfile"};
      return false;
    }
    ssize_t n = copy_file_range(in, &inOff, out, &outOff, static_cast<size_t>(std::min<off_t>(left, 64 << 20)), 0);
    if (n > 0) {
      left -= n;
      continue;
    }
    if (n == 0) break;  // the source shrank
    if (errno == EINTR) continue;
    if (errno != EXDEV && errno != ENOSYS && errno != EINVAL && errno != EOPNOTSUPP) {
      *f = {errno, "copy_file_range"};
      return false;
    }
    // Fallback: plain reads and writes for the rest.
    std::unique_ptr<char[]> buf(new (std::nothrow) char[256 * 1024]);
    if (!buf) {
      *f = {ENOMEM, "malloc"};
      return false;
    }
    while (left > 0) {
      if (stop.load(std::memory_order_relaxed)) {
        *f = {ECANCELED, "copyfile"};
        return false;
      }
      ssize_t r = pread(in, buf.get(), static_cast<size_t>(std::min<off_t>(left, 256 * 1024)), inOff);
      if (r < 0 && errno == EINTR) continue;
      if (r < 0) {
        *f = {errno, "read"};
        return false;
      }
      if (r == 0) return true;
      for (ssize_t w = 0; w < r;) {
        ssize_t k = pwrite(out, buf.get() + w, static_cast<size_t>(r - w), outOff + w);
        if (k < 0 && errno == EINTR) continue;
        if (k < 0) {
          *f = {errno, "write"};
          return false;
        }
        w += k;
      }
      inOff += r;
      outOff += r;
      left -= r;
    }
  }
  return true;
}

// The data of `in`, hole by hole: holes stay holes in `out` (which is then sized to `size`).
bool CopyData(int in, int out, const struct stat& st, const std::atomic<bool>& stop, CopyFailure* f) {
  off_t size = st.st_size;
  bool sparse = st.st_blocks * 512 < size;
  if (!sparse) return CopyRange(in, out, 0, size, stop, f);
  for (off_t at = 0; at < size;) {
    off_t data = lseek(in, at, SEEK_DATA);
    if (data < 0) {
      if (errno == ENXIO) break;  // only a hole is left
      if (errno == EINVAL) return CopyRange(in, out, at, size - at, stop, f);  // no SEEK_DATA here
      *f = {errno, "lseek"};
      return false;
    }
    off_t hole = lseek(in, data, SEEK_HOLE);
    if (hole < 0) hole = size;
    if (!CopyRange(in, out, data, hole - data, stop, f)) return false;
    at = hole;
  }
  if (ftruncate(out, size) != 0) {  // a trailing hole: the size, without writing it
    *f = {errno, "ftruncate"};
    return false;
  }
  return true;
}

// The process's umask, read without changing it (umask(2) can only set it, and racily).
mode_t CurrentUmask() {
  FILE* f = fopen("/proc/self/status", "re");
  unsigned mask = 022;
  if (!f) return mask;
  char line[256];
  while (fgets(line, sizeof(line), f)) {
    if (sscanf(line, "Umask: %o", &mask) == 1) break;
  }
  fclose(f);
  return static_cast<mode_t>(mask);
}

// What every file of a job shares: the file systems where reflink already failed (one failed
// ioctl per file system, not per file) and the umask (fchmod only when it changed the mode).
struct JobContext {
  mode_t umask = 022;
  pid_t pid = 0;  // for temporary names; getpid() is a system call every time
  std::mutex mutex;
  std::vector<dev_t> noClone;

  bool CloneWorthTrying(dev_t dev) {
    std::lock_guard<std::mutex> lock(mutex);
    for (dev_t d : noClone) if (d == dev) return false;
    return true;
  }
  void CloneFailed(dev_t dev) {
    std::lock_guard<std::mutex> lock(mutex);
    noClone.push_back(dev);
  }
};

// Fills the new file `out` from `in` (reflink, else the data), gives it the source's mode and,
// when asked, times, and closes it. Returns false with *f set; `out` is closed either way.
bool FillNew(int in, int out, const struct stat& st, ClonePolicy clone, bool times, const std::atomic<bool>& stop,
             JobContext& ctx, CopyFailure* f) {
  mode_t mode = st.st_mode & 07777;
  bool ok = true;
  bool cloned = false;
  if (clone == ClonePolicy::kForce || (clone == ClonePolicy::kTry && ctx.CloneWorthTrying(st.st_dev))) {
    cloned = ioctl(out, FICLONE, in) == 0;
    int err = errno;
    bool unsupported = !cloned && (err == EOPNOTSUPP || err == EINVAL || err == EXDEV || err == ENOTTY);
    if (unsupported && clone == ClonePolicy::kTry) ctx.CloneFailed(st.st_dev);
    if (!cloned && clone == ClonePolicy::kForce) {
      *f = {unsupported ? EOPNOTSUPP : err, "copyfile"};
      ok = false;
    }
  }
  if (ok && !cloned) ok = CopyData(in, out, st, stop, f);
  if (ok && (mode & ctx.umask) != 0 && fchmod(out, mode) != 0) {  // creation applied the umask; copyfile keeps the mode
    *f = {errno, "fchmod"};
    ok = false;
  }
  if (ok && times) {
    struct timespec ts[2] = {st.st_atim, st.st_mtim};
    if (futimens(out, ts) != 0) {
      *f = {errno, "futimens"};
      ok = false;
    }
  }
  if (close(out) != 0 && ok) {  // a deferred write error can surface only here
    *f = {errno, "close"};
    ok = false;
  }
  return ok;
}

int OpenNew(const char* path, mode_t mode) {
  int fd;
  do {
    fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
  } while (fd < 0 && errno == EINTR);
  return fd;
}

// One file. Returns the bytes copied, or -1 with *f set. The copy is written beside `dest` under a
// temporary name and renamed into place once complete, so no one ever sees a partial destination,
// not even after a SIGKILL (which can leave only the .wsm-*.tmp file).
//
// `fresh`: `dest` lies in a directory tree that the caller has just made and that no one else
// sees yet (fs-iocp's cp builds a new tree under a temporary name and renames it into place at
// the end). There, the file is created directly under its name (O_EXCL, the source's mode), with
// no stat of the destination, no temporary name and no rename: a failed copy is unlinked, and
// after a SIGKILL the whole tree is the caller's leftover, not a partial destination. Should the
// name exist after all, the regular path below takes over.
int64_t CopyOne(const std::string& src, const std::string& dest, ExistsPolicy exists, ClonePolicy clone, bool times,
                bool fresh, const std::atomic<bool>& stop, JobContext& ctx, CopyFailure* f) {
  int in;
  do {
    in = open(src.c_str(), O_RDONLY | O_CLOEXEC);
  } while (in < 0 && errno == EINTR);
  if (in < 0) {
    *f = {errno, "open"};
    return -1;
  }
  struct stat st {};
  if (fstat(in, &st) != 0) {
    *f = {errno, "fstat"};
    close(in);
    return -1;
  }
  if (S_ISDIR(st.st_mode)) {  // as Node's copyfile says it
    *f = {EISDIR, "copyfile"};
    close(in);
    return -1;
  }
  mode_t mode = st.st_mode & 07777;
  if (fresh) {
    int out = OpenNew(dest.c_str(), mode);
    if (out >= 0) {
      bool ok = FillNew(in, out, st, clone, times, stop, ctx, f);
      close(in);
      if (!ok) {
        unlink(dest.c_str());
        return -1;
      }
      return st.st_size;
    }
    if (errno != EEXIST) {
      *f = {errno, "open"};
      close(in);
      return -1;
    }
  }
  struct stat ds {};
  if (stat(dest.c_str(), &ds) == 0) {
    // As Node's copyFile: COPYFILE_EXCL refuses any existing destination first (itself included),
    // then a directory is EISDIR, and a file onto itself is left intact.
    if (exists == ExistsPolicy::kError || S_ISDIR(ds.st_mode)) {
      *f = {exists == ExistsPolicy::kError ? EEXIST : EISDIR, "copyfile"};
      close(in);
      return -1;
    }
    if (exists == ExistsPolicy::kSkip || (ds.st_dev == st.st_dev && ds.st_ino == st.st_ino)) {
      close(in);
      return 0;
    }
  }
  if (LeftoverSweepDue(dest)) RemoveDeadLeftovers(dest);  // first copy into the directory, then every few minutes
  std::string temp = TempPathBeside(dest, ctx.pid);
  int out = OpenNew(temp.c_str(), mode);
  if (out < 0) {
    *f = {errno, "open"};
    close(in);
    return -1;
  }
  bool ok = FillNew(in, out, st, clone, times, stop, ctx, f);
  close(in);
  if (ok) {
    // Overwrite: rename replaces atomically. Otherwise the name must still be free (someone may
    // have created it meanwhile): 'error' says EEXIST, 'skip' keeps theirs.
    int rc = exists == ExistsPolicy::kOverwrite ? (rename(temp.c_str(), dest.c_str()) == 0 ? 0 : -errno)
                                                : RenameNoReplace(temp.c_str(), dest.c_str());
    if (rc == -EEXIST && exists == ExistsPolicy::kSkip) {
      unlink(temp.c_str());
      return 0;
    }
    if (rc < 0) {
      *f = {-rc, rc == -EEXIST ? "copyfile" : "rename"};
      ok = false;
    }
  }
  if (!ok) {
    unlink(temp.c_str());
    return -1;
  }
  return st.st_size;
}

// Files handed to the copier in one add(): (src, dest) pairs, never changed once added, so
// workers read them without a lock.
struct Batch {
  std::vector<std::string> list;  // src0, dest0, src1, dest1, ...
};

// The files of one batch that go to one destination directory, in the order they were given.
struct Group {
  const Batch* batch = nullptr;
  std::vector<uint32_t> items;
  size_t next = 0;
};

// A directory of a tree copy (addTree) still to read: its entries go into `dest`, which exists.
struct DirTask {
  std::string src, dest;
  int depth = 0;
};

// A directory a tree copy made, for the caller to give its source's mode (and times) at the end.
struct MadeDir {
  std::string dest;
  mode_t mode;
  struct timespec atime, mtime;
  int depth;
};

// What the workers take files from. They take them round-robin over the destinations' directories
// (one file of every directory with files left, then again), so that the threads copying at the
// same moment create their files in different directories. Creating a name takes the directory's
// lock (i_rwsem) for writing, so workers in one directory wait for each other, sleep and wake: a
// tree of 100 directories copied by 4 threads in walk order (directory by directory) took ~300 ms
// of copying on ext4 where this order takes ~210 ms.
struct Queue {
  std::vector<std::unique_ptr<Batch>> batches;
  std::vector<Group> groups;  // those with files left
  std::deque<DirTask> dirs;   // directories to read, taken before files so the walk stays ahead
  size_t cursor = 0;
  size_t added = 0;   // files added in all
  size_t pending = 0; // files and directories added and not yet taken

  void Add(std::unique_ptr<Batch> batch) {
    Batch* b = batch.get();
    size_t files = b->list.size() / 2;
    std::unordered_map<std::string_view, size_t> byDir;
    for (size_t i = 0; i < files; i++) {
      const std::string& dest = b->list[2 * i + 1];
      size_t slash = dest.find_last_of('/');
      std::string_view dir(dest.data(), slash == std::string::npos ? 0 : slash);
      auto [it, isNew] = byDir.try_emplace(dir, groups.size());
      if (isNew) groups.push_back(Group{b, {}, 0});
      groups[it->second].items.push_back(static_cast<uint32_t>(i));
    }
    batches.push_back(std::move(batch));
    added += files;
    pending += files;
  }

  bool TakeDir(DirTask* task) {
    if (dirs.empty()) return false;
    *task = std::move(dirs.front());
    dirs.pop_front();
    pending--;
    return true;
  }

  bool Take(const Batch** batch, size_t* index) {
    if (groups.empty()) return false;
    if (cursor >= groups.size()) cursor = 0;
    Group& g = groups[cursor];
    *batch = g.batch;
    *index = g.items[g.next++];
    pending--;
    if (g.next == g.items.size()) {
      // Done with this directory: the last group takes its place (the round goes on from there).
      if (cursor != groups.size() - 1) groups[cursor] = std::move(groups.back());
      groups.pop_back();
    } else {
      cursor++;
    }
    return true;
  }
};

struct Shared {
  JobContext context;
  ExistsPolicy exists = ExistsPolicy::kOverwrite;
  ClonePolicy clone = ClonePolicy::kTry;
  bool times = false;
  bool fresh = false;
  std::atomic<size_t> filesDone{0};
  std::atomic<int64_t> bytesDone{0};
  std::atomic<bool> stop{false};
  std::atomic<size_t> found{0};   // files added, by add() or by reading a tree
  std::atomic<int64_t> links{0};  // symlinks a tree copy made
  std::atomic<size_t> running{0}; // work items queued or running (a copy of the job's count)
  size_t concurrency = 4;
  uv_async_t* wake = nullptr;     // asks the loop thread for more workers
  std::mutex mutex;  // guards queue, made and the failure
  Queue queue;
  std::vector<MadeDir> made;
  CopyFailure failure;
  std::string failedSrc, failedDest;

  // 0: nothing to take; 1: a directory (in *task); 2: a file (*batch, *index).
  int Take(DirTask* task, const Batch** batch, size_t* index) {
    std::lock_guard<std::mutex> lock(mutex);
    if (queue.TakeDir(task)) return 1;
    return queue.Take(batch, index) ? 2 : 0;
  }
  void Fail(const CopyFailure& f, const std::string& src, const std::string& dest) {
    std::lock_guard<std::mutex> lock(mutex);
    if (!failure.err) {
      failure = f;
      failedSrc = src;
      failedDest = dest;
    }
    stop = true;
  }
  size_t Pending() {
    std::lock_guard<std::mutex> lock(mutex);
    return queue.pending;
  }
};

std::string Child(const std::string& dir, const char* name) {
  std::string out;
  out.reserve(dir.size() + 1 + strlen(name));
  out += dir;
  if (out.empty() || out.back() != '/') out += '/';
  out += name;
  return out;
}

// One directory of a tree copy (cp into a new destination, with no filter and links kept as
// links): reads it, makes its subdirectories in `dest` (queued to be read in turn), makes its
// symlinks, and queues its files. Failures are reported as the JavaScript walk reports them
// (scandir, lstat, mkdir, readlink, symlink), and the entries fs.cp refuses as cp:fifo,
// cp:socket, cp:unknown. Returns false on a failure (recorded in sh).
bool ReadDir(Shared& sh, const DirTask& task) {
  int fd;
  do {
    fd = open(task.src.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  } while (fd < 0 && errno == EINTR);
  if (fd < 0) {
    sh.Fail({errno, "scandir"}, task.src, "");
    return false;
  }
  DIR* dir = fdopendir(fd);
  if (!dir) {
    int err = errno;
    close(fd);
    sh.Fail({err, "scandir"}, task.src, "");
    return false;
  }
  auto batch = std::make_unique<Batch>();
  std::vector<DirTask> subdirs;
  std::vector<MadeDir> made;
  std::vector<char> target(256);
  bool ok = true;
  for (;;) {
    if (sh.stop.load(std::memory_order_relaxed)) {
      ok = false;
      break;
    }
    errno = 0;
    struct dirent* e = readdir(dir);
    if (!e) {
      if (errno != 0) {
        sh.Fail({errno, "scandir"}, task.src, "");
        ok = false;
      }
      break;
    }
    const char* name = e->d_name;
    if (name[0] == '.' && (name[1] == 0 || (name[1] == '.' && name[2] == 0))) continue;
    std::string s = Child(task.src, name);
    std::string d = Child(task.dest, name);
    unsigned char type = e->d_type;
    struct stat st {};  // read for directories (their modes and times) and for unknown types
    if (type == DT_UNKNOWN || type == DT_DIR) {
      if (fstatat(fd, name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
        sh.Fail({errno, "lstat"}, s, "");
        ok = false;
        break;
      }
      type = IFTODT(st.st_mode);
    }
    if (type == DT_REG) {
      batch->list.push_back(std::move(s));
      batch->list.push_back(std::move(d));
    } else if (type == DT_DIR) {
      if (mkdir(d.c_str(), 0777) != 0) {
        sh.Fail({errno, "mkdir"}, d, "");
        ok = false;
        break;
      }
      made.push_back({d, st.st_mode & 07777, st.st_atim, st.st_mtim, task.depth + 1});
      subdirs.push_back({std::move(s), std::move(d), task.depth + 1});
    } else if (type == DT_LNK) {
      ssize_t n;
      for (;;) {
        n = readlinkat(fd, name, target.data(), target.size());
        if (n < 0 || static_cast<size_t>(n) < target.size()) break;
        target.resize(target.size() * 2);
      }
      if (n < 0) {
        sh.Fail({errno, "readlink"}, s, "");
        ok = false;
        break;
      }
      std::string link(target.data(), static_cast<size_t>(n));
      if (symlink(link.c_str(), d.c_str()) != 0) {
        sh.Fail({errno, "symlink"}, link, d);
        ok = false;
        break;
      }
      sh.links++;
    } else {
      sh.Fail({EINVAL, type == DT_FIFO ? "cp:fifo" : type == DT_SOCK ? "cp:socket" : "cp:unknown"}, s, "");
      ok = false;
      break;
    }
  }
  closedir(dir);
  if (!ok) return false;
  size_t files = batch->list.size() / 2;
  {
    std::lock_guard<std::mutex> lock(sh.mutex);
    for (auto& m : made) sh.made.push_back(std::move(m));
    for (auto& t : subdirs) sh.queue.dirs.push_back(std::move(t));
    sh.queue.pending += subdirs.size();
    if (files > 0) sh.queue.Add(std::move(batch));
  }
  sh.found += files;
  // More work than workers: ask the loop thread for more (it alone may queue work).
  if ((files > 0 || !subdirs.empty()) && sh.running.load() < sh.concurrency) uv_async_send(sh.wake);
  return true;
}

// Reads a list of (src, dest) pairs, flattened, from JavaScript (throws on a bad one).
std::unique_ptr<Batch> BatchArg(const Napi::CallbackInfo& info, size_t index) {
  Napi::Env env = info.Env();
  if (info.Length() <= index || !info[index].IsArray()) ThrowTypeError(env, "The \"list\" argument must be an array of strings");
  Napi::Array arr = info[index].As<Napi::Array>();
  if (arr.Length() % 2 != 0) ThrowInvalidArgument(env, "copyfile", "the list must hold (src, dest) pairs");
  auto batch = std::make_unique<Batch>();
  batch->list.reserve(arr.Length());
  for (uint32_t i = 0; i < arr.Length(); i++) {
    Napi::Value v = arr.Get(i);
    if (!v.IsString()) ThrowTypeError(env, "The \"list\" argument must be an array of strings");
    std::string s = v.As<Napi::String>().Utf8Value();
    if (s.empty() || s.find('\0') != std::string::npos) ThrowInvalidArgument(env, "copyfile", "paths must be non-empty and free of NUL bytes");
    batch->list.push_back(std::move(s));
  }
  return batch;
}

// States, in order: taking files (add/addTree on the JavaScript thread; workers copy them on the
// threadpool, AfterWork back on the loop thread), Finish once no worker runs and end() was called
// or the job stopped (onDone, handles closed), then Settle once the handles are closed. An
// environment that ends first (OnTeardown) stops the job like abort(), with no JavaScript.
class KernelCopyJob : public Napi::ObjectWrap<KernelCopyJob> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "KernelCopyJob",
                       {InstanceMethod<&KernelCopyJob::Add>("add"), InstanceMethod<&KernelCopyJob::AddTree>("addTree"),
                        InstanceMethod<&KernelCopyJob::End>("end"), InstanceMethod<&KernelCopyJob::Abort>("abort")});
  }

  // new KernelCopyJob(concurrency, exists 0|1|2, clone 0|1|2, preserveTimestamps, fresh,
  //                   onProgress|undefined, onDone)
  // then add(list: string[] (src, dest pairs flattened)) and addTree(src, dest) as many times as
  // needed, and end().
  // Copying starts with the first add(); onDone comes once end() was called and every file added
  // is done, or at the first failure or abort() (which also ends it: add() then returns false).
  explicit KernelCopyJob(const Napi::CallbackInfo& info) : Napi::ObjectWrap<KernelCopyJob>(info) {
    Napi::Env env = info.Env();
    concurrency_ = static_cast<size_t>(IntegerArg(info, 0, "concurrency", "copyfile", 1, 1024));
    shared_ = std::make_shared<Shared>();
    shared_->concurrency = concurrency_;
    shared_->exists = static_cast<ExistsPolicy>(IntegerArg(info, 1, "exists", "copyfile", 0, 2));
    shared_->clone = static_cast<ClonePolicy>(IntegerArg(info, 2, "clone", "copyfile", 0, 2));
    shared_->times = BooleanArg(info, 3, "preserveTimestamps");
    shared_->fresh = BooleanArg(info, 4, "fresh");
    shared_->context.umask = CurrentUmask();
    shared_->context.pid = getpid();
    if (info.Length() > 5 && info[5].IsFunction()) onProgress_ = Napi::Persistent(info[5].As<Napi::Function>());
    onDone_ = Napi::Persistent(FunctionArg(info, 6, "onDone"));
    if (napi_get_uv_event_loop(env, &loop_) != napi_ok) ThrowSystemError(env, EINVAL, "copyfile", "no event loop");
    context_ = std::make_unique<Napi::AsyncContext>(env, "wsm:copyfiles");
    Ref();  // until Settle
    uv_async_init(loop_, &wake_, [](uv_async_t* a) { static_cast<KernelCopyJob*>(a->data)->StartWorkers(); });
    wake_.data = this;
    uv_unref(reinterpret_cast<uv_handle_t*>(&wake_));
    openHandles_++;
    shared_->wake = &wake_;
    if (!onProgress_.IsEmpty()) {
      uv_timer_init(loop_, &timer_);
      timer_.data = this;
      uv_timer_start(&timer_, [](uv_timer_t* t) { static_cast<KernelCopyJob*>(t->data)->Progress(); }, 50, 50);
      uv_unref(reinterpret_cast<uv_handle_t*>(&timer_));
      timerActive_ = true;
      openHandles_++;
    }
    teardown_.Arm(env, &KernelCopyJob::OnTeardown, this);
  }

 private:
  // add(list): true if taken, false once the job has stopped (a failure, abort()); after end(), an error.
  Napi::Value Add(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    std::unique_ptr<Batch> batch = BatchArg(info, 0);
    if (ended_) ThrowInvalidArgument(env, "copyfile", "add() after end()");
    if (finished_ || shared_->stop) return Napi::Boolean::New(env, false);
    size_t files = batch->list.size() / 2;
    {
      std::lock_guard<std::mutex> lock(shared_->mutex);
      shared_->queue.Add(std::move(batch));
    }
    shared_->found += files;
    StartWorkers();
    return Napi::Boolean::New(env, true);
  }

  // addTree(src, dest): the contents of directory `src` into the existing directory `dest`, read
  // by the workers themselves (no JavaScript per directory): files copied as with add(),
  // directories made and read in turn, symlinks made with their targets verbatim; FIFOs, sockets
  // and devices refused. For cp into a new destination. Returns as add() does.
  Napi::Value AddTree(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (info.Length() < 2 || !info[0].IsString() || !info[1].IsString()) ThrowTypeError(env, "The \"src\" and \"dest\" arguments must be strings");
    DirTask task{info[0].As<Napi::String>().Utf8Value(), info[1].As<Napi::String>().Utf8Value(), 0};
    for (const std::string* p : {&task.src, &task.dest}) {
      if (p->empty() || p->find('\0') != std::string::npos) ThrowInvalidArgument(env, "copyfile", "paths must be non-empty and free of NUL bytes");
    }
    if (ended_) ThrowInvalidArgument(env, "copyfile", "addTree() after end()");
    if (finished_ || shared_->stop) return Napi::Boolean::New(env, false);
    {
      std::lock_guard<std::mutex> lock(shared_->mutex);
      shared_->queue.dirs.push_back(std::move(task));
      shared_->queue.pending++;
    }
    StartWorkers();
    return Napi::Boolean::New(env, true);
  }

  Napi::Value End(const Napi::CallbackInfo& info) {
    if (!ended_) {
      ended_ = true;
      MaybeFinish();
    }
    return info.Env().Undefined();
  }

  Napi::Value Abort(const Napi::CallbackInfo& info) {
    if (!finished_ && !shared_->stop) {
      aborted_ = true;
      shared_->stop = true;
      MaybeFinish();
    }
    return info.Env().Undefined();
  }

  // As many workers as files wait, up to `concurrency`. Runs on the loop thread only.
  void StartWorkers() {
    size_t pending = shared_->Pending();
    while (!shared_->stop && workers_ < concurrency_ && workers_ < pending) {
      auto* work = new uv_work_t{};
      work->data = this;
      if (uv_queue_work(loop_, work, &KernelCopyJob::Work, &KernelCopyJob::AfterWork) != 0) {
        delete work;
        break;
      }
      workers_++;
    }
    shared_->running = workers_;
  }

  // Done when no worker runs and either nothing more can come (end() and the queue empty) or
  // nothing more will be taken (a failure, abort()).
  void MaybeFinish() {
    if (finishing_ || workers_ > 0) return;
    if (shared_->stop || (ended_ && shared_->Pending() == 0)) Finish();
  }

  // On the threadpool: take the next file until none is left, or one failed, or abort().
  // A work item copies files for about kTurnNs (at least one file), then gives its thread back to
  // the pool (other fs and dns calls of the process share it) and is queued again if files remain.
  // By time, not by count: 16 small files took ~1 ms, and each turn costs the pool's lock, a wake-up
  // of the loop thread and a context switch or two, which on 2 cores showed in a tree copy's time.
  static constexpr uint64_t kTurnNs = 5'000'000;

  static void Work(uv_work_t* work) {
    std::shared_ptr<Shared> sh = static_cast<KernelCopyJob*>(work->data)->shared_;
    const uint64_t started = uv_hrtime();
    for (size_t turn = 0; !sh->stop.load(std::memory_order_relaxed); turn++) {
      if (turn > 0 && uv_hrtime() - started >= kTurnNs) break;
      DirTask dir;
      const Batch* batch = nullptr;
      size_t i = 0;
      int kind = sh->Take(&dir, &batch, &i);
      if (kind == 0) break;
      if (kind == 1) {
        if (!ReadDir(*sh, dir)) break;
        continue;
      }
      const std::string& src = batch->list[2 * i];
      const std::string& dest = batch->list[2 * i + 1];
      CopyFailure f;
      int64_t bytes = CopyOne(src, dest, sh->exists, sh->clone, sh->times, sh->fresh, sh->stop, sh->context, &f);
      if (bytes < 0) {
        sh->Fail(f, src, dest);
        break;
      }
      sh->bytesDone += bytes;
      sh->filesDone++;
    }
  }

  static void AfterWork(uv_work_t* work, int /*status*/) {
    auto* job = static_cast<KernelCopyJob*>(work->data);
    if (!job->shared_->stop.load() && job->shared_->Pending() > 0 &&
        uv_queue_work(job->loop_, work, &KernelCopyJob::Work, &KernelCopyJob::AfterWork) == 0) {
      return;  // more to do: back in the queue, behind whatever else waits for a thread
    }
    delete work;
    job->workers_--;
    job->shared_->running = job->workers_;
    job->MaybeFinish();
  }

  void Progress() {
    if (onProgress_.IsEmpty() || finished_ || tornDown_) return;
    Napi::Env env = Env();
    Napi::HandleScope scope(env);
    CallIntoJs(env, onProgress_, env.Global(),
               {Napi::Number::New(env, static_cast<double>(shared_->filesDone.load())),
                Napi::BigInt::New(env, shared_->bytesDone.load()),
                Napi::Number::New(env, static_cast<double>(shared_->found.load()))},
               *context_);
  }

  // onDone(errno, syscall, src, dest, files, bytes, links, made); errno 0 on success, ECANCELED
  // when aborted before every file added was done; src and dest name what failed ('' otherwise);
  // links and made (flattened: dest, mode, atime s, mtime s, depth, ...) are what trees made.
  void Finish() {
    // Once: the last progress report below may call abort() or end() (they come back here).
    if (finishing_) return;
    finishing_ = true;
    Progress();
    finished_ = true;
    auto closed = [](uv_handle_t* h) {
      auto* job = static_cast<KernelCopyJob*>(h->data);
      job->openHandles_--;
      job->Settle();
    };
    if (timerActive_) {
      timerActive_ = false;
      uv_timer_stop(&timer_);
      uv_close(reinterpret_cast<uv_handle_t*>(&timer_), closed);
    }
    uv_close(reinterpret_cast<uv_handle_t*>(&wake_), closed);
    if (!tornDown_ && CanCallIntoJs(Env())) CallOnDone();  // the result is made of objects: none once JS is gone
    onProgress_.Reset();
    onDone_.Reset();
    Settle();
  }

  void CallOnDone() {
    Napi::Env env = Env();
    Napi::HandleScope scope(env);
    int err = shared_->failure.err;
    const char* syscall = shared_->failure.syscall;
    if (!err && aborted_ && (!ended_ || shared_->filesDone.load() < shared_->queue.added || !shared_->queue.dirs.empty())) {
      err = ECANCELED;
      syscall = "copyfile";
    }
    auto toSeconds = [](const struct timespec& t) { return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) / 1e9; };
    Napi::Array made = Napi::Array::New(env, shared_->made.size() * 5);
    uint32_t k = 0;
    for (const MadeDir& m : shared_->made) {
      made.Set(k++, Napi::String::New(env, m.dest));
      made.Set(k++, Napi::Number::New(env, m.mode));
      made.Set(k++, Napi::Number::New(env, toSeconds(m.atime)));
      made.Set(k++, Napi::Number::New(env, toSeconds(m.mtime)));
      made.Set(k++, Napi::Number::New(env, m.depth));
    }
    Napi::FunctionReference cb = std::move(onDone_);
    CallIntoJs(env, cb, env.Global(),
               {Napi::Number::New(env, err), Napi::String::New(env, syscall), Napi::String::New(env, shared_->failedSrc),
                Napi::String::New(env, shared_->failedDest),
                Napi::Number::New(env, static_cast<double>(shared_->filesDone.load())),
                Napi::BigInt::New(env, shared_->bytesDone.load()),
                Napi::Number::New(env, static_cast<double>(shared_->links.load())), made},
               *context_);
  }

  // Once finished, with its handles closed (and so no worker left): the job no longer needs its
  // environment, and may be collected.
  void Settle() {
    if (settled_ || !finished_ || openHandles_ != 0) return;
    settled_ = true;
    teardown_.Release();
    Unref();
  }

  // The environment ends with the job unfinished: as abort(), with no JavaScript. The workers stop
  // at their next check (within 64 MiB of a file; a file not finished is removed, none is left
  // partial under its name), Node keeps the loop turning until their after-work callbacks have run
  // and the handles are closed (Settle).
  static void OnTeardown(void* job) {
    auto* self = static_cast<KernelCopyJob*>(job);
    self->tornDown_ = true;
    self->shared_->stop = true;
    self->MaybeFinish();
  }

  std::shared_ptr<Shared> shared_;
  uv_loop_t* loop_ = nullptr;
  uv_timer_t timer_{};
  bool timerActive_ = false;
  uv_async_t wake_{};
  size_t concurrency_ = 4;
  size_t workers_ = 0;  // work items queued or running; touched on the loop thread only
  bool ended_ = false;
  bool aborted_ = false;
  bool finishing_ = false;
  bool finished_ = false;
  bool tornDown_ = false;  // the environment ended: no JavaScript (OnTeardown)
  bool settled_ = false;
  int openHandles_ = 0;    // wake_ and timer_ until their close callbacks ran
  Napi::FunctionReference onProgress_;
  Napi::FunctionReference onDone_;
  std::unique_ptr<Napi::AsyncContext> context_;
  TeardownWait teardown_;
};

}  // namespace

void DefineKernelCopy(Napi::Env env, Napi::Object exports) { exports.Set("KernelCopyJob", KernelCopyJob::Define(env)); }

}  // namespace wsm
