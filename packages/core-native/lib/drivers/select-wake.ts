// The 'select' driver's wake-up: a pair of connected loopback sockets, the classic Winsock trick
// for interrupting a select. The receiving end sits in the read set of its group's every select;
// a byte sent on the other end makes that select return, so that it restarts on new sets.
import { systemError, type WsmError } from '../errors.js'
import { FdSet } from '../fd-set.js'
import { select, type SelectSets } from '../select.js'
import { Socket } from '../socket.js'

const LOOPBACK = '127.0.0.1'
const ETIMEDOUT = 110
// The handshake over loopback takes microseconds; a bound keeps a broken host from hanging a group.
const PAIR_MS = 5000
const WAKE_BYTE = new Uint8Array(1)
const drained = new Uint8Array(64)

export class WakePair {
  /** The end in the read set. */
  readonly receiver: Socket
  readonly #sender: Socket

  constructor(receiver: Socket, sender: Socket) {
    this.receiver = receiver
    this.#sender = sender
  }

  /** Makes the select waiting on `receiver` return. */
  signal(): void {
    try {
      this.#sender.send(WAKE_BYTE)
    } catch (err) {
      // EWOULDBLOCK: bytes are already waiting unread, so the select returns anyway.
      if ((err as WsmError).code !== 'EWOULDBLOCK') throw err
    }
  }

  /** Reads the wake-up bytes, so that the next select waits again. */
  drain(): void {
    try {
      while (this.receiver.recv(drained) === drained.byteLength);
    } catch (err) {
      if ((err as WsmError).code !== 'EWOULDBLOCK') throw err
    }
  }

  close(): void {
    this.receiver.close()
    this.#sender.close()
  }
}

/** Waits until a socket of `sets` is ready, or throws ETIMEDOUT. */
async function waitFor(sets: SelectSets): Promise<void> {
  if ((await select(sets, PAIR_MS)) === 0) throw systemError(ETIMEDOUT, 'connect', 'the wake-up pair did not connect')
}

/**
 * A new pair: a listener on an ephemeral loopback port, a non-blocking connect to it, the
 * accepted end checked to be ours (anything else may connect to that port meanwhile), then the
 * listener closed. TCP_NODELAY on the sender: Nagle would hold a wake-up byte back until the
 * previous one is acknowledged, and a delayed ACK takes up to 40 ms.
 */
export async function openWakePair(): Promise<WakePair> {
  const listener = Socket.tcp()
  let sender: Socket | undefined
  let receiver: Socket | null = null
  try {
    sender = Socket.tcp()
    listener.bind(0, LOOPBACK)
    listener.listen(1)
    sender.connect(listener.localPort, LOOPBACK)
    await waitFor({ write: new FdSet([sender]), except: new FdSet([sender]) })
    const error = sender.getError()
    if (error) throw error
    sender.setNoDelay(true)
    while (receiver === null) {
      receiver = listener.accept()
      if (receiver === null) await waitFor({ read: new FdSet([listener]) })
      else if (receiver.remotePort !== sender.localPort) {
        receiver.close()
        receiver = null
      }
    }
    return new WakePair(receiver, sender)
  } catch (err) {
    receiver?.close()
    sender?.close()
    throw err
  } finally {
    listener.close()
  }
}
