// Linked only into the portable linux-x64 prebuild (binding.gyp `wsm_portable=1`, set by
// `scripts/build-native.cjs --prebuildify`): it lets an addon compiled against a new glibc
// load on glibc 2.28, the oldest glibc Node 20 supports. A from-source build never sees it.
//
// The rule: the prebuild may reference no glibc symbol version newer than GLIBC_2.28 and no
// libstdc++ at all (it links libstdc++ statically). `scripts/pack-check.sh` enforces that on
// the packed prebuild and names any symbol that breaks it; add it here when it does.
//
// Why link-time redirection and not a forced-include header: most of the new symbols are
// referenced from libstdc++.a's precompiled objects (random_device, std::call_once, the
// shared_ptr refcounts), which no header of ours reaches. binding.gyp passes
// `-Wl,--wrap=NAME` for each function below, so every reference in the link, ours or
// libstdc++.a's, lands on `__wrap_NAME`; the data symbol is defined here, hidden, which
// the linker prefers over libc's.
#include <cerrno>
#include <cstdint>
#include <cstdlib>

#include <fcntl.h>
#include <pthread.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#if !defined(__linux__) || !defined(__x86_64__) || !defined(__GLIBC__)
#error "glibc_compat.cc is for the linux-x64 glibc prebuild only"
#endif

#define WSM_HIDDEN __attribute__((visibility("hidden")))

// glibc 2.32 exports `__libc_single_threaded`, which libstdc++ reads to skip atomic
// refcounts. Our own hidden definition, never set, means "not known to be single
// threaded", so libstdc++ always uses atomics: the correct answer inside Node anyway.
extern "C" {
WSM_HIDDEN char __libc_single_threaded = 0;
}

// stat, fstat and fstatat became exported functions (stat64@GLIBC_2.33 with
// _FILE_OFFSET_BITS=64); before 2.33 they were inline wrappers in libc_nonshared.a. On
// x86_64 the kernel's `struct stat` is glibc's, so the system calls are what glibc 2.33
// itself does, and set errno the same way through syscall(2).
static_assert(sizeof(struct stat) == 144, "x86_64 struct stat matches the kernel's");

extern "C" WSM_HIDDEN int __wrap_stat64(const char* path, struct stat* buf) {
  return static_cast<int>(syscall(SYS_newfstatat, AT_FDCWD, path, buf, 0));
}

extern "C" WSM_HIDDEN int __wrap_fstat64(int fd, struct stat* buf) {
  return static_cast<int>(syscall(SYS_fstat, fd, buf));
}

extern "C" WSM_HIDDEN int __wrap_fstatat64(int dirfd, const char* path, struct stat* buf, int flags) {
  return static_cast<int>(syscall(SYS_newfstatat, dirfd, path, buf, flags));
}

// pthread_once and pthread_key_create moved from libpthread into libc in glibc 2.34 under
// new versions; the GLIBC_2.2.5 versions are the same functions, in libpthread.so.0 before
// 2.34 (binding.gyp adds it as NEEDED) and as compatibility symbols in libc after.
extern "C" int wsm_pthread_once_225(pthread_once_t*, void (*)());
extern "C" int wsm_pthread_key_create_225(pthread_key_t*, void (*)(void*));
__asm__(".symver wsm_pthread_once_225, pthread_once@GLIBC_2.2.5");
__asm__(".symver wsm_pthread_key_create_225, __pthread_key_create@GLIBC_2.2.5");

extern "C" WSM_HIDDEN int __wrap_pthread_once(pthread_once_t* once, void (*init)()) {
  return wsm_pthread_once_225(once, init);
}

extern "C" WSM_HIDDEN int __wrap___pthread_key_create(pthread_key_t* key, void (*destructor)(void*)) {
  return wsm_pthread_key_create_225(key, destructor);
}

// arc4random (glibc 2.36) is std::random_device's default source when libstdc++ was built
// against a glibc that has it. getrandom(2) (Linux 3.17) is where arc4random gets its bytes;
// like arc4random, it cannot fail short of an unsupported kernel, which then aborts.
extern "C" WSM_HIDDEN uint32_t __wrap_arc4random() {
  uint32_t value;
  for (;;) {
    long got = syscall(SYS_getrandom, &value, sizeof value, 0);
    if (got == static_cast<long>(sizeof value)) return value;
    if (got < 0 && errno != EINTR) abort();
  }
}
