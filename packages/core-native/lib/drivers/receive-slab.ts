// Where drivers receive into: a 64 KiB slab shared by every connection of the thread, handed out
// in slices, so that an idle connection holds no buffer and a received chunk costs no allocation
// of its own. A slab is replaced once less than a quarter is left; slices handed out keep theirs.
const SLAB_BYTES = 64 * 1024
const MIN_SPACE = 16 * 1024

let slab = Buffer.allocUnsafeSlow(SLAB_BYTES)
let used = 0

/** The free part of the slab, at least 16 KiB: pass it to recv(). */
export function receiveSpace(): Buffer {
  if (SLAB_BYTES - used < MIN_SPACE) {
    slab = Buffer.allocUnsafeSlow(SLAB_BYTES)
    used = 0
  }
  return slab.subarray(used)
}

/** The first `n` bytes of `space` (from receiveSpace()), now the caller's: the slab moves past them. */
export function takeReceived(space: Buffer, n: number): Buffer {
  used += (n + 7) & ~7 // the next slice starts 8-byte aligned
  return space.subarray(0, n)
}
