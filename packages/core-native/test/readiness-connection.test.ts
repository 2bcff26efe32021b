// The readiness core (lib/drivers/readiness-connection.ts) under WSAEventSelect's rules: FD_WRITE
// is recorded again only after a send that failed with EWOULDBLOCK, so a send larger than the
// kernel's buffer must be continued until one would block before the core waits for FD_WRITE.
import { createHash, randomBytes } from 'node:crypto'
import { afterEach, describe, expect, it } from 'vitest'
import { readinessConnection } from '../lib/drivers/readiness-connection.js'
import { FD_WRITE, WsaEvent, enumNetworkEvents, eventSelect, waitForMultipleEvents, type WsmError } from '../lib/index.js'
import { expectNoFdLeaks } from './helpers/fds.js'
import { closeAll, pair, recvExactly, useSocketCleanup } from './helpers/sockets.js'
import { within } from './helpers/time.js'

const events = new Set<WsaEvent>()
function closeEvents(): void {
  for (const e of events) e.close()
  events.clear()
}

useSocketCleanup()
afterEach(closeEvents)
expectNoFdLeaks(() => {
  closeEvents()
  closeAll()
})

const sha256 = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex')

describe('readinessConnection under WSAEventSelect', () => {
  it('a send larger than the socket buffer is finished by FD_WRITE notices alone while the peer reads', async () => {
    const { client, peer } = await pair()
    const event = new WsaEvent()
    events.add(event)
    eventSelect(peer, event, FD_WRITE)
    // Selecting records FD_WRITE once for a writable socket: take it, so what follows is only
    // what the core's own sends re-enable.
    await within(waitForMultipleEvents([event]), 'the first FD_WRITE')
    expect(enumNetworkEvents(peer, event).events).toBe(FD_WRITE)

    let sent = false
    let failure: WsmError | undefined
    let waitingForRoom = false
    const rc = readinessConnection(
      peer,
      {
        wanted: () => false,
        data: () => {},
        end: () => {},
        sent: () => (sent = true),
        failed: (err) => (failure = err),
      },
      { wantRead: () => {}, wantWrite: (on) => (waitingForRoom = on), ref: () => {}, forget: () => {} },
    )
    // What the event-select driver does: every FD_WRITE recorded tells the core there is room.
    let stopped = false
    const serve = (async () => {
      while (!stopped && !sent && failure === undefined) {
        await waitForMultipleEvents([event], { timeoutMs: 50 })
        if (enumNetworkEvents(peer, event).events & FD_WRITE) rc.writable()
      }
    })()

    const payload = randomBytes(16 * 1024 * 1024) // more than loopback's send and receive buffers hold
    rc.io.send([payload])
    expect(waitingForRoom).toBe(true)
    try {
      const received = await recvExactly(client, payload.byteLength)
      expect(received.byteLength).toBe(payload.byteLength)
      expect(sha256(received)).toBe(sha256(payload))
      expect(sent).toBe(true)
      expect(waitingForRoom).toBe(false)
      expect(failure).toBeUndefined()
    } finally {
      stopped = true
      await serve
      rc.io.close()
    }
  })
})
