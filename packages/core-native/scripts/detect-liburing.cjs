#!/usr/bin/env node
// Prints 1 when liburing (header and static library) can be built against, else 0 with a note on
// stderr: the addon then builds with the epoll engine only. binding.gyp reads the answer.
'use strict'
const fs = require('node:fs')
const { execFileSync } = require('node:child_process')

function found() {
  if (process.platform !== 'linux') return false
  if (!fs.existsSync('/usr/include/liburing.h') && !fs.existsSync('/usr/local/include/liburing.h')) return false
  try {
    // The static archive, so that a prebuilt addon needs no liburing at run time.
    const out = execFileSync('gcc', ['-print-file-name=liburing.a'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim()
    if (out && out !== 'liburing.a' && fs.existsSync(out)) return true
  } catch {
    // no gcc to ask: look in the usual places
  }
  return ['/usr/lib/x86_64-linux-gnu/liburing.a', '/usr/lib/aarch64-linux-gnu/liburing.a', '/usr/lib/liburing.a', '/usr/local/lib/liburing.a'].some((p) =>
    fs.existsSync(p),
  )
}

if (found()) {
  process.stdout.write('1')
} else {
  if (process.platform === 'linux') {
    process.stderr.write('wsm: liburing not found (apt-get install liburing-dev): building with the epoll engine only\n')
  }
  process.stdout.write('0')
}
