// The copiers in environments that end mid-copy (test/fixtures/teardown-copy-child.mjs): a Worker
// terminated while it copies a large file or tree, then the child's main thread calling
// process.exit(0) at the same point. Each child must exit 0 with nothing on stderr (the sanitizer
// reports there under scripts/asan-test.sh), the Worker must leave no descriptor open in its
// process, and neither destination may hold a partial file under its final name or a temporary
// file. Without the copiers' teardown a terminated Worker's copy aborts the process (its loop
// closed with the copier's handles and threadpool calls open) or leaves `<dest>.wsm-*.tmp`.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterEach, describe, expect, it } from 'vitest'
import { CHILD_MS, describeRun, expectClean, runChild } from './helpers/child-run.js'
import { expectNoFdLeaks } from './helpers/fds.js'

const CHILD = fileURLToPath(new URL('./fixtures/teardown-copy-child.mjs', import.meta.url))
const roots: string[] = []

expectNoFdLeaks()
afterEach(() => {
  for (const r of roots.splice(0)) rmSync(r, { recursive: true, force: true })
})

describe.each([
  ['pipeline', 'copyFileIocp of a 512 MiB file'],
  ['kernel-files', 'copyFilesKernel of a 512 MiB file and 120 small ones'],
  ['kernel-tree', "openKernelCopier({ fresh }).addTree of a tree (fs-iocp cp's way)"],
])('%s: %s, ended mid-copy', (scenario) => {
  it('a terminated Worker leaves no descriptor and nothing partial; process.exit(0) mid-copy exits 0 and leaves nothing partial', async () => {
    const root = mkdtempSync(join(tmpdir(), 'wsm-teardown-copy-'))
    roots.push(root)
    const run = await runChild(CHILD, [scenario, root])
    expect(run.report, describeRun(run)).toEqual({
      scenario,
      worker: { workerExit: 1, leaked: [], gone: [], midCopy: true, leftovers: [] }, // a terminated Worker exits with 1
      main: { dest: join(root, 'main'), midCopy: true },
    })
    expectClean(run)
    const check = await runChild(CHILD, ['check', root])
    expect(check.report).toEqual({ leftovers: [] })
  }, 2 * CHILD_MS + 5000)
})
