// Runs one cp scenario through this package's cp and through Node's fs.promises.cp, each in a
// fresh copy of the same tree, and describes what each did: settled how, with which error, and
// what the tree looks like afterwards (the source included, so a copy into itself shows).
import { lstatSync, mkdirSync, promises as fsp, readdirSync, readlinkSync } from 'node:fs'
import { isAbsolute, join, relative } from 'node:path'
import { cp } from '../../src/index.js'
import { sha256 } from './files.js'

export interface Scenario {
  name: string
  /** Builds the tree the copy starts from in `root`, an empty directory. */
  setup?: (root: string) => void
  /** Relative to the root (absolute paths, such as /dev/null, are taken as they are). */
  src: string
  dest: string
  /** Given to both (undefined and null too). Node's cp is also given `recursive: true` and, without `dereference`, `verbatimSymlinks: true`: the README's accepted differences. */
  options?: Record<string, unknown>
  /** A difference the README documents: its reason, and a check of what each side does, so the difference cannot change unseen. */
  differs?: { why: string; check: (ours: Outcome, node: Outcome) => void }
}

export interface Outcome {
  settled: 'resolved' | 'rejected'
  /** The error's class, fields and message, with the root shown as <root>. */
  error?: Record<string, unknown>
  /** Every entry under the root: type, mode, and content hash or link target. */
  tree: Record<string, string>
}

type Cp = (src: string, dest: string, options?: Record<string, unknown>) => Promise<unknown>

const ours: Cp = (src, dest, options) => cp(src, dest, options)

const node: Cp = (src, dest, options) => {
  // Options that are not an object reach Node as they are, to be refused as they are.
  if (options === null || (options !== undefined && typeof options !== 'object')) return fsp.cp(src, dest, options)
  const given = options ?? {}
  const accepted = given.dereference === true || 'verbatimSymlinks' in given ? {} : { verbatimSymlinks: true }
  return fsp.cp(src, dest, { recursive: true, ...accepted, ...given })
}

export async function outcomes(scenario: Scenario, dir: string): Promise<{ ours: Outcome; node: Outcome }> {
  return { ours: await run(scenario, join(dir, 'ours'), ours), node: await run(scenario, join(dir, 'node'), node) }
}

async function run(scenario: Scenario, root: string, copy: Cp): Promise<Outcome> {
  mkdirSync(root, { recursive: true })
  scenario.setup?.(root)
  const at = (p: string) => (isAbsolute(p) ? p : join(root, p))
  const hide = (v: unknown): unknown => (typeof v === 'string' ? v.split(root).join('<root>') : v)
  try {
    await copy(at(scenario.src), at(scenario.dest), scenario.options)
    return { settled: 'resolved', tree: snapshot(root) }
  } catch (err) {
    const e = err as Error & Record<string, unknown>
    const kind = e instanceof TypeError ? 'TypeError' : e instanceof RangeError ? 'RangeError' : 'Error'
    const error: Record<string, unknown> = { kind, name: e.name, code: e.code, message: hide(e.message) }
    for (const key of ['errno', 'syscall', 'path', 'dest'] as const) if (e[key] !== undefined) error[key] = hide(e[key])
    if (e.info !== undefined) error.info = JSON.parse(hide(JSON.stringify(e.info)) as string)
    return { settled: 'rejected', error, tree: snapshot(root) }
  }
}

function snapshot(root: string): Record<string, string> {
  const out: Record<string, string> = {}
  const walk = (d: string) => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name)
      const st = lstatSync(p)
      const key = relative(root, p)
      const mode = (st.mode & 0o7777).toString(8)
      if (st.isSymbolicLink()) out[key] = `link -> ${readlinkSync(p).split(root).join('<root>')}`
      else if (st.isDirectory()) {
        out[key] = `dir ${mode}`
        walk(p)
      } else if (st.isFile()) out[key] = `file ${mode} ${sha256(p)}`
      else out[key] = `special ${mode}`
    }
  }
  walk(root)
  return out
}
