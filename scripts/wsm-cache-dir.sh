#!/usr/bin/env bash
# Prints (creating it) the directory that keeps what the scripts fetch outside the repository:
# Node binaries for scripts/node-matrix.sh, an old glibc for scripts/prebuild-portability.sh.
# WSM_CACHE_DIR chooses it; else /var/cache/wsm where we may write it (root, as in CI), else the
# user's cache. Not under a 0700 home when we can help it: tests run the cached Node as uid 65534
# (fs-iocp's copy-file-errors.test.ts), which must be able to reach it.
set -euo pipefail
if [ -n "${WSM_CACHE_DIR:-}" ]; then
  dir=$WSM_CACHE_DIR
elif mkdir -p /var/cache/wsm 2>/dev/null && [ -w /var/cache/wsm ]; then
  dir=/var/cache/wsm
else
  dir=${XDG_CACHE_HOME:-$HOME/.cache}/wsm
fi
mkdir -p "$dir"
echo "$dir"
