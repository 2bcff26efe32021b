#!/usr/bin/env bash
# Checks that the linux-x64 prebuild of an installed @wsm/core-native loads wherever Node 20 runs:
# glibc 2.28 and newer (RHEL 8, Ubuntu 20.04, Debian 11), with whatever libstdc++ the system has.
#
#   prebuild-portability.sh APP_DIR    APP_DIR/node_modules/@wsm/core-native is the installed tarball
#
# 1. The gate (fatal): the prebuild may need no glibc symbol version newer than GLIBC_2.28 and no
#    shared libstdc++ (no GLIBCXX_/CXXABI_ version, no libstdc++.so NEEDED). Prints the newest
#    glibc version it needs, and the symbols that break the rule.
# 2. The proof where it can be had: the package is driven (sockets, select, files, both copiers,
#    an error thrown from C++) under Debian 11's glibc 2.31 and libstdc++ (older than the 2.32-2.36
#    symbols a plain build picks up), fetched with apt into scripts/wsm-cache-dir.sh. Fatal
#    when it runs and fails; reported, not fatal, when those packages cannot be fetched, since the
#    gate above is the rule.
set -euo pipefail
max_glibc=2.28
app=$(cd "$1" && pwd)
pkg="$app/node_modules/@wsm/core-native"
node_file=$(ls "$pkg"/prebuilds/linux-x64/*.node)

command -v readelf >/dev/null && command -v objdump >/dev/null || { echo "prebuild-portability: readelf/objdump missing (apt-get install binutils)"; exit 1; }

# --- 1. the symbol gate -----------------------------------------------------------------------
needed=$(readelf -d "$node_file" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' | tr '\n' ' ')
versions=$(readelf -V --wide "$node_file" | sed -n 's/.*Name: \([A-Z_]*[0-9][0-9.]*\).*/\1/p' | sort -uV)
newest=$(grep '^GLIBC_[0-9]' <<<"$versions" | sed 's/^GLIBC_//' | sort -V | tail -1)
echo "prebuild-portability: $(basename "$node_file") needs glibc >= $newest (allowed: $max_glibc); libraries: $needed"
status=0
if [ "$(printf '%s\n%s\n' "$newest" "$max_glibc" | sort -V | tail -1)" != "$max_glibc" ]; then
  echo "prebuild-portability: needs glibc newer than $max_glibc, through these symbols:"
  objdump -T "$node_file" | awk -v max="$max_glibc" '
    match($0, /\(GLIBC_[0-9.]+\)/) {
      v = substr($0, RSTART + 7, RLENGTH - 8); split(v, a, "."); split(max, m, ".")
      if (a[1] > m[1] || (a[1] == m[1] && a[2] + 0 > m[2] + 0)) print "  " $NF " (GLIBC_" v ")"
    }'
  echo "  (give each a wrapper in packages/core-native/src/os/linux/glibc_compat.cc)"
  status=1
fi
if grep -q 'libstdc++' <<<"$needed" || grep -qE '^(GLIBCXX|CXXABI)_' <<<"$versions"; then
  echo "prebuild-portability: needs the shared libstdc++ ($(grep -E '^(GLIBCXX|CXXABI)_' <<<"$versions" | tail -2 | tr '\n' ' ')); the prebuild must link it statically"
  status=1
fi
[ "$status" = 0 ] || exit 1

# --- 2. a run under glibc 2.31 --------------------------------------------------------------------
cache=$(bash "$(dirname "$0")/wsm-cache-dir.sh")
sysroot="$cache/glibc-2.31"
if [ ! -x "$sysroot/lib/x86_64-linux-gnu/ld-2.31.so" ]; then
  # A private apt state in a scratch dir, renamed into place when complete: the machine's own
  # sources and package lists are left as they are, and a run sharing the cache never sees half.
  tmp=$(mktemp -d "$cache/.glibc-2.31.XXXXXX")
  mkdir -p "$tmp"/{lists/partial,archives/partial,root} && touch "$tmp/status"
  echo 'deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian bullseye main' >"$tmp/sources.list"
  apt_opts=(-o "Dir::Etc::SourceList=$tmp/sources.list" -o Dir::Etc::SourceParts=/nonexistent
    -o "Dir::State::Lists=$tmp/lists" -o "Dir::State::status=$tmp/status" -o "Dir::Cache=$tmp"
    -o APT::Sandbox::User=root -o Debug::NoLocking=1 -qq)
  if ! { apt-get "${apt_opts[@]}" update && (cd "$tmp" && apt-get "${apt_opts[@]}" download libc6 libstdc++6 libgcc-s1); } >"$cache/glibc-2.31.log" 2>&1; then
    rm -rf "$tmp"
    echo "prebuild-portability: glibc 2.31 run NOT done: Debian 11's libc6 could not be fetched (see $cache/glibc-2.31.log); the symbol gate passed"
    exit 0
  fi
  for deb in "$tmp"/*.deb; do dpkg-deb -x "$deb" "$tmp/root"; done
  mv -T "$tmp/root" "$sysroot" 2>/dev/null || [ -x "$sysroot/lib/x86_64-linux-gnu/ld-2.31.so" ]
  rm -rf "$tmp" "$cache/glibc-2.31.log"
fi

cat >"$app/portable-smoke.mjs" <<'JS'
import { mkdtempSync, writeFileSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Socket, FdSet, select, FileHandle, copyFileIocp, copyFilesKernel, backend, WsmError } from '@wsm/core-native'

const listener = Socket.tcp()
listener.bind(0, '127.0.0.1')
listener.listen()
const client = Socket.tcp()
client.connect(listener.localPort, '127.0.0.1')
if ((await select({ read: new FdSet([listener]) }, 2000)) !== 1) throw new Error('listener not readable')
const peer = listener.accept()
for (const s of [peer, client, listener]) s.close()

const dir = mkdtempSync(join(tmpdir(), 'wsm-portable-'))
try {
  const data = Buffer.alloc(300_000, 7)
  writeFileSync(join(dir, 'a'), data)
  const f = FileHandle.open(join(dir, 'a'), { read: true })
  if (f.size() !== BigInt(data.length)) throw new Error(`size ${f.size()}`)
  f.close()
  await copyFileIocp(join(dir, 'a'), join(dir, 'b'))
  await copyFilesKernel([[join(dir, 'a'), join(dir, 'c')]])
  for (const name of ['b', 'c']) if (!readFileSync(join(dir, name)).equals(data)) throw new Error(`copy ${name} differs`)
  let code
  try { FileHandle.open(join(dir, 'missing'), { read: true }) } catch (e) { code = e instanceof WsmError && e.code }
  if (code !== 'ENOENT') throw new Error(`expected ENOENT, got ${code}`)
} finally {
  rmSync(dir, { recursive: true, force: true })
}
console.log(`prebuild-portability: ran under glibc ${process.report.getReport().header.glibcVersionRuntime} (backend ${backend()}): sockets, select, FileHandle, both copiers, a WsmError`)
JS
libs="$sysroot/lib/x86_64-linux-gnu:$sysroot/usr/lib/x86_64-linux-gnu"
(cd "$app" && "$sysroot/lib/x86_64-linux-gnu/ld-2.31.so" --library-path "$libs" "$(command -v node)" portable-smoke.mjs)
