// A copy SIGKILLed midway leaves its `<dest>.wsm-<pid>-<hex>.tmp`. The next copy that writes into
// that directory removes such files whose process is gone and which no one has touched for a
// minute; it leaves everything else: live processes' files, fresh ones, other names, directories.
import { spawnSync } from 'node:child_process'
import { mkdirSync, utimesSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { copyFile, copyFiles, cp } from '../src/index.js'
import { entries, tempDir } from './helpers/files.js'

const dir = tempDir()
const src = join(dir, 'src')
writeFileSync(src, 'content')

/** The pid of a process that has exited (and been reaped): no process has it now. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', ''])
  expect(child.status).toBe(0)
  return child.pid!
}

const MINUTES_AGO = Date.now() / 1000 - 5 * 60

/** Leftover-like entries in `here`; returns the names the sweep must remove (the rest must stay). */
function plantLeftovers(here: string): string[] {
  const dead = deadPid()
  const old = (name: string, isDir = false) => {
    const path = join(here, name)
    if (isDir) mkdirSync(path)
    else writeFileSync(path, 'partial')
    utimesSync(path, MINUTES_AGO, MINUTES_AGO)
    return name
  }
  const gone = [old(`dest.wsm-${dead}-0123abcd.tmp`), old(`${'é'.repeat(100)}.wsm-${dead}-ffffffff.tmp`)]
  old(`mine.wsm-${process.pid}-0123abcd.tmp`) // this process: alive
  old(`parent.wsm-${process.ppid}-0123abcd.tmp`) // another live process
  writeFileSync(join(here, `fresh.wsm-${dead}-0123abcd.tmp`), 'modified just now') // maybe another pid namespace's live copy
  old(`.tree.wsm-${dead}-0123abcd.tmp`, true) // a directory (cp's temporary tree): not ours to sweep here
  old(`upper.wsm-${dead}-0123ABCD.tmp`) // not our exact pattern
  old(`short.wsm-${dead}-0123abc.tmp`)
  old(`suffixed.wsm-${dead}-0123abcd.tmp.bak`)
  old(`nopid.wsm--0123abcd.tmp`)
  old(`dest.wsm-x${dead}-0123abcd.tmp`)
  return gone
}

let n = 0
function freshDir(): string {
  const here = join(dir, `d${n++}`)
  mkdirSync(here)
  return here
}

describe('leftovers of dead processes are removed by the next copy into their directory', () => {
  const copies: Array<[string, (here: string) => Promise<unknown>]> = [
    ['copyFile, auto', (here) => copyFile(src, join(here, 'dest'))],
    ["copyFile, strategy 'kernel'", (here) => copyFile(src, join(here, 'dest'), { strategy: 'kernel' })],
    ["copyFile, strategy 'iocp'", (here) => copyFile(src, join(here, 'dest'), { strategy: 'iocp' })],
    ['copyFile, unbuffered', (here) => copyFile(src, join(here, 'dest'), { unbuffered: true })],
    ['copyFiles', (here) => copyFiles([[src, join(here, 'dest')]])],
    ['cp of a file', (here) => cp(src, join(here, 'dest'))],
  ]

  it.each(copies)('%s', async (_, copy) => {
    const here = freshDir()
    const before = entries(here)
    const gone = plantLeftovers(here)
    const planted = entries(here).filter((e) => !before.includes(e))
    await copy(here)
    expect(entries(here)).toEqual([...planted.filter((e) => !gone.includes(e)), 'dest'].sort())
  })

  it('cp merging a tree into an existing directory sweeps each directory it writes files into', async () => {
    const tree = join(dir, 'tree')
    mkdirSync(join(tree, 'sub'), { recursive: true })
    writeFileSync(join(tree, 'a'), 'a')
    writeFileSync(join(tree, 'sub', 'b'), 'b')
    const out = freshDir()
    mkdirSync(join(out, 'sub'))
    const goneTop = plantLeftovers(out)
    const goneSub = plantLeftovers(join(out, 'sub'))
    await cp(tree, out)
    for (const name of goneTop) expect(entries(out)).not.toContain(name)
    for (const name of goneSub) expect(entries(join(out, 'sub'))).not.toContain(name)
    expect(entries(out)).toContain(`mine.wsm-${process.pid}-0123abcd.tmp`)
  })

  it('a directory is swept once per process: a leftover planted after its first copy stays', async () => {
    const here = freshDir()
    await copyFile(src, join(here, 'dest'))
    const gone = plantLeftovers(here)
    await copyFile(src, join(here, 'dest'), { strategy: 'iocp' })
    await copyFile(src, join(here, 'dest'), { strategy: 'kernel' })
    for (const name of gone) expect(entries(here)).toContain(name)
  })
})
