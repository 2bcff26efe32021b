// Which progress the CLI draws, for every mode and both kinds of stderr (the pty run itself is in
// cli-tty.test.ts, where util-linux `script` is installed).
import { describe, expect, it } from 'vitest'
import { progressStyle } from '../src/cli/progress.js'

describe('progressStyle', () => {
  it.each([
    ['auto', true, 'bar'],
    ['auto', false, 'none'],
    ['on', true, 'bar'],
    ['on', false, 'lines'],
    ['off', true, 'none'],
    ['off', false, 'none'],
  ] as const)('--progress mode %s, stderr a terminal: %s -> %s', (mode, isTTY, style) => {
    expect(progressStyle(mode, isTTY)).toBe(style)
  })
})
