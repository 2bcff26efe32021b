// cp against Node's own fs.promises.cp, scenario by scenario: the same tree, the same call, the
// same outcome (resolved or rejected, the error's class, code, errno, syscall, path, info and
// message, and the tree afterwards). A difference is allowed only where the README documents it,
// and is then checked as it stands. Add scenarios to the table.
import { execFileSync } from 'node:child_process'
import { constants, mkdirSync, symlinkSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { type Outcome, type Scenario, outcomes } from './helpers/cp-compare.js'
import { tempDir } from './helpers/files.js'

const dir = tempDir('fs-iocp-cp-compat-')

const dirs = (root: string, ...paths: string[]) => {
  for (const p of paths) mkdirSync(join(root, p), { recursive: true })
}
const files = (root: string, entries: Record<string, string>) => {
  for (const [p, content] of Object.entries(entries)) {
    mkdirSync(dirname(join(root, p)), { recursive: true })
    writeFileSync(join(root, p), content)
  }
}
/** A symlink at `path`; a target starting with '/' is taken inside the root (so both roots hold the same tree). */
const link = (root: string, target: string, path: string) => symlinkSync(target.startsWith('/') ? join(root, target) : target, join(root, path))

/** Ours leaves no tree for a new destination whose copy failed; Node leaves what it had made. */
const nothingLeftOnFailure = (leftByNode: string[]) => ({
  why: 'a failed copy into a new destination leaves nothing (README: Failure semantics)',
  check: (ours: Outcome, node: Outcome) => {
    expect(ours.error).toEqual(node.error)
    const withoutLeftovers = { ...node.tree }
    for (const p of leftByNode) {
      expect(node.tree).toHaveProperty([p])
      delete withoutLeftovers[p]
    }
    expect(ours.tree).toEqual(withoutLeftovers)
  },
})

/**
 * Node 22 and later refuse an existing destination directory itself under `force: false,
 * errorOnExist: true` (EEXIST on <dest>, before looking inside); Node 20, and cp, merge into it
 * and refuse the first entry that exists. cp keeps Node 20's rule, the one `cp -n`-style merges
 * expect (README). On Node 20 these rows compare as usual.
 */
const NODE_MAJOR = Number(process.versions.node.split('.')[0])
const refusesExistingDirSince22 = (dest: string, ours: (o: Outcome) => void, treeUnchanged: Record<string, RegExp>) =>
  NODE_MAJOR < 22
    ? undefined
    : {
        why: 'Node 22+ refuses the existing destination directory itself; cp merges and refuses the first existing entry, as Node 20 (README)',
        check: (o: Outcome, node: Outcome) => {
          ours(o)
          expect(node.error).toMatchObject({ code: 'ERR_FS_CP_EEXIST', errno: 17, syscall: 'cp', path: `<root>/${dest}` })
          for (const [k, v] of Object.entries(treeUnchanged)) expect(node.tree[k]).toMatch(v)
        },
      }

/** A link copied over a file: ours replaces the file (force), Node 20's symlink() fails with EEXIST. */
const linkReplacesFile = (dest: string) => ({
  why: 'cp replaces the file with the link (force); Node 20 fails in symlink() with EEXIST (README)',
  check: (ours: Outcome, node: Outcome) => {
    expect(ours.settled).toBe('resolved')
    expect(ours.tree[dest]).toBe('link -> <root>/f')
    expect(node.error).toMatchObject({ code: 'EEXIST', syscall: 'symlink', dest: `<root>/${dest}` })
  },
})

const SCENARIOS: Scenario[] = [
  // 1. A destination inside the source, reached through a symlink, and the reverse.
  {
    name: 'dest inside src through a symlink to src (dest exists)',
    setup: (r) => (dirs(r, 's/a', 's/inside'), files(r, { 's/a/f': 'f' }), link(r, 's', 'via')),
    src: 's',
    dest: 'via/inside',
  },
  {
    name: 'dest inside src through a symlink to src (dest new)',
    setup: (r) => (dirs(r, 's/a'), files(r, { 's/a/f': 'f' }), link(r, 's', 'via')),
    src: 's',
    dest: 'via/inside',
  },
  {
    name: 'dest inside src through a symlink, below a directory that does not exist yet',
    setup: (r) => (dirs(r, 's/a'), files(r, { 's/a/f': 'f' }), link(r, 's', 'via')),
    src: 's',
    dest: 'via/new/deeper',
    differs: {
      why: 'Node stops looking at the first missing parent, makes s/new and copies s into itself; cp refuses (README)',
      check: (ours, node) => {
        expect(ours.settled).toBe('rejected')
        expect(ours.error).toMatchObject({ code: 'ERR_FS_CP_EINVAL', path: '<root>/via/new/deeper', syscall: 'cp', errno: 22 })
        expect(Object.keys(ours.tree).sort()).toEqual(['s', 's/a', 's/a/f', 'via'])
        expect(Object.keys(node.tree).some((p) => p.startsWith('s/new/deeper/'))).toBe(true)
      },
    },
  },
  { name: 'dest inside src by its path', setup: (r) => dirs(r, 's/a'), src: 's', dest: 's/a/x' },
  { name: 'dest is src', setup: (r) => dirs(r, 's/a'), src: 's', dest: 's' },
  { name: 'dest is a symlink to src', setup: (r) => (dirs(r, 's/a'), link(r, 's', 'via')), src: 's', dest: 'via' },
  { name: 'dest is a symlink to src, dereference', setup: (r) => (dirs(r, 's/a'), link(r, 's', 'via')), src: 's', dest: 'via', options: { dereference: true } },
  {
    name: 'src inside dest: its contents merged into dest',
    setup: (r) => files(r, { 'd/sub/f': 'new', 'd/f': 'old', 'd/g': 'g' }),
    src: 'd/sub',
    dest: 'd',
  },
  {
    name: 'src inside dest through a symlink',
    setup: (r) => (files(r, { 'd/sub/f': 'new', 'd/f': 'old' }), link(r, 'd', 'via')),
    src: 'via/sub',
    dest: 'd',
  },
  {
    name: 'a link over a link that points inside what it points at: ERR_FS_CP_EINVAL',
    setup: (r) => (dirs(r, 't/x/y', 'a', 'b'), link(r, '/t/x', 'a/l'), link(r, '/t/x/y', 'b/l')),
    src: 'a',
    dest: 'b',
  },
  {
    name: 'a link to a directory over a link to one of its parents: ERR_FS_CP_SYMLINK_TO_SUBDIRECTORY',
    setup: (r) => (dirs(r, 't/x/y', 'a', 'b'), link(r, '/t/x/y', 'a/l'), link(r, '/t/x', 'b/l')),
    src: 'a',
    dest: 'b',
  },
  {
    name: 'a link over a link to the same target (a tree copied over its copy) is replaced',
    setup: (r) => (dirs(r, 't/x', 'a', 'b'), link(r, '/t/x', 'a/l'), link(r, '/t/x', 'b/l')),
    src: 'a',
    dest: 'b',
    differs: {
      why: 'Node 20 refuses it as a copy into itself, a bug (nodejs/node#58468); cp replaces the link (README)',
      check: (ours, node) => {
        expect(ours.settled).toBe('resolved')
        expect(ours.tree).toEqual(node.tree)
        expect(node.error).toMatchObject({ code: 'ERR_FS_CP_EINVAL', path: '<root>/b/l' })
      },
    },
  },
  {
    name: 'a link over an unrelated link is replaced',
    setup: (r) => (dirs(r, 't/x', 't/z', 'a', 'b'), link(r, '/t/x', 'a/l'), link(r, '/t/z', 'b/l')),
    src: 'a',
    dest: 'b',
  },

  // 2. force, errorOnExist, mode, and invalid options.
  { name: 'force: false keeps an existing file', setup: (r) => files(r, { 's/f': 'new', 'd/f': 'old' }), src: 's', dest: 'd', options: { force: false } },
  { name: 'force: false keeps an existing file (root)', setup: (r) => files(r, { f: 'new', g: 'old' }), src: 'f', dest: 'g', options: { force: false } },
  {
    name: 'force: false, errorOnExist: ERR_FS_CP_EEXIST',
    setup: (r) => files(r, { 's/f': 'new', 'd/f': 'old' }),
    src: 's',
    dest: 'd',
    options: { force: false, errorOnExist: true },
    differs: refusesExistingDirSince22(
      'd',
      (o) => expect(o.error).toMatchObject({ code: 'ERR_FS_CP_EEXIST', errno: 17, syscall: 'cp', path: '<root>/d/f' }),
      { 'd/f': /^file / },
    ),
  },
  { name: 'force: false, errorOnExist (root)', setup: (r) => files(r, { f: 'new', g: 'old' }), src: 'f', dest: 'g', options: { force: false, errorOnExist: true } },
  { name: 'errorOnExist alone changes nothing (force is true)', setup: (r) => files(r, { f: 'new', g: 'old' }), src: 'f', dest: 'g', options: { errorOnExist: true } },
  { name: 'force: true replaces', setup: (r) => files(r, { 's/f': 'new', 'd/f': 'old', 'd/keep': 'k' }), src: 's', dest: 'd', options: { force: true } },
  {
    name: 'force: false on an existing link keeps it',
    setup: (r) => (dirs(r, 't/x', 't/z', 'a', 'b'), link(r, '/t/x', 'a/l'), link(r, '/t/z', 'b/l')),
    src: 'a',
    dest: 'b',
    options: { force: false },
    differs: {
      why: 'Node replaces links whatever force says; cp keeps them as it keeps files (README)',
      check: (ours, node) => {
        expect([ours.settled, node.settled]).toEqual(['resolved', 'resolved'])
        expect(ours.tree['b/l']).toBe('link -> <root>/t/z')
        expect(node.tree['b/l']).toBe('link -> <root>/t/x')
      },
    },
  },
  {
    name: 'force: false, errorOnExist on an existing link',
    setup: (r) => (dirs(r, 't/x', 't/z', 'a', 'b'), link(r, '/t/x', 'a/l'), link(r, '/t/z', 'b/l')),
    src: 'a',
    dest: 'b',
    options: { force: false, errorOnExist: true },
    differs: {
      why: 'Node replaces links whatever force says; cp refuses them as it refuses files (README)',
      check: (ours, node) => {
        expect(ours.error).toMatchObject({ code: 'ERR_FS_CP_EEXIST', errno: 17, syscall: 'cp', path: '<root>/b/l' })
        expect(ours.tree['b/l']).toBe('link -> <root>/t/z')
        if (NODE_MAJOR >= 22) {
          // Node 22+ refuses the existing directory b itself (see refusesExistingDirSince22).
          expect(node.error).toMatchObject({ code: 'ERR_FS_CP_EEXIST', errno: 17, syscall: 'cp', path: '<root>/b' })
          expect(node.tree['b/l']).toBe('link -> <root>/t/z')
          return
        }
        expect(node.settled).toBe('resolved')
        expect(node.tree['b/l']).toBe('link -> <root>/t/x')
      },
    },
  },
  ...[8, -1, 1.5, Number.NaN, '1', 2 ** 31].map((mode) => ({ name: `mode: ${String(mode)}`, setup: (r: string) => files(r, { f: 'x' }), src: 'f', dest: 'g', options: { mode } })),
  { name: 'mode: null is 0', setup: (r) => files(r, { f: 'x' }), src: 'f', dest: 'g', options: { mode: null } },
  ...['dereference', 'errorOnExist', 'force', 'preserveTimestamps', 'recursive', 'verbatimSymlinks'].map((key) => ({
    name: `${key}: 'no'`,
    setup: (r: string) => files(r, { f: 'x' }),
    src: 'f',
    dest: 'g',
    options: { [key]: 'no' },
  })),
  { name: 'force first among bad booleans (Node checks them in its order)', setup: (r) => files(r, { f: 'x' }), src: 'f', dest: 'g', options: { recursive: 1, force: 1 } },
  { name: 'dereference with verbatimSymlinks', setup: (r) => files(r, { f: 'x' }), src: 'f', dest: 'g', options: { dereference: true, verbatimSymlinks: true } },
  { name: 'a bad boolean before an incompatible pair', setup: (r) => files(r, { f: 'x' }), src: 'f', dest: 'g', options: { dereference: true, verbatimSymlinks: true, force: 0 } },
  { name: 'filter not a function', setup: (r) => files(r, { f: 'x' }), src: 'f', dest: 'g', options: { filter: 1 } },
  { name: 'options null', setup: (r) => files(r, { f: 'x' }), src: 'f', dest: 'g', options: null as unknown as Record<string, unknown> },
  {
    name: 'COPYFILE_FICLONE_FORCE, one file',
    setup: (r) => files(r, { f: 'x' }),
    src: 'f',
    dest: 'g',
    options: { mode: constants.COPYFILE_FICLONE_FORCE },
  },
  {
    name: 'COPYFILE_FICLONE_FORCE, a tree into an existing directory',
    setup: (r) => (files(r, { 's/f': 'x' }), dirs(r, 'd')),
    src: 's',
    dest: 'd',
    options: { mode: constants.COPYFILE_FICLONE_FORCE },
  },
  {
    name: 'COPYFILE_FICLONE_FORCE, a tree into a new directory',
    setup: (r) => files(r, { 's/f': 'x' }),
    src: 's',
    dest: 'd',
    options: { mode: constants.COPYFILE_FICLONE_FORCE },
    differs: nothingLeftOnFailure(['d']),
  },
  { name: 'COPYFILE_FICLONE', setup: (r) => files(r, { 's/f': 'x' }), src: 's', dest: 'd', options: { mode: constants.COPYFILE_FICLONE } },
  { name: 'COPYFILE_EXCL over an existing file (force unlinks it first)', setup: (r) => files(r, { f: 'new', g: 'old' }), src: 'f', dest: 'g', options: { mode: constants.COPYFILE_EXCL } },

  // 3. What a merge meets, a filter on a missing source, and the types cp refuses.
  { name: 'a file over a directory in a merge', setup: (r) => (files(r, { 's/x': 'file' }), dirs(r, 'd/x')), src: 's', dest: 'd' },
  { name: 'a file over a directory in a merge, force: false', setup: (r) => (files(r, { 's/x': 'file' }), dirs(r, 'd/x')), src: 's', dest: 'd', options: { force: false } },
  {
    name: 'a file over a directory in a merge, errorOnExist',
    setup: (r) => (files(r, { 's/x': 'file' }), dirs(r, 'd/x')),
    src: 's',
    dest: 'd',
    options: { force: false, errorOnExist: true },
    differs: refusesExistingDirSince22(
      'd',
      (o) => expect(o.error).toMatchObject({ code: 'ERR_FS_CP_NON_DIR_TO_DIR', errno: 20, syscall: 'cp', path: '<root>/d/x' }),
      { 'd/x': /^dir / },
    ),
  },
  { name: 'a directory over a file in a merge', setup: (r) => (dirs(r, 's/x'), files(r, { 'd/x': 'file' })), src: 's', dest: 'd' },
  { name: 'a link over a directory in a merge', setup: (r) => (dirs(r, 's', 'd/x'), link(r, 'nowhere', 's/x')), src: 's', dest: 'd' },
  { name: 'a file over a directory (root)', setup: (r) => (files(r, { f: 'x' }), dirs(r, 'd')), src: 'f', dest: 'd' },
  { name: 'a directory over a file (root)', setup: (r) => (dirs(r, 's'), files(r, { f: 'x' })), src: 's', dest: 'f' },
  { name: 'a missing source, refused by the filter', src: 'missing', dest: 'out', options: { filter: () => false } },
  { name: 'a missing source', src: 'missing', dest: 'out' },
  {
    name: 'the filter is asked with the paths as given',
    setup: (r) => files(r, { 's/keep': 'k', 's/drop': 'd' }),
    src: 's',
    dest: 'd',
    options: { filter: (src: string) => !src.endsWith('drop') },
  },
  { name: 'a FIFO as the root', setup: (r) => execFileSync('mkfifo', [join(r, 'p')]), src: 'p', dest: 'q' },
  { name: 'a FIFO in a merge', setup: (r) => (dirs(r, 's', 'd'), execFileSync('mkfifo', [join(r, 's/p')])), src: 's', dest: 'd' },
  { name: 'a FIFO in a merge, dereference', setup: (r) => (dirs(r, 's', 'd'), execFileSync('mkfifo', [join(r, 's/p')])), src: 's', dest: 'd', options: { dereference: true } },
  { name: 'a FIFO in a new tree', setup: (r) => (dirs(r, 's'), execFileSync('mkfifo', [join(r, 's/p')])), src: 's', dest: 'd', differs: nothingLeftOnFailure(['d']) },
  { name: 'a socket in a merge', setup: (r) => (dirs(r, 's', 'd'), bindSocket(join(r, 's/sock'))), src: 's', dest: 'd' },
  { name: 'a socket in a new tree', setup: (r) => (dirs(r, 's'), bindSocket(join(r, 's/sock'))), src: 's', dest: 'd', differs: nothingLeftOnFailure(['d']) },

  // Everyday trees and roots.
  {
    name: 'a tree with modes, empty directories and links into a new destination',
    setup: (r) => {
      files(r, { 's/a/f': 'f', 's/x.sh': '#!/bin/sh', 's/private/key': 'k' })
      dirs(r, 's/empty', 's/a/b/c')
      link(r, '/s/a/f', 's/abs')
      link(r, 'nowhere', 's/dangling')
      execFileSync('chmod', ['755', join(r, 's/x.sh')])
      execFileSync('chmod', ['600', join(r, 's/private/key')])
      execFileSync('chmod', ['700', join(r, 's/private')])
      execFileSync('chmod', ['555', join(r, 's/a/b')])
    },
    src: 's',
    dest: 'd',
  },
  { name: 'the same tree merged into an existing one', setup: (r) => (files(r, { 's/a/f': 'new', 's/g': 'g', 'd/a/f': 'old', 'd/mine': 'm' }), dirs(r, 'd/a/extra')), src: 's', dest: 'd' },
  { name: 'src given with a trailing slash', setup: (r) => files(r, { 's/a/f': 'f' }), src: 's/', dest: 'd' },
  { name: 'missing parents of dest are made', setup: (r) => files(r, { 's/f': 'f' }), src: 's', dest: 'p/q/d' },
  { name: 'a file to a missing parent', setup: (r) => files(r, { f: 'f' }), src: 'f', dest: 'p/q/g' },
  { name: 'a parent of dest is a file', setup: (r) => files(r, { 's/f': 'f', file: 'x' }), src: 's', dest: 'file/d' },
  { name: 'a file onto its hard link', setup: (r) => (files(r, { f: 'f' }), execFileSync('ln', [join(r, 'f'), join(r, 'g')])), src: 'f', dest: 'g' },
  {
    name: 'a file onto a symlink to it',
    setup: (r) => (files(r, { f: 'f' }), link(r, 'f', 'g')),
    src: 'f',
    dest: 'g',
    differs: {
      why: 'Node replaces the link with a copy; cp sees the file itself there and leaves it (README)',
      check: (ours, node) => {
        expect([ours.settled, node.settled]).toEqual(['resolved', 'resolved'])
        expect(ours.tree.g).toBe('link -> f')
        expect(node.tree.g).toBe(node.tree.f)
      },
    },
  },
  { name: 'a file onto a symlink to another file replaces the link', setup: (r) => (files(r, { f: 'f', h: 'h' }), link(r, 'h', 'g')), src: 'f', dest: 'g' },
  { name: 'a symlink as the root, to a new name', setup: (r) => (files(r, { f: 'f' }), link(r, '/f', 'l')), src: 'l', dest: 'm' },
  { name: 'a symlink as the root, over a file', setup: (r) => (files(r, { f: 'f', g: 'g' }), link(r, '/f', 'l')), src: 'l', dest: 'g', differs: linkReplacesFile('g') },
  {
    name: 'a symlink in a merge, over a file',
    setup: (r) => (files(r, { f: 'f', 'd/l': 'file' }), dirs(r, 's'), link(r, '/f', 's/l')),
    src: 's',
    dest: 'd',
    differs: linkReplacesFile('d/l'),
  },
  { name: 'a symlink as the root, dereference', setup: (r) => (files(r, { f: 'f' }), link(r, '/f', 'l')), src: 'l', dest: 'm', options: { dereference: true } },
  { name: 'dereference: a tree with links to a file and a directory', setup: (r) => (files(r, { 't/f': 'f', 'u/g': 'g' }), dirs(r, 's'), link(r, '/t/f', 's/lf'), link(r, '/u', 's/ld')), src: 's', dest: 'd', options: { dereference: true } },
  { name: 'dereference: a dangling link', setup: (r) => (dirs(r, 's'), link(r, 'nowhere', 's/l')), src: 's', dest: 'd', options: { dereference: true }, differs: nothingLeftOnFailure(['d']) },
  { name: 'dest is a symlink to a directory', setup: (r) => (files(r, { 's/f': 'f' }), dirs(r, 't'), link(r, '/t', 'd')), src: 's', dest: 'd' },
  { name: 'dest is a symlink to a directory, dereference: merged into it', setup: (r) => (files(r, { 's/f': 'f' }), dirs(r, 't'), link(r, '/t', 'd')), src: 's', dest: 'd', options: { dereference: true } },
  { name: 'filter refusing a directory leaves out all in it', setup: (r) => files(r, { 's/a/f': 'f', 's/b/g': 'g' }), src: 's', dest: 'd', options: { filter: (p: string) => !p.endsWith('/a') } },
  { name: 'an async filter', setup: (r) => files(r, { 's/a/f': 'f', 's/b/g': 'g' }), src: 's', dest: 'd', options: { filter: async (p: string) => !p.endsWith('g') } },
  { name: 'filter sees the destination path', setup: (r) => files(r, { 's/a/f': 'f' }), src: 's', dest: 'd', options: { filter: (_: string, d: string) => !d.endsWith('/d/a/f') } },
  {
    name: 'a filter that throws, in a merge',
    setup: (r) => (files(r, { 's/f': 'f' }), dirs(r, 'd')),
    src: 's',
    dest: 'd',
    options: {
      filter: (p: string) => {
        if (p.endsWith('f')) throw new Error('no f')
        return true
      },
    },
  },
  {
    name: 'verbatimSymlinks: false makes relative targets absolute, into a new destination',
    setup: (r) => (files(r, { 's/a/f': 'f' }), link(r, 'a/f', 's/rel'), link(r, '../../elsewhere', 's/a/up'), link(r, '/s/a/f', 's/abs')),
    src: 's',
    dest: 'd',
    options: { verbatimSymlinks: false },
  },
  {
    name: 'verbatimSymlinks: false, merged over existing links',
    setup: (r) => (files(r, { 's/a/f': 'f' }), link(r, 'a/f', 's/rel'), dirs(r, 'd'), link(r, 'other', 'd/rel')),
    src: 's',
    dest: 'd',
    options: { verbatimSymlinks: false },
  },
  { name: 'verbatimSymlinks: false, a link as the root', setup: (r) => (files(r, { f: 'f' }), link(r, 'f', 'l')), src: 'l', dest: 'p/m', options: { verbatimSymlinks: false } },
  {
    name: 'verbatimSymlinks: true keeps relative targets',
    setup: (r) => (files(r, { 's/a/f': 'f' }), link(r, 'a/f', 's/rel')),
    src: 's',
    dest: 'd',
    options: { verbatimSymlinks: true },
  },
  { name: 'an empty directory', setup: (r) => dirs(r, 's'), src: 's', dest: 'd' },
  { name: 'preserveTimestamps keeps content and modes the same', setup: (r) => files(r, { 's/f': 'f' }), src: 's', dest: 'd', options: { preserveTimestamps: true } },

  // 4. Devices: Node copies what reading one gives; cp refuses them.
  {
    name: 'a character device (/dev/null) as the root',
    src: '/dev/null',
    dest: 'null-copy',
    differs: {
      why: 'cp refuses devices (reading one may never end), where Node copies what reading gives (README)',
      check: (ours, node) => {
        expect(node.settled).toBe('resolved')
        expect(node.tree['null-copy']).toMatch(/^file 666 e3b0c442/) // empty
        expect(ours.error).toMatchObject({ code: 'ERR_FS_CP_UNKNOWN', syscall: 'cp', errno: 22, path: '<root>/null-copy' })
        expect(ours.tree).toEqual({})
      },
    },
  },
]

function bindSocket(path: string): void {
  // A socket file that outlives its process: nothing in Node leaves one behind.
  execFileSync('python3', ['-c', 'import socket,sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])', path])
}

describe('cp and fs.promises.cp, scenario by scenario', () => {
  SCENARIOS.forEach((scenario, i) => {
    it(scenario.differs ? `${scenario.name} (differs on purpose: ${scenario.differs.why})` : scenario.name, async () => {
      const { ours, node } = await outcomes(scenario, join(dir, String(i)))
      if (scenario.differs) scenario.differs.check(ours, node)
      else expect(ours).toEqual(node)
    })
  })
})
