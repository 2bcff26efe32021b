// Every failure as one line on stderr: `wsm-copy: <message> (<code>)`.
import { getSystemErrorMap } from 'node:util'

/** The verb a failed call is reported with ("cannot copy 'a' to 'b'", "cannot stat 'a'"). */
const VERBS: Record<string, string> = { copyfile: 'copy', lstat: 'stat', scandir: 'read directory', readlink: 'read link' }

let descriptions: Map<number, [string, string]> | undefined

export function errorLine(err: unknown): string {
  const e = (err ?? {}) as Partial<NodeJS.ErrnoException> & { dest?: unknown }
  const code = typeof e.code === 'string' ? e.code : undefined
  let message: string
  // Node's fs errors: a negative errno (libuv's), the call, the path, and for a copy the destination.
  if (typeof e.errno === 'number' && e.errno < 0 && typeof e.syscall === 'string' && typeof e.path === 'string') {
    descriptions ??= getSystemErrorMap()
    const description = descriptions.get(e.errno)?.[1] ?? String(e.message)
    const to = typeof e.dest === 'string' ? ` to '${e.dest}'` : ''
    message = `cannot ${VERBS[e.syscall] ?? e.syscall} '${e.path}'${to}: ${description}`
  } else if (typeof (e as { info?: { message?: unknown } }).info?.message === 'string' && e.syscall === 'cp') {
    // fs.cp's refusals: "Target already exists: cp returned EEXIST (<detail>) <path>" says it twice.
    message = `${String(e.message).split(': cp returned ')[0]}: ${(e as { info: { message: string } }).info.message}`
  } else {
    message = String(e.message ?? err)
    if (code !== undefined && message.startsWith(`${code}: `)) message = message.slice(code.length + 2)
    message = asFlags(message)
  }
  return `wsm-copy: ${message.replace(/\s*\n\s*/g, ' ')}${code === undefined ? '' : ` (${code})`}\n`
}

/** The API names its options ("options.queueDepth"); the user typed flags ("--queue-depth"). */
function asFlags(message: string): string {
  return message
    .replace(/options\.mode: COPYFILE_FICLONE_FORCE/g, '--reflink always')
    .replace(/options\.strategy: '(\w+)'/g, '--strategy $1')
    .replace(/options\.(\w+)/g, (_, name: string) => `--${name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`)
}
