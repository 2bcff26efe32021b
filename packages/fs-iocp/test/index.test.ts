import { execFileSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import * as entry from '../src/index.js'

// A name added without updating this list fails here.
const expected = ['constants', 'copyFile', 'copyFiles', 'cp']

describe('@wsm/fs-iocp entry point', () => {
  it('exports exactly the expected names', () => {
    expect(Object.keys(entry).sort()).toEqual(expected)
  })

  it('loads from the built package through both export conditions', () => {
    // A separate Node process resolves '@wsm/fs-iocp' as a user would: by name, through "exports".
    const script = [
      "import { createRequire } from 'node:module'",
      "const esm = await import('@wsm/fs-iocp')",
      "const cjs = createRequire(import.meta.url)('@wsm/fs-iocp')",
      'console.log(JSON.stringify({ esm: Object.keys(esm).sort(), cjs: Object.keys(cjs).sort() }))',
    ].join('\n')
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
      cwd: fileURLToPath(new URL('..', import.meta.url)),
      encoding: 'utf8',
    })
    expect(JSON.parse(out)).toEqual({ esm: expected, cjs: expected })
  })
})
