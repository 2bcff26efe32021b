#!/usr/bin/env bash
# Runs the @wsm/core-native suite against an AddressSanitizer + UBSan build of the addon, under
# each Linux engine. Node itself is not instrumented, so the ASan runtime is preloaded; leak
# checking is off because V8 keeps memory to the end by design (fd leaks are counted by the tests).
# The normal build is restored afterwards, whatever happens.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
pkg="$root/packages/core-native"
cd "$pkg"

restore() { node scripts/build-native.cjs >/dev/null 2>&1 || echo "asan-test: could not restore the normal build" >&2; }
trap restore EXIT

echo "asan-test: building the addon with -fsanitize=address,undefined"
node scripts/build-native.cjs --sanitize >/dev/null
asan=$(g++ -print-file-name=libasan.so)
[ -f "$asan" ] || { echo "asan-test: libasan.so not found (g++ -print-file-name)"; exit 1; }

run() {
  LD_PRELOAD="$asan" \
  ASAN_OPTIONS=detect_leaks=0:abort_on_error=1:halt_on_error=1:detect_stack_use_after_return=0 \
  UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
  "$@"
}

status=0
for engine in io_uring epoll; do
  echo "asan-test: core suite, WSM_BACKEND=$engine"
  # drivers-lifetime and socket-unref only watch child processes exit or stay up (ref/unref), at
  # ASan's start-up cost per child; the Node 20 runs cover them on both engines. receive-page-faults
  # counts the page faults of glibc's allocator, which ASan's replaces (its quarantine hands out
  # fresh memory).
  WSM_BACKEND=$engine run pnpm exec vitest run --exclude '**/drivers-lifetime.test.ts' --exclude '**/socket-unref.test.ts' \
    --exclude '**/receive-page-faults.test.ts' || status=1
  # The copiers' native code is driven by @wsm/fs-iocp's suite, which loads this same addon. Its
  # CLI tests start the CLI as child processes (half a minute under ASan per engine) to check
  # arguments, output and signals: the copies they make go through the calls the other files make.
  echo "asan-test: @wsm/fs-iocp suite, WSM_BACKEND=$engine"
  (cd "$root/packages/fs-iocp" && WSM_BACKEND=$engine run pnpm exec vitest run --exclude '**/cli*.test.ts') || status=1
done
exit $status
