// The command's own errors: a wrong command line (exit 2), and a refused copy (exit 1).

/** A wrong command line: reported with Node's code for the same mistake in an API call, exit 2. */
export class UsageError extends Error {
  readonly code: string
  constructor(message: string, code = 'ERR_INVALID_ARG_VALUE') {
    super(message)
    this.name = 'UsageError'
    this.code = code
  }
}

/**
 * Errors that mean the command line was wrong: ours, parseArgs' (ERR_PARSE_ARGS_*), and the API's
 * bad-option TypeErrors and RangeErrors (an out-of-range --queue-depth is the API's to judge).
 */
export function isUsageError(err: unknown): err is Error & { code: string } {
  if (err instanceof UsageError) return true
  const code = (err as { code?: unknown } | null)?.code
  if (typeof code !== 'string') return false
  if (code.startsWith('ERR_PARSE_ARGS_')) return true
  return (err instanceof TypeError || err instanceof RangeError) && code.startsWith('ERR_')
}

/** A copy the command refuses itself, with a POSIX code like the API's errors (exit 1). */
export function commandError(message: string, code: string): Error & { code: string } {
  return Object.assign(new Error(message), { code })
}
