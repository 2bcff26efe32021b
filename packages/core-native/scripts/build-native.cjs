#!/usr/bin/env node
// Builds the addon with node-gyp, handing it Node's headers when they are installed beside Node.
//
// npm passes its `nodedir` config to node-gyp; pnpm does not, and where headers cannot be
// downloaded node-gyp then fails. So we ask npm for it ourselves. Where nodedir is unset, node-gyp
// downloads headers as usual.
//
//   --if-missing   (the package's install script) do nothing if a prebuilt or built addon loads
//   --sanitize     AddressSanitizer + UBSan build into build/ (see scripts/asan-test.sh at the root)
//   --prebuildify  stripped N-API prebuild into prebuilds/<platform>-<arch>/; on linux-x64 with
//                  glibc it is the portable build (binding.gyp `wsm_portable`): libstdc++ linked
//                  in, no glibc symbol newer than 2.28, so it loads wherever Node 20 runs
'use strict'
const { execFileSync, spawnSync } = require('node:child_process')
const fs = require('node:fs')
const path = require('node:path')

const root = path.join(__dirname, '..')
const args = new Set(process.argv.slice(2))

function addonLoads() {
  try {
    require('node-gyp-build')(root)
    return true
  } catch {
    return false
  }
}

function hasHeaders(dir) {
  return Boolean(dir) && fs.existsSync(path.join(dir, 'include', 'node', 'node_api.h'))
}

function findNodedir() {
  const candidates = [process.env.npm_config_nodedir]
  try {
    candidates.push(execFileSync('npm', ['config', 'get', 'nodedir'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim())
  } catch {
    // no npm on PATH: fall through to the headers that ship beside this very node binary
  }
  candidates.push(path.resolve(process.execPath, '..', '..'))
  return candidates.find(hasHeaders)
}

function nodeGypCommand() {
  // Inside npm's lifecycle, npm names its bundled node-gyp; in the workspace it is a devDependency.
  if (process.env.npm_config_node_gyp && fs.existsSync(process.env.npm_config_node_gyp)) {
    return [process.execPath, process.env.npm_config_node_gyp]
  }
  try {
    return [process.execPath, require.resolve('node-gyp/bin/node-gyp.js', { paths: [root] })]
  } catch {
    return ['node-gyp']
  }
}

function run(cmd, argv, env) {
  const [bin, ...pre] = cmd
  const r = spawnSync(bin, [...pre, ...argv], { cwd: root, stdio: 'inherit', env })
  if (r.status !== 0) process.exit(r.status ?? 1)
}

if (args.has('--if-missing') && addonLoads()) process.exit(0)

const nodedir = findNodedir()
const env = { ...process.env }
if (nodedir) env.npm_config_nodedir = nodedir
const gypFlags = nodedir ? [`--nodedir=${nodedir}`] : []

// The portable link (src/os/linux/glibc_compat.cc) knows x86_64 glibc only; elsewhere the
// prebuild is the plain build, which loads on the build machine's libc and newer.
function portableTarget() {
  return process.platform === 'linux' && process.arch === 'x64' && Boolean(process.report?.getReport().header.glibcVersionRuntime)
}

if (args.has('--prebuildify')) {
  const prebuildify = require.resolve('prebuildify/bin.js', { paths: [root] })
  // gyp reads variables from GYP_DEFINES; prebuildify runs node-gyp itself, so this is the way in.
  if (portableTarget()) env.GYP_DEFINES = [process.env.GYP_DEFINES, 'wsm_portable=1'].filter(Boolean).join(' ')
  // --tag-libc names the libc in the file (…glibc.node): node-gyp-build then never offers it on
  // musl (Alpine), where the install script builds from source instead.
  const tagLibc = process.platform === 'linux' ? ['--tag-libc'] : []
  run([process.execPath, prebuildify], ['--napi', '--strip', ...tagLibc], env)
} else {
  const node_gyp = nodeGypCommand()
  const sanitize = args.has('--sanitize') ? ['--', '-Dwsm_sanitize=1'] : []
  // configure each time (cheap), build incrementally: make only recompiles what changed.
  run(node_gyp, ['configure', ...gypFlags, ...sanitize], env)
  run(node_gyp, ['build', ...gypFlags, '-j', 'max'], env)
}
