// The readiness models on UDP sockets, from Wine's dlls/ws2_32/tests/sock.c (test_select,
// test_events, test_write_events), in our words: a UDP socket has no connection to wait for, so
// in every state (new, bound, connected) select puts it in the write set while there is room and
// in the read set once a datagram is queued (an empty one too); WSAAsyncSelect/WSAEventSelect
// record FD_WRITE when selected and FD_READ per datagram under the usual re-enabling rule (a recv
// re-enables it), and never FD_CLOSE.
import { afterEach, describe, expect, it } from 'vitest'
import { FD_CLOSE, FD_READ, FD_WRITE, FdSet, select } from '../../lib/index.js'
import { boundUdp, udp } from '../helpers/datagrams.js'
import { Collector, MODES, closeCollectors } from '../helpers/network-events.js'
import { LOOPBACK, bytes, useSocketCleanup } from '../helpers/sockets.js'
import { delay, within } from '../helpers/time.js'

useSocketCleanup()
afterEach(closeCollectors)

describe('test_select: UDP sockets', () => {
  it('new, bound and connected UDP sockets are writable, and readable only with a datagram queued', async () => {
    const fresh = udp()
    const bound = boundUdp()
    const connected = udp()
    connected.connect(bound.localPort, LOOPBACK[4])
    const read = new FdSet([fresh, bound, connected])
    const write = new FdSet([fresh, bound, connected])
    expect(await select({ read, write }, 0)).toBe(3)
    expect({ read: [...read], write: [...write] }).toEqual({ read: [], write: [fresh, bound, connected] })
  })

  it('a select waiting for reading wakes when a datagram arrives, an empty one included', async () => {
    const receiver = boundUdp()
    const read = new FdSet([receiver])
    const waiting = select({ read }, 2000)
    await delay(20)
    udp().sendTo(new Uint8Array(0), receiver.localPort, LOOPBACK[4])
    expect(await within(waiting, 'select')).toBe(1)
    expect([...read]).toEqual([receiver])
    expect(receiver.recvFrom(new Uint8Array(4)).bytes).toBe(0)
    // Taken: not readable any more.
    const again = new FdSet([receiver])
    expect(await select({ read: again }, 0)).toBe(0)
  })
})

describe.each(MODES)('test_events: UDP sockets (%s mode)', (mode) => {
  it('FD_WRITE when selected; FD_READ per datagram, recorded again after a recv; never FD_CLOSE', async () => {
    const col = new Collector(mode)
    const receiver = boundUdp()
    col.select(receiver, FD_READ | FD_WRITE | FD_CLOSE)
    await col.next(receiver, FD_WRITE)
    expect(await col.quiet(receiver)).toEqual(['WRITE'])

    const sender = udp()
    sender.sendTo(bytes('one'), receiver.localPort, LOOPBACK[4])
    sender.sendTo(bytes('two'), receiver.localPort, LOOPBACK[4])
    await col.next(receiver, FD_READ)
    // Not again until a recv, though a second datagram waits.
    expect(await col.quiet(receiver)).toEqual(['READ'])
    expect(receiver.recvFrom(new Uint8Array(8)).bytes).toBe(3)
    await col.next(receiver, FD_READ, 'FD_READ for the second datagram')
    expect(await col.quiet(receiver)).toEqual(['READ'])
    receiver.recvFrom(new Uint8Array(8))
    // Nothing left, and a UDP socket has no close to report, whatever the peer does.
    sender.close()
    expect(await col.quiet(receiver)).toEqual([])
  })

  it('a new, unbound UDP socket records FD_WRITE too', async () => {
    const col = new Collector(mode)
    const s = udp()
    col.select(s, FD_READ | FD_WRITE)
    await col.next(s, FD_WRITE)
    expect(await col.quiet(s)).toEqual(['WRITE'])
  })
})
