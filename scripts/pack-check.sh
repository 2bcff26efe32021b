#!/usr/bin/env bash
# Packs @wsm/core-native as it would be published (dist/ + a stripped N-API prebuild) and installs
# the tarball with plain npm in a blank project outside the workspace, then runs select() there
# from both ESM and CommonJS. Catches what a workspace hides: missing `files`, a loader that only
# resolves inside the repo, types or exports that point nowhere. Then the packed prebuild's glibc
# and libstdc++ needs are checked against what Node 20 supports (scripts/prebuild-portability.sh).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cd "$root/packages/core-native"
pnpm run --silent prebuilds >/dev/null 2>&1 || { echo "pack-check: prebuildify failed"; pnpm run prebuilds; exit 1; }
pnpm exec tsup >/dev/null
pnpm pack --pack-destination "$work" >/dev/null
tarball=$(ls "$work"/*.tgz)
contents=$(tar tzf "$tarball")
echo "pack-check: packed $(basename "$tarball") ($(wc -l <<<"$contents") files)"
grep -q 'package/prebuilds/linux-x64/.*\.node$' <<<"$contents" || { echo "pack-check: no prebuild in the tarball"; exit 1; }
grep -q 'package/dist/index.d.cts$' <<<"$contents" || { echo "pack-check: no CJS types in the tarball"; exit 1; }

mkdir "$work/app"
cd "$work/app"
npm init -y >/dev/null
npm install --no-audit --no-fund --loglevel=error "$tarball" >/dev/null

cat > check.mjs <<'JS'
import { Socket, FdSet, select, backend } from '@wsm/core-native'
const listener = Socket.tcp()
listener.bind(0, '127.0.0.1')
listener.listen()
const client = Socket.tcp()
client.connect(listener.localPort, '127.0.0.1')
const write = new FdSet([client])
const n = await select({ write }, 2000)
if (n !== 1 || !write.has(client)) throw new Error(`select returned ${n}`)
const read = new FdSet([listener])
if ((await select({ read }, 2000)) !== 1) throw new Error('listener not readable')
const peer = listener.accept()
client.send(Buffer.from('ping'))
await select({ read: new FdSet([peer]) }, 2000)
const buf = Buffer.alloc(8)
const got = buf.subarray(0, peer.recv(buf)).toString()
if (got !== 'ping') throw new Error(`received ${got}`)
for (const s of [peer, client, listener]) s.close()
console.log(`pack-check: ESM import works (backend ${backend()})`)
JS
node check.mjs

cat > check.cjs <<'JS'
const { Socket, FdSet, select } = require('@wsm/core-native')
const s = Socket.tcp()
select({ read: new FdSet([s]) }, 0).then((n) => {
  if (n !== 0) throw new Error('a never-connected socket must not be readable')
  s.close()
  console.log('pack-check: CommonJS require works')
})
JS
node check.cjs

# --- portable prebuild: glibc >= 2.28, no shared libstdc++ (scripts/prebuild-portability.sh) ----
bash "$root/scripts/prebuild-portability.sh" "$work/app"

# --- @wsm/fs-iocp and its bin, wsm-copy (kept apart from the core's checks above) ---
# Packs @wsm/fs-iocp beside the core's tarball, installs the two with plain npm in a blank project,
# and runs the CLI from there as a user would: `npx wsm-copy --help`, `npx @wsm/fs-iocp --version`,
# a file and a tree copied and compared, and a refused copy's exit status. Catches a bin left out of
# `files`, a missing shebang or dependency (cli-progress), a self-import that does not resolve.
# `npx --no --`: never fetch a namesake from the registry, and hand every flag after it to the bin.
check_fs_iocp_cli() {
  local core_tarball fs_tarball contents status
  core_tarball=$(ls "$work"/wsm-core-native-*.tgz)
  cd "$root/packages/fs-iocp"
  pnpm exec tsup >/dev/null
  pnpm pack --pack-destination "$work" >/dev/null
  fs_tarball=$(ls "$work"/wsm-fs-iocp-*.tgz)
  contents=$(tar tzf "$fs_tarball")
  echo "pack-check: packed $(basename "$fs_tarball") ($(wc -l <<<"$contents") files)"
  grep -q '^package/dist/cli.js$' <<<"$contents" || { echo "pack-check: no dist/cli.js (the wsm-copy bin) in the tarball"; exit 1; }

  mkdir "$work/cli-app"
  cd "$work/cli-app"
  npm init -y >/dev/null
  npm install --no-audit --no-fund --loglevel=error "$core_tarball" "$fs_tarball" >/dev/null

  npx --no -- wsm-copy --help | grep -q '^usage: wsm-copy' || { echo "pack-check: npx wsm-copy --help printed no usage"; exit 1; }
  npx --no -- @wsm/fs-iocp --version | grep -q '^wsm-copy (@wsm/fs-iocp) ' || { echo "pack-check: npx @wsm/fs-iocp --version failed"; exit 1; }
  head -c 3000001 /dev/urandom > src.bin
  mkdir -p tree/sub && echo one > tree/one && head -c 70000 /dev/urandom > tree/sub/two && ln -s two tree/sub/link
  npx --no -- wsm-copy -q src.bin copy.bin && cmp src.bin copy.bin || { echo "pack-check: wsm-copy copied a file wrong"; exit 1; }
  npx --no -- wsm-copy -q -r tree tree-copy && diff -r --no-dereference tree tree-copy || { echo "pack-check: wsm-copy -r copied a tree wrong"; exit 1; }
  status=0
  npx --no -- wsm-copy -n src.bin copy.bin 2>/dev/null || status=$?
  [ "$status" -eq 1 ] || { echo "pack-check: wsm-copy -n onto a file exited $status, not 1"; exit 1; }
  echo "pack-check: wsm-copy runs from the installed tarballs (npx wsm-copy, npx @wsm/fs-iocp)"
}
check_fs_iocp_cli
