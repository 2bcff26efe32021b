#include "copy/file_copy.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "copy/exit_removal.h"
#include "copy/fs_steps.h"
#include "core/args.h"
#include "core/errors.h"
#include "core/js_call.h"
#include "core/teardown_wait.h"
#include "io/io_loop.h"
#include "io/raw_file.h"
#include "os/linux/fs_util.h"

namespace wsm {

namespace {

constexpr size_t kDirectAlign = 4096;
constexpr int64_t kProgressEveryMs = 50;

int64_t RoundUp(int64_t n, int64_t a) { return (n + a - 1) / a * a; }

bool AllZero(const uint8_t* p, size_t n) { return n == 0 || (p[0] == 0 && std::memcmp(p, p + 1, n - 1) == 0); }

// States, in order, all on the JavaScript thread: set-up (OpenSource .. CreateTemp, filesystem
// calls on the threadpool), the pipeline (reads and writes on the completion engine), the end
// (Finish, Rename, Commit) or the clean-up after a failure or abort (Cleanup: close, unlink the
// temporary file), then Done (onDone), then Settle once no call of the job runs any more. An
// environment that ends first (OnTeardown) makes it an abort with no JavaScript.
class FileCopyJob : public Napi::ObjectWrap<FileCopyJob>, public IoSink {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "FileCopyJob", {InstanceMethod<&FileCopyJob::Abort>("abort")});
  }

  // new FileCopyJob(src, dest, bufferSize, pendingIos, unbuffered, exclusive, onProgress|undefined, onDone)
  explicit FileCopyJob(const Napi::CallbackInfo& info) : Napi::ObjectWrap<FileCopyJob>(info) {
    Napi::Env env = info.Env();
    if (info.Length() < 2 || !info[0].IsString() || !info[1].IsString()) ThrowTypeError(env, "src and dest must be strings");
    src_ = info[0].As<Napi::String>().Utf8Value();
    dest_ = info[1].As<Napi::String>().Utf8Value();
    if (src_.empty() || dest_.empty() || src_.find('\0') != std::string::npos || dest_.find('\0') != std::string::npos) {
      ThrowInvalidArgument(env, "copyfile", "paths must be non-empty and free of NUL bytes");
    }
    bufferSize_ = static_cast<size_t>(IntegerArg(info, 2, "bufferSize", "copyfile", 4096, 64 << 20));
    depth_ = static_cast<int>(IntegerArg(info, 3, "pendingIos", "copyfile", 1, 256));
    unbuffered_ = BooleanArg(info, 4, "unbuffered");
    exclusive_ = BooleanArg(info, 5, "exclusive");
    if (unbuffered_) bufferSize_ = static_cast<size_t>(RoundUp(static_cast<int64_t>(bufferSize_), kDirectAlign));
    if (info.Length() > 6 && info[6].IsFunction()) onProgress_ = Napi::Persistent(info[6].As<Napi::Function>());
    onDone_ = Napi::Persistent(FunctionArg(info, 7, "onDone"));
    loop_ = IoLoop::Get(env);
    if (napi_get_uv_event_loop(env, &uvLoop_) != napi_ok) ThrowSystemError(env, EINVAL, "copyfile", "no event loop");
    context_ = std::make_unique<Napi::AsyncContext>(env, "wsm:copyfile");
    Ref();  // alive until Settle
    teardown_.Arm(env, &FileCopyJob::OnTeardown, this);
    OpenSource();
  }

  ~FileCopyJob() override {
    // The kernel may still read into them after a teardown that gave up waiting for it: leaked.
    if (IoLoop::KernelOutlivedTeardown()) return;
    for (uint8_t* b : buffers_) std::free(b);
  }

 private:
  struct Slot {
    int64_t offset = 0;
    size_t want = 0;     // bytes of the file this slot carries
    size_t done = 0;     // read so far, then written so far
    size_t writeLen = 0; // what the write must cover (rounded up when unbuffered)
    size_t writeFrom = 0; // where in the chunk the write starts (past leading holes of a sparse source)
    bool writing = false;
    bool busy = false;
  };

  // A filesystem call of the job's own chain. While one runs, a failure or an abort only marks
  // the job; the call's return then cleans up, so no descriptor is closed under a running call.
  void Step(std::function<int(uv_loop_t*, uv_fs_t*, uv_fs_cb)> start, std::function<void(ssize_t, const uv_stat_t*)> then) {
    fsPending_++;
    RunFs(uvLoop_, std::move(start), [this, then = std::move(then)](ssize_t rc, const uv_stat_t* st) {
      fsPending_--;
      if (err_ || aborted_) return MaybeCleanup();
      then(rc, st);
    });
  }

  void MaybeCleanup() {
    if (inflight_ != 0 || fsPending_ != 0) return;
    Cleanup();
    Settle();
  }

  // --- set-up: open the source, size it, create the temporary destination beside `dest` ---

  void OpenSource() {
    // Without O_DIRECT first: a directory must be EISDIR (as Node says), not O_DIRECT's EINVAL.
    int flags = O_RDONLY | O_CLOEXEC;
    fsPending_++;
    RunFs(uvLoop_, [this, flags](uv_loop_t* l, uv_fs_t* r, uv_fs_cb cb) { return uv_fs_open(l, r, src_.c_str(), flags, 0, cb); },
          [this](ssize_t fd, const uv_stat_t*) {
            fsPending_--;
            if (fd >= 0) src_file_.Adopt(static_cast<int>(fd));  // first, so an abort closes it
            if (err_ || aborted_) return MaybeCleanup();
            if (fd < 0) return Fail(static_cast<int>(-fd), "open", true);
            Step([this](uv_loop_t* l, uv_fs_t* r, uv_fs_cb cb) { return uv_fs_fstat(l, r, src_file_.fd(), cb); },
                 [this](ssize_t rc, const uv_stat_t* st) {
                   if (rc < 0) return Fail(static_cast<int>(-rc), "fstat", true);
                   if (S_ISDIR(st->st_mode)) return Fail(EISDIR, "copyfile", true);
                   size_ = static_cast<int64_t>(st->st_size);
                   mode_ = static_cast<int>(st->st_mode & 07777);
                   // Holes are kept: all-zero chunks of a sparse source are not written.
                   sparse_ = static_cast<int64_t>(st->st_blocks) * 512 < size_;
                   srcDev_ = st->st_dev;
                   srcIno_ = st->st_ino;
                   CheckDestination();
                 });
          });
  }

  // As Node's copyFile: COPYFILE_EXCL refuses an existing destination before anything is copied
  // (the final rename refuses it too, which is what makes it atomic), a directory is EISDIR, and a
  // file copied onto itself (or a hard link of itself) is left intact.
  void CheckDestination() {
    Step([this](uv_loop_t* l, uv_fs_t* r, uv_fs_cb cb) { return uv_fs_stat(l, r, dest_.c_str(), cb); },
         [this](ssize_t rc, const uv_stat_t* ds) {
           if (rc == 0) {
             if (exclusive_) return Fail(EEXIST, "copyfile", false);
             if (S_ISDIR(ds->st_mode)) return Fail(EISDIR, "copyfile", false);
             if (ds->st_dev == srcDev_ && ds->st_ino == srcIno_) return Skip();
           }
           if (!unbuffered_) return OpenDestination();
           int fd = src_file_.fd();
           fsPending_++;
           RunWork(uvLoop_, [fd]() {
                     int fl = fcntl(fd, F_GETFL);
                     return fl >= 0 && fcntl(fd, F_SETFL, fl | O_DIRECT) == 0 ? 0 : -errno;
                   },
                   [this](int rc2) {
                     fsPending_--;
                     if (err_ || aborted_) return MaybeCleanup();
                     if (rc2 < 0) return Fail(-rc2, "open", true);  // EINVAL: no O_DIRECT on this file system
                     OpenDestination();
                   });
         });
  }

  // Nothing to copy (onto itself): close the source and report success. Once the source is
  // closed the outcome is settled, as after the rename below. The file is whole, so it counts as
  // copied: the final progress call and the result report its size (the progress rule, Progress).
  void Skip() {
    copied_ = size_;
    int fd = src_file_.Release();
    fsPending_++;
    RunFs(uvLoop_, [fd](uv_loop_t* l, uv_fs_t* r, uv_fs_cb cb) { return uv_fs_close(l, r, fd, cb); },
          [this](ssize_t, const uv_stat_t*) {
            fsPending_--;
            if (err_ || aborted_) return MaybeCleanup();
            Commit();
          });
  }

  // Leftovers of killed copies in the destination's directory go first (at the first copy into it,
  // then every few minutes: LeftoverSweepDue), on the threadpool since it reads the directory.
  void OpenDestination() {
    if (!LeftoverSweepDue(dest_)) return CreateTemp();
    std::string dest = dest_;
    fsPending_++;
    RunWork(uvLoop_,
            [dest]() {
              RemoveDeadLeftovers(dest);
              return 0;
            },
            [this](int) {
              fsPending_--;
              if (err_ || aborted_) return MaybeCleanup();
              CreateTemp();
            });
  }

  void CreateTemp() {
    temp_ = TempPathBeside(dest_, getpid());
    RemoveAtExit(temp_);  // from before it exists: a process.exit() meanwhile leaves nothing either
    int flags = O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | (unbuffered_ ? O_DIRECT : 0);
    fsPending_++;
    RunFs(uvLoop_, [this, flags](uv_loop_t* l, uv_fs_t* r, uv_fs_cb cb) { return uv_fs_open(l, r, temp_.c_str(), flags, mode_, cb); },
          [this](ssize_t fd, const uv_stat_t*) {
            fsPending_--;
            if (fd >= 0) {  // first, so an abort removes it
              tempCreated_ = true;
              dst_file_.Adopt(static_cast<int>(fd));
            }
            if (fd < 0) ForgetAtExit(temp_);
            if (err_ || aborted_) return MaybeCleanup();
            if (fd < 0) return Fail(static_cast<int>(-fd), "open", false);
            if (!unbuffered_ || size_ == 0) return StartCopy();
            // Unbuffered writes are whole blocks: size the file up to the alignment now, down to
            // the source's size at the end.
            int64_t aligned = RoundUp(size_, kDirectAlign);
            Step([this, aligned](uv_loop_t* l, uv_fs_t* r, uv_fs_cb cb) { return uv_fs_ftruncate(l, r, dst_file_.fd(), aligned, cb); },
                  [this](ssize_t rc, const uv_stat_t*) {
                    if (rc < 0) return Fail(static_cast<int>(-rc), "ftruncate", false);
                    StartCopy();
                  });
          });
  }

  // --- the pipeline: `depth_` slots, each reading a chunk then writing it ---

  void StartCopy() {
    slots_.resize(static_cast<size_t>(depth_));
    for (int i = 0; i < depth_; i++) {
      void* p = nullptr;
      if (posix_memalign(&p, kDirectAlign, bufferSize_) != 0) return Fail(ENOMEM, "malloc", false);
      buffers_.push_back(static_cast<uint8_t*>(p));
    }
    lastProgress_ = Now();
    for (size_t i = 0; i < slots_.size() && nextOffset_ < size_; i++) NextChunk(i);
    if (inflight_ == 0) Finish();
  }

  void NextChunk(size_t i) {
    Slot& s = slots_[i];
    s = Slot{};
    s.offset = nextOffset_;
    s.want = static_cast<size_t>(std::min<int64_t>(static_cast<int64_t>(bufferSize_), size_ - nextOffset_));
    s.busy = true;
    nextOffset_ += static_cast<int64_t>(s.want);
    Issue(i);
  }

  void Issue(size_t i) {
    Slot& s = slots_[i];
    RawFile& file = s.writing ? dst_file_ : src_file_;
    auto op = loop_->NewOp(s.writing ? IoKind::kWrite : IoKind::kRead, &file);
    op->sink = this;
    op->sinkTag = i;
    if (s.writing) {
      op->req.data = buffers_[i] + s.writeFrom + s.done;
      op->req.length = s.writeLen - s.done;
      op->req.offset = s.offset + static_cast<int64_t>(s.writeFrom + s.done);
      inflight_++;
      loop_->Start(std::move(op));
      return;
    } else {
      size_t len = unbuffered_ ? static_cast<size_t>(RoundUp(static_cast<int64_t>(s.want), kDirectAlign)) : s.want;
      op->req.data = buffers_[i] + s.done;
      op->req.length = len - s.done;
    }
    op->req.offset = s.offset + static_cast<int64_t>(s.done);
    inflight_++;
    loop_->Start(std::move(op));
  }

  void OnIoComplete(uint64_t tag, int32_t result) override {
    inflight_--;
    size_t i = static_cast<size_t>(tag);
    Slot& s = slots_[i];
    if (err_ || aborted_) {
      s.busy = false;
      return MaybeCleanup();
    }
    if (result < 0) return Fail(-result, s.writing ? "write" : "read", !s.writing);
    if (!s.writing) {
      s.done += static_cast<size_t>(result);
      bool eof = result == 0 || (unbuffered_ && result % static_cast<int32_t>(kDirectAlign) != 0);
      if (s.done < s.want && !eof) return Issue(i);  // a short read: the rest of the chunk
      if (s.done < s.want) {
        // The source ended early (it shrank while we copied): copy what there is.
        size_ = s.offset + static_cast<int64_t>(s.done);
        s.want = s.done;
      }
      s.writing = true;
      s.writeLen = unbuffered_ ? static_cast<size_t>(RoundUp(static_cast<int64_t>(s.want), kDirectAlign)) : s.want;
      s.done = 0;
      if (s.writeLen == 0) return ChunkDone(i);
      if (sparse_ && !TrimToData(i)) return ChunkDone(i);  // all holes: they stay holes
      return Issue(i);
    }
    s.done += static_cast<size_t>(result);
    if (result == 0) return Fail(EIO, "write", false);
    if (s.done < s.writeLen) return Issue(i);  // a short write: the rest
    ChunkDone(i);
  }

  // A sparse source: write only from the first to the last 4 KiB block with data in the chunk, so
  // the holes around it stay holes. False if the chunk is all zeros.
  bool TrimToData(size_t i) {
    Slot& s = slots_[i];
    const uint8_t* buf = buffers_[i];
    size_t blocks = (s.writeLen + kDirectAlign - 1) / kDirectAlign;
    auto blockIsZero = [&](size_t b) {
      size_t from = b * kDirectAlign;
      return AllZero(buf + from, std::min(kDirectAlign, s.want > from ? s.want - from : 0));
    };
    size_t first = 0;
    while (first < blocks && blockIsZero(first)) first++;
    if (first == blocks) return false;
    size_t last = blocks - 1;
    while (last > first && blockIsZero(last)) last--;
    s.writeFrom = first * kDirectAlign;
    s.writeLen = std::min(s.writeLen, (last + 1) * kDirectAlign) - s.writeFrom;
    return true;
  }

  void ChunkDone(size_t i) {
    copied_ += static_cast<int64_t>(slots_[i].want);
    slots_[i].busy = false;
    Progress(false);
    if (nextOffset_ < size_) NextChunk(i);
    if (inflight_ == 0) Finish();
  }

  // --- the end: exact size, the source's mode, close, rename into place ---

  void Finish() {
    auto closeAndRename = [this]() {
      // Both descriptors are closed whatever happens next; the rename waits for both.
      auto closes = std::make_shared<int>(2);
      auto closeError = std::make_shared<int>(0);
      for (RawFile* f : {&src_file_, &dst_file_}) {
        int fd = f->Release();
        bool isDest = f == &dst_file_;
        fsPending_++;
        RunFs(uvLoop_, [fd](uv_loop_t* l, uv_fs_t* r, uv_fs_cb cb) { return uv_fs_close(l, r, fd, cb); },
              [this, closes, closeError, isDest](ssize_t rc, const uv_stat_t*) {
                fsPending_--;
                if (rc < 0 && isDest) *closeError = static_cast<int>(-rc);  // a lost write shows here
                if (--*closes > 0) return;
                if (err_ || aborted_) return MaybeCleanup();
                if (*closeError) return Fail(*closeError, "close", false);
                Rename();
              });
      }
    };
    auto chmod = [this, closeAndRename]() {
      // The mode was given at creation, less the umask; copyfile keeps the source's exactly.
      Step([this](uv_loop_t* l, uv_fs_t* r, uv_fs_cb cb) { return uv_fs_fchmod(l, r, dst_file_.fd(), mode_, cb); },
            [this, closeAndRename](ssize_t rc, const uv_stat_t*) {
              if (rc < 0) return Fail(static_cast<int>(-rc), "fchmod", false);
              closeAndRename();
            });
    };
    if ((unbuffered_ && size_ % static_cast<int64_t>(kDirectAlign) != 0) || sparse_) {  // exact size; a trailing hole
      Step([this](uv_loop_t* l, uv_fs_t* r, uv_fs_cb cb) { return uv_fs_ftruncate(l, r, dst_file_.fd(), size_, cb); },
            [this, chmod](ssize_t rc, const uv_stat_t*) {
              if (rc < 0) return Fail(static_cast<int>(-rc), "ftruncate", false);
              chmod();
            });
    } else {
      chmod();
    }
  }

  void Rename() {
    std::string from = temp_, to = dest_;
    bool exclusive = exclusive_;
    fsPending_++;
    RunWork(uvLoop_, [from, to, exclusive]() { return exclusive ? RenameNoReplace(from.c_str(), to.c_str()) : (rename(from.c_str(), to.c_str()) == 0 ? 0 : -errno); },
            [this](int rc) {
              fsPending_--;
              if (rc == 0) {
                // In place: an abort that came while the rename ran is too late (the copy is whole).
                tempCreated_ = false;
                ForgetAtExit(temp_);
                return Commit();
              }
              if (err_ || aborted_) return MaybeCleanup();
              Fail(-rc, "rename", false);
            });
  }

  // The copy is in place (or there was nothing to do): from here on it resolves, whatever an
  // abort says, even one from the final progress call. Guarded by fs-iocp
  // test/copy-file-abort.test.ts.
  void Commit() {
    committed_ = true;
    Progress(true);
    Done(0, "");
  }

  // --- failure and abort: stop the pipeline, wait for it to drain, remove the temporary file ---

  void Fail(int err, const char* syscall, bool onSource) {
    if (err_ || aborted_) return;
    err_ = err;
    errSyscall_ = syscall;
    errOnSource_ = onSource;
    StopPipeline();
  }

  Napi::Value Abort(const Napi::CallbackInfo& info) {
    if (!committed_ && !finished_ && !err_ && !aborted_) {
      aborted_ = true;
      StopPipeline();
    }
    return info.Env().Undefined();
  }

  void StopPipeline() {
    if (src_file_.fd() >= 0) loop_->CancelAll(&src_file_);
    if (dst_file_.fd() >= 0) loop_->CancelAll(&dst_file_);
    MaybeCleanup();
  }

  // Closes both files and unlinks the temporary file, then reports: the promise settles only once
  // none of the job's descriptors is open, so the space an unlinked temporary file held is free
  // when the caller sees the rejection (test/copy-file-errors.test.ts, "ENOSPC on a 1 MiB tmpfs").
  void Cleanup() {
    if (cleaning_) return;
    cleaning_ = true;
    auto left = std::make_shared<int>(1);  // this call's own share, so nothing reports before the end
    auto report = [this, left]() {
      if (--*left == 0) Done(aborted_ ? ECANCELED : err_, aborted_ ? "copyfile" : errSyscall_);
    };
    for (RawFile* f : {&src_file_, &dst_file_}) {
      int fd = f->Release();
      if (fd < 0) continue;
      fsPending_++;
      ++*left;
      RunFs(uvLoop_, [fd](uv_loop_t* l, uv_fs_t* r, uv_fs_cb cb) { return uv_fs_close(l, r, fd, cb); },
            [this, report](ssize_t, const uv_stat_t*) {
              fsPending_--;
              report();
              Settle();
            });
    }
    if (tempCreated_) {
      std::string temp = temp_;
      fsPending_++;
      ++*left;
      RunFs(uvLoop_, [temp](uv_loop_t* l, uv_fs_t* r, uv_fs_cb cb) { return uv_fs_unlink(l, r, temp.c_str(), cb); },
            [this, report](ssize_t, const uv_stat_t*) {
              fsPending_--;
              tempCreated_ = false;
              ForgetAtExit(temp_);
              report();
            });
    }
    report();
  }

  // --- JavaScript: progress (throttled) and the one completion call ---

  static int64_t Now() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch()).count();
  }

  // Every 50 ms while copying, and once when the copy is in place (Commit). Only that final call
  // reports copied == total, so a caller that sees the whole size knows the copy has resolved.
  void Progress(bool final) {
    if (onProgress_.IsEmpty() || tornDown_) return;
    int64_t now = Now();
    if (!final && (copied_ >= size_ || now - lastProgress_ < kProgressEveryMs)) return;
    lastProgress_ = now;
    Napi::Env env = Env();
    Napi::HandleScope scope(env);
    CallIntoJs(env, onProgress_, env.Global(), {Napi::BigInt::New(env, copied_), Napi::BigInt::New(env, size_)}, *context_);
  }

  // onDone(errno, syscall, onSource, bytes): errno 0 on success.
  void Done(int err, const char* syscall) {
    if (finished_) return;
    finished_ = true;
    Napi::FunctionReference cb = std::move(onDone_);
    if (!tornDown_) {
      Napi::Env env = Env();
      Napi::HandleScope scope(env);
      CallIntoJs(env, cb, env.Global(),
                 {Napi::Number::New(env, err), Napi::String::New(env, syscall), Napi::Boolean::New(env, errOnSource_),
                  Napi::BigInt::New(env, copied_)},
                 *context_);
    }
    onProgress_.Reset();
    Settle();
  }

  // Once onDone has been called (or skipped) and no filesystem call of the job runs: the job no
  // longer needs its environment, and may be collected.
  void Settle() {
    if (settled_ || !finished_ || fsPending_ != 0) return;
    settled_ = true;
    teardown_.Release();
    Unref();
  }

  // The environment ends with the copy unfinished: an abort that calls no JavaScript. Runs before
  // the IoLoop's own cleanup hook, which frees the engine and every operation still in it without
  // telling their sinks: so they count as done here. The filesystem calls still running finish
  // (Node keeps the loop turning until Settle), and the clean-up closes the files and removes the
  // temporary one.
  static void OnTeardown(void* job) {
    auto* self = static_cast<FileCopyJob*>(job);
    self->tornDown_ = true;
    if (self->finished_) return self->Settle();
    self->aborted_ = true;
    if (IoLoop::IfCreated(self->Env()) == self->loop_) self->StopPipeline();
    self->inflight_ = 0;
    self->MaybeCleanup();
  }

  std::string src_, dest_, temp_;
  size_t bufferSize_ = 64 * 1024;
  int depth_ = 4;
  bool unbuffered_ = false;
  bool exclusive_ = false;
  int mode_ = 0644;
  int64_t size_ = 0;
  int64_t nextOffset_ = 0;
  int64_t copied_ = 0;
  int inflight_ = 0;   // reads and writes on the engine
  int fsPending_ = 0;  // filesystem calls of the chain on the threadpool
  int err_ = 0;
  const char* errSyscall_ = "";
  bool errOnSource_ = false;
  bool aborted_ = false;
  bool cleaning_ = false;
  bool committed_ = false;  // the copy is in place: see Commit()
  bool finished_ = false;
  bool tornDown_ = false;  // the environment ended: no JavaScript, no engine (OnTeardown)
  bool settled_ = false;
  bool tempCreated_ = false;
  bool sparse_ = false;
  uint64_t srcDev_ = 0;
  uint64_t srcIno_ = 0;
  int64_t lastProgress_ = 0;
  RawFile src_file_;
  RawFile dst_file_;
  std::vector<Slot> slots_;
  std::vector<uint8_t*> buffers_;
  IoLoop* loop_ = nullptr;
  uv_loop_t* uvLoop_ = nullptr;
  Napi::FunctionReference onProgress_;
  Napi::FunctionReference onDone_;
  std::unique_ptr<Napi::AsyncContext> context_;
  TeardownWait teardown_;
};

}  // namespace

void DefineFileCopy(Napi::Env env, Napi::Object exports) { exports.Set("FileCopyJob", FileCopyJob::Define(env)); }

}  // namespace wsm
