// cp's ERR_FS_CP_* errors beyond the fields test/cp-node-compat.test.ts compares: the stack's
// header, toString, and which properties are enumerable, as on Node's own SystemError.
import { promises as fsp, mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { cp } from '../src/index.js'
import { rejection } from './helpers/errors.js'
import { tempDir } from './helpers/files.js'

const dir = tempDir()

describe('cp: ERR_FS_CP_* errors look like Node SystemErrors', () => {
  const src = join(dir, 's')
  mkdirSync(join(src, 'a'), { recursive: true })

  // The stack's header is compared with plain Node's (probed there: vitest formats Node's own without the code).
  it('same toString and enumerable keys as fs.promises.cp; the stack headed as in plain Node', async () => {
    const ours = (await rejection(() => cp(src, join(src, 'a')))) as Error
    const node = (await rejection(() => fsp.cp(src, join(src, 'a'), { recursive: true }))) as Error
    expect(ours.stack?.split('\n')[0]).toMatch(/^SystemError \[ERR_FS_CP_EINVAL\]: Invalid src or dest: cp returned EINVAL/)
    expect(String(ours)).toBe(String(node))
    expect(Object.keys(ours)).toEqual(Object.keys(node))
    expect(ours.name).toBe('SystemError')
    expect(ours).toBeInstanceOf(Error)
  })
})
