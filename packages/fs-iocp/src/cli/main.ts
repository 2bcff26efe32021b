#!/usr/bin/env node
// wsm-copy: the bin of @wsm/fs-iocp. `wsm-copy [options] SRC... DEST` copies with copyFile (or cp
// with -r), as cp(1) would, with a progress bar on a terminal. Exit statuses in ./exit-codes.ts.
import { backend } from '@wsm/core-native'
import { type CopyCommand, parseCommandLine } from './command-line.js'
import { copySource } from './copy-source.js'
import { errorLine } from './error-line.js'
import { EXIT_COPY_FAILED, EXIT_OK, EXIT_USAGE, exitForSignal } from './exit-codes.js'
import { abortOnInterrupt } from './interrupt.js'
import { copiesIntoDirectory, targetFor } from './targets.js'
import { USAGE, version } from './usage.js'
import { isUsageError } from './command-errors.js'

// A reader that goes away (`wsm-copy ... | head -1`) must not crash the copies: stdout only reports
// them (test/cli.test.ts, "a closed stdout"). Any other write error still surfaces.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code !== 'EPIPE') throw err
})

async function main(argv: string[]): Promise<number> {
  let command
  try {
    command = parseCommandLine(argv)
  } catch (err) {
    if (!isUsageError(err)) throw err
    process.stderr.write(errorLine(err))
    return EXIT_USAGE
  }
  if (command.action === 'help') {
    process.stdout.write(USAGE)
    return EXIT_OK
  }
  if (command.action === 'version') {
    process.stdout.write(`wsm-copy (@wsm/fs-iocp) ${version()}, engine ${backend()}\n`)
    return EXIT_OK
  }
  const interrupt = abortOnInterrupt()
  try {
    const { status, cutShort } = await copyAll(command, interrupt.signal)
    if (!interrupt.received) return status
    // Say what the signal did: a copy it cut short was rejected and removed; one already in place
    // when the signal came had resolved and stays (the abort of a committed copy is a no-op).
    const what = cutShort ? 'the copy under way was abandoned, no partial destination was left' : 'every copy started had already completed'
    process.stderr.write(errorLine({ message: `interrupted by ${interrupt.received}: ${what}`, code: 'ABORT_ERR' }))
    return exitForSignal(interrupt.received)
  } finally {
    interrupt.dispose()
  }
}

/**
 * Each SRC in turn; a failed one is reported and the rest still copied, as cp does. `cutShort`:
 * a copy was rejected because the signal aborted it.
 */
async function copyAll(command: CopyCommand, signal: AbortSignal): Promise<{ status: number; cutShort: boolean }> {
  let intoDirectory: boolean
  try {
    intoDirectory = await copiesIntoDirectory(command.dest, command.sources.length, command.noTargetDirectory)
  } catch (err) {
    process.stderr.write(errorLine(err))
    return { status: EXIT_COPY_FAILED, cutShort: false }
  }
  let status = EXIT_OK
  for (const src of command.sources) {
    if (signal.aborted) break
    try {
      const summary = await copySource(src, targetFor(src, command.dest, intoDirectory), command, signal)
      if (!command.quiet) process.stdout.write(summary)
    } catch (err) {
      if (signal.aborted) return { status, cutShort: true }
      process.stderr.write(errorLine(err))
      // The options are the same for every SRC: the API refused them for this one, so for all.
      if (isUsageError(err)) return { status: EXIT_USAGE, cutShort: false }
      status = EXIT_COPY_FAILED
    }
  }
  return { status, cutShort: false }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code
  },
  (err: unknown) => {
    process.stderr.write(errorLine(err))
    process.exitCode = EXIT_COPY_FAILED
  },
)
