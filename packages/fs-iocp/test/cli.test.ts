import { existsSync, lstatSync, mkdirSync, readFileSync, readlinkSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { CLI, ERROR_LINE, runCli, startCli } from './helpers/cli.js'
import { TEMP_NAME, entries, sha256, tempDir, writeRandomFile } from './helpers/files.js'

const dir = tempDir('fs-iocp-cli-')
const src = join(dir, 'src.bin')
writeRandomFile(src, 5 * 1024 * 1024 + 3)
const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string; bin: Record<string, string> }

/** A small tree: nested files, an empty directory and a relative symlink. */
function makeTree(root: string): void {
  mkdirSync(join(root, 'sub/deeper'), { recursive: true })
  mkdirSync(join(root, 'empty'))
  writeFileSync(join(root, 'top.txt'), 'top')
  writeRandomFile(join(root, 'sub/data.bin'), 300_000)
  writeFileSync(join(root, 'sub/deeper/note.txt'), 'deep')
  symlinkSync('data.bin', join(root, 'sub/link'))
}

function expectSameTree(a: string, b: string): void {
  expect(entries(b)).toEqual(entries(a))
  for (const name of entries(a)) {
    const st = lstatSync(join(a, name))
    if (st.isDirectory()) expectSameTree(join(a, name), join(b, name))
    else if (st.isSymbolicLink()) expect(readlinkSync(join(b, name))).toBe(readlinkSync(join(a, name)))
    else expect(sha256(join(b, name))).toBe(sha256(join(a, name)))
  }
}

describe('wsm-copy: help and version', () => {
  it('is the bin of the package, as wsm-copy and as fs-iocp (what npx @wsm/fs-iocp runs)', () => {
    expect(pkg.bin).toEqual({ 'wsm-copy': './dist/cli.js', 'fs-iocp': './dist/cli.js' })
    expect(readFileSync(CLI, 'utf8').startsWith('#!/usr/bin/env node\n')).toBe(true)
    expect(statSync(CLI).mode & 0o111).not.toBe(0)
  })

  it('--help prints the usage, the options and the exit statuses on stdout, exit 0', async () => {
    for (const flag of ['--help', '-h']) {
      const { code, stdout, stderr } = await runCli([flag])
      expect(code).toBe(0)
      expect(stderr).toBe('')
      expect(stdout).toMatch(/^usage: wsm-copy \[options\] SRC DEST\n/)
      for (const option of ['--recursive', '--no-clobber', '--reflink', '--strategy', '--unbuffered', '--buffer-size', '--queue-depth', '--progress', '--quiet', '--version']) {
        expect(stdout).toContain(option)
      }
      expect(stdout).toContain('exit status: 0 all copied; 1 a copy failed; 2 usage error; 130 interrupted (SIGINT)')
    }
  })

  it('--version prints the package version and the engine, exit 0', async () => {
    const { code, stdout } = await runCli(['--version'])
    expect(code).toBe(0)
    expect(stdout).toMatch(new RegExp(`^wsm-copy \\(@wsm/fs-iocp\\) ${pkg.version.replace(/\./g, '\\.')}, engine (io_uring|epoll)\n$`))
    if (process.env.WSM_BACKEND === 'epoll') expect(stdout).toContain('engine epoll\n')
  })
})

describe('wsm-copy: usage errors exit 2, with one line naming the code, and copy nothing', () => {
  const dest = join(dir, 'never')
  it.each([
    [[], 'ERR_MISSING_ARGS', /missing SRC and DEST/],
    [[src], 'ERR_MISSING_ARGS', /missing DEST after/],
    [[src, dest, '--bogus'], 'ERR_PARSE_ARGS_UNKNOWN_OPTION', /--bogus/],
    [[src, dest, '--queue-depth'], 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE', /--queue-depth/],
    [[src, dest, '--queue-depth', 'many'], 'ERR_INVALID_ARG_VALUE', /--queue-depth takes a whole number; got 'many'/],
    [[src, dest, '--buffer-size', '1X'], 'ERR_INVALID_ARG_VALUE', /--buffer-size takes a whole number of bytes/],
    [[src, dest, '--queue-depth', '0'], 'ERR_OUT_OF_RANGE', /"--queue-depth" is out of range. It must be >= 1 && <= 256/],
    [[src, dest, '--buffer-size', '128M'], 'ERR_OUT_OF_RANGE', /"--buffer-size" is out of range/],
    [[src, dest, '--strategy', 'fast'], 'ERR_INVALID_ARG_VALUE', /'--strategy' must be one of: 'auto', 'kernel', 'iocp'/],
    [[src, dest, '--reflink', 'sometimes'], 'ERR_INVALID_ARG_VALUE', /--reflink takes auto, always, never; got 'sometimes'/],
    [[src, dest, '--strategy', 'kernel', '--unbuffered'], 'ERR_INCOMPATIBLE_OPTION_PAIR', /"--unbuffered" cannot be used in combination with option "--strategy kernel"/],
    [[src, dest, '--reflink', 'always', '--unbuffered'], 'ERR_INCOMPATIBLE_OPTION_PAIR', /"--reflink always" cannot be used in combination with option "--unbuffered"/],
    [['-r', src, dest, '--unbuffered'], 'ERR_INCOMPATIBLE_OPTION_PAIR', /--unbuffered is for copyFile, without -r/],
    [['-r', src, dest, '--reflink', 'never'], 'ERR_INCOMPATIBLE_OPTION_PAIR', /--reflink never is for copyFile/],
    [[src, dest, '--concurrency', '2'], 'ERR_INCOMPATIBLE_OPTION_PAIR', /--concurrency is for cp, with -r/],
    [['-r', src, dest, '--concurrency', '0'], 'ERR_OUT_OF_RANGE', /"--concurrency" is out of range/],
    [['-T', src, src, dest], 'ERR_INCOMPATIBLE_OPTION_PAIR', /-T copies one SRC to DEST/],
  ])('%j', async (args, code, message) => {
    const result = await runCli(args as string[])
    expect(result).toMatchObject({ code: 2, stdout: '' })
    expect(result.stderr).toMatch(ERROR_LINE)
    expect(result.stderr.match(ERROR_LINE)?.[1]).toBe(code)
    expect(result.stderr).toMatch(message)
    expect(existsSync(dest)).toBe(false)
  })
})

describe('wsm-copy: one file (copyFile)', () => {
  it.each([
    [[]],
    [['--strategy', 'kernel']],
    [['--strategy', 'iocp', '--queue-depth', '8', '--buffer-size', '1M']],
    [['--unbuffered']],
    [['--reflink', 'never']],
  ])('copies it identically with %j and reports the throughput on stdout', async (flags) => {
    const dest = join(dir, `file-${flags.join('')}`)
    const { code, stdout, stderr } = await runCli([src, dest, ...flags])
    expect(code).toBe(0)
    expect(stderr).toBe('') // piped: no progress unless asked for
    expect(stdout).toMatch(new RegExp(`^copied '${src}' to '${dest}': 5\\.0 MiB in \\d+\\.\\d{3} s \\(.+/s\\)\\n$`))
    expect(sha256(dest)).toBe(sha256(src))
  })

  it('--reflink always: a clone where the file system can make one, else exit 1 and ENOTSUP, no destination', async () => {
    const dest = join(dir, 'reflink-always')
    const { code, stderr } = await runCli(['--reflink', 'always', src, dest])
    if (code === 0) expect(sha256(dest)).toBe(sha256(src))
    else {
      expect(code).toBe(1)
      expect(stderr).toMatch(new RegExp(`^wsm-copy: cannot copy '${src}' to '${dest}': .+ \\((ENOTSUP|EOPNOTSUPP|EXDEV|EINVAL)\\)\n$`))
      expect(existsSync(dest)).toBe(false)
    }
  })

  it('-p gives the copy the source times', async () => {
    const old = join(dir, 'old-times')
    writeFileSync(old, 'x')
    utimesSync(old, 1_000_000, 1_000_000)
    for (const flags of [[], ['--strategy', 'iocp']]) {
      const dest = join(dir, `times-${flags.length}`)
      expect((await runCli(['-p', old, dest, ...flags])).code).toBe(0)
      expect(statSync(dest).mtimeMs).toBe(1_000_000_000)
    }
  })

  it('-n (--no-clobber, --exclusive) onto an existing file: exit 1, EEXIST, the file left as it was', async () => {
    const dest = join(dir, 'existing')
    for (const flag of ['-n', '--no-clobber', '--exclusive']) {
      writeFileSync(dest, 'old content')
      const { code, stdout, stderr } = await runCli([flag, src, dest])
      expect(code).toBe(1)
      expect(stdout).toBe('')
      expect(stderr).toBe(`wsm-copy: cannot copy '${src}' to '${dest}': file already exists (EEXIST)\n`)
      expect(readFileSync(dest, 'utf8')).toBe('old content')
    }
    expect(entries(dir).filter((n) => TEMP_NAME.test(n))).toEqual([])
  })

  it('a missing source: exit 1, ENOENT, no destination', async () => {
    const missing = join(dir, 'missing')
    const { code, stderr } = await runCli([missing, join(dir, 'from-missing')])
    expect(code).toBe(1)
    expect(stderr).toBe(`wsm-copy: cannot stat '${missing}': no such file or directory (ENOENT)\n`)
    expect(existsSync(join(dir, 'from-missing'))).toBe(false)
  })

  it('a destination in a missing directory: exit 1, ENOENT from the copy', async () => {
    const dest = join(dir, 'no-such-dir', 'x')
    const { code, stderr } = await runCli([src, dest])
    expect(code).toBe(1)
    expect(stderr).toBe(`wsm-copy: cannot copy '${src}' to '${dest}': no such file or directory (ENOENT)\n`)
  })

  it('a directory without -r: exit 1, EISDIR, as cp says it', async () => {
    const tree = join(dir, 'not-without-r')
    mkdirSync(tree)
    const { code, stderr } = await runCli([tree, join(dir, 'nr-copy')])
    expect(code).toBe(1)
    expect(stderr).toBe(`wsm-copy: -r not specified; omitting directory '${tree}' (EISDIR)\n`)
    expect(existsSync(join(dir, 'nr-copy'))).toBe(false)
  })

  it('a name starting with a dash, after --', async () => {
    const out = join(dir, 'dash')
    mkdirSync(out)
    writeFileSync(join(out, '-odd'), 'odd')
    expect((await runCli(['--', '-odd', 'copy'], { cwd: out })).code).toBe(0)
    expect(readFileSync(join(out, 'copy'), 'utf8')).toBe('odd')
  })
})

describe('wsm-copy: several sources, into a directory, as cp does', () => {
  it('copies each SRC into DIR under its own name', async () => {
    const a = join(dir, 'many-a')
    const b = join(dir, 'many-b')
    writeFileSync(a, 'a')
    writeFileSync(b, 'b')
    const into = join(dir, 'many-into')
    mkdirSync(into)
    const { code, stdout } = await runCli([a, b, into])
    expect(code).toBe(0)
    expect(stdout.split('\n').filter(Boolean)).toHaveLength(2)
    expect(entries(into)).toEqual(['many-a', 'many-b'])
    expect(readFileSync(join(into, 'many-b'), 'utf8')).toBe('b')
  })

  it('a DEST that is not a directory: exit 1, ENOTDIR, nothing copied', async () => {
    const file = join(dir, 'not-a-dir')
    writeFileSync(file, 'keep')
    const { code, stderr } = await runCli([src, src, file])
    expect(code).toBe(1)
    expect(stderr).toBe(`wsm-copy: target '${file}' is not a directory (ENOTDIR)\n`)
    expect(readFileSync(file, 'utf8')).toBe('keep')
  })

  it('a failing SRC is reported and the others are still copied: exit 1', async () => {
    const into = join(dir, 'partly')
    mkdirSync(into)
    const missing = join(dir, 'missing-one')
    const { code, stderr } = await runCli([missing, src, into])
    expect(code).toBe(1)
    expect(stderr).toBe(`wsm-copy: cannot stat '${missing}': no such file or directory (ENOENT)\n`)
    expect(sha256(join(into, 'src.bin'))).toBe(sha256(src))
  })
})

describe('wsm-copy -r: trees (cp)', () => {
  const tree = join(dir, 'tree')
  makeTree(tree)

  it('copies a tree to a new name: the same files, directories and symlinks', async () => {
    const dest = join(dir, 'tree-copy')
    const { code, stdout } = await runCli(['-r', tree, dest])
    expect(code).toBe(0)
    expect(stdout).toMatch(/^copied '.*' to '.*': 3 files, 1 symlinks, 293\.0 KiB in/)
    expectSameTree(tree, dest)
  })

  it('into an existing directory it copies under the source name; with -T it merges into it', async () => {
    const into = join(dir, 'tree-into')
    mkdirSync(into)
    writeFileSync(join(into, 'mine'), 'mine')
    expect((await runCli(['-r', tree, into])).code).toBe(0)
    expectSameTree(tree, join(into, 'tree'))
    expect((await runCli(['-r', '-T', tree, into])).code).toBe(0)
    expect(entries(into)).toEqual(['empty', 'mine', 'sub', 'top.txt', 'tree'])
    expect(sha256(join(into, 'sub/data.bin'))).toBe(sha256(join(tree, 'sub/data.bin')))
  })

  it('-L copies what symlinks point at', async () => {
    const dest = join(dir, 'tree-deref')
    expect((await runCli(['-r', '-L', tree, dest])).code).toBe(0)
    expect(lstatSync(join(dest, 'sub/link')).isFile()).toBe(true)
    expect(sha256(join(dest, 'sub/link'))).toBe(sha256(join(tree, 'sub/data.bin')))
  })

  it('--no-force (--no-overwrite) leaves existing files; -n and --error-on-exist fail with ERR_FS_CP_EEXIST (exit 1)', async () => {
    const dest = join(dir, 'tree-existing')
    mkdirSync(dest)
    for (const flag of ['--no-force', '--no-overwrite']) {
      writeFileSync(join(dest, 'top.txt'), 'old')
      expect((await runCli(['-r', '-T', flag, tree, dest])).code).toBe(0)
      expect(readFileSync(join(dest, 'top.txt'), 'utf8')).toBe('old')
      expect(readFileSync(join(dest, 'sub/deeper/note.txt'), 'utf8')).toBe('deep')
    }
    for (const flag of ['-n', '--error-on-exist']) {
      const { code, stderr } = await runCli(['-r', '-T', flag, tree, dest])
      expect(code).toBe(1)
      expect(stderr).toMatch(/^wsm-copy: Target already exists: .+ already exists \(ERR_FS_CP_EEXIST\)\n$/)
      expect(readFileSync(join(dest, 'top.txt'), 'utf8')).toBe('old')
    }
    expect((await runCli(['-r', '-T', tree, dest])).code).toBe(0)
    expect(readFileSync(join(dest, 'top.txt'), 'utf8')).toBe('top')
  })

  it('--no-verbatim-symlinks makes a relative link target absolute, as fs.cp does', async () => {
    const dest = join(dir, 'tree-resolved')
    expect((await runCli(['-r', '--no-verbatim-symlinks', tree, dest])).code).toBe(0)
    expect(readlinkSync(join(dest, 'sub/link'))).toBe(join(tree, 'sub/data.bin'))
  })

  it('-r --reflink always: every file cloned, else exit 1 with ENOTSUP and no new tree', async () => {
    const dest = join(dir, 'tree-reflink')
    const { code, stderr } = await runCli(['-r', '--reflink', 'always', tree, dest])
    if (code === 0) expectSameTree(tree, dest)
    else {
      expect(code).toBe(1)
      expect(stderr).toMatch(/^wsm-copy: cannot copy '.+' to '.+': .+ \((ENOTSUP|EOPNOTSUPP|EXDEV|EINVAL)\)\n$/)
      expect(existsSync(dest)).toBe(false)
    }
  })

  it('a tree into itself: exit 1 with fs.cp code', async () => {
    const { code, stderr } = await runCli(['-r', '-T', tree, join(tree, 'sub/inside')])
    expect(code).toBe(1)
    expect(stderr.match(ERROR_LINE)?.[1]).toBe('ERR_FS_CP_EINVAL')
    expect(existsSync(join(tree, 'sub/inside'))).toBe(false)
  })
})

describe('wsm-copy: output for pipes and scripts', () => {
  // ESC starts every cursor movement and colour a progress bar draws.
  const ESC = '\u001b'

  it('piped, --progress writes plain lines at most once a second, never an escape sequence', async () => {
    const big = join(dir, 'slow-src')
    writeRandomFile(big, 16 << 20)
    const dest = join(dir, 'slow-dest')
    const { code, stdout, stderr } = await runCli(['--progress', '--unbuffered', '--buffer-size', '4K', '--queue-depth', '1', big, dest])
    expect(code).toBe(0)
    expect(stdout + stderr).not.toContain(ESC)
    const lines = stderr.split('\n').filter(Boolean)
    for (const line of lines) expect(line).toMatch(/^wsm-copy: .*slow-src: [\d.]+ \w+ of 16\.0 MiB$/)
    expect(lines.at(-1)).toMatch(/: 16\.0 MiB of 16\.0 MiB$/) // the last line says where it ended
    expect(sha256(dest)).toBe(sha256(big))
  })

  it('piped, progress is off by default: a tree copy writes only its summary, no escape sequence', async () => {
    const { code, stdout, stderr } = await runCli(['-r', join(dir, 'tree'), join(dir, 'tree-piped')])
    expect(code).toBe(0)
    expect(stderr).toBe('')
    expect(stdout).not.toContain(ESC)
  })

  it('piped, --progress on a tree: plain lines counting files', async () => {
    const { code, stderr } = await runCli(['-r', '--progress', join(dir, 'tree'), join(dir, 'tree-progress')])
    expect(code).toBe(0)
    expect(stderr).not.toContain(ESC)
    expect(stderr).toMatch(/^wsm-copy: .*tree: 3 of 3 files, 293\.0 KiB\n$/)
  })

  it('a closed stdout (a reader that went away) does not stop the copies: exit 0, every file copied', async () => {
    const into = join(dir, 'closed-stdout')
    mkdirSync(into)
    const { child, result } = startCli([src, join(dir, 'tree'), '-r', into])
    child.stdout?.destroy()
    expect(await result).toMatchObject({ code: 0, stderr: '' })
    expect(sha256(join(into, 'src.bin'))).toBe(sha256(src))
    expectSameTree(join(dir, 'tree'), join(into, 'tree'))
  })

  it('-q writes nothing on success, and only the error line on failure', async () => {
    expect(await runCli(['-q', '--progress', src, join(dir, 'quiet')])).toMatchObject({ code: 0, stdout: '' })
    expect(await runCli(['-q', src, join(dir, 'quiet')])).toMatchObject({ code: 0, stdout: '', stderr: '' })
    const failed = await runCli(['-q', '-n', src, join(dir, 'quiet')])
    expect(failed).toMatchObject({ code: 1, stdout: '' })
    expect(failed.stderr).toMatch(ERROR_LINE)
  })
})
