// The exit statuses of wsm-copy, which scripts test (documented in the package README).

/** Every copy done. */
export const EXIT_OK = 0
/** At least one copy failed (the others were still made, as cp does). */
export const EXIT_COPY_FAILED = 1
/** The command line was wrong; nothing was copied. */
export const EXIT_USAGE = 2
/** 128 + the signal's number: SIGINT (130) or SIGTERM (143) aborted the copy. */
export const exitForSignal = (signal: 'SIGINT' | 'SIGTERM'): number => (signal === 'SIGINT' ? 130 : 143)
