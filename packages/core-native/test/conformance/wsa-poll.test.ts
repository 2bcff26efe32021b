// WSAPoll as Windows answers it, from Wine's dlls/ws2_32/tests/sock.c (test_WSAPoll) and
// Microsoft's WSAPoll page, in our words: a listener with a connection queued is POLLRDNORM (never
// POLLWRNORM); a connection is POLLWRNORM with room and POLLRDNORM with data; once the peer has
// closed, POLLHUP (with POLLRDNORM only while data is left); a closed socket in the array is
// POLLNVAL and counted, also one closed during the wait; an empty array or an event Windows does
// not take is WSAEINVAL. The POLL* constants have Windows' values.
import { describe, expect, it } from 'vitest'
import {
  POLLERR,
  POLLHUP,
  POLLIN,
  POLLNVAL,
  POLLOUT,
  POLLPRI,
  POLLRDBAND,
  POLLRDNORM,
  POLLWRBAND,
  POLLWRNORM,
  wsaPoll,
  type WsaPollFd,
} from '../../lib/index.js'
import { boundUdp, udp } from '../helpers/datagrams.js'
import { LOOPBACK, bytes, closedPort, eventually, listener, pair, recvExactly, tcp, track, useSocketCleanup } from '../helpers/sockets.js'
import { delay, isSettled, within } from '../helpers/time.js'
import { WSAEINVAL } from './winsock-errors.js'

useSocketCleanup()

async function expectRejectsEinval(promise: Promise<unknown>): Promise<void> {
  await expect(promise).rejects.toMatchObject({ code: 'EINVAL', wsaCode: WSAEINVAL, syscall: 'WSAPoll' })
}

describe('POLL* constants', () => {
  it("have winsock2.h's values", () => {
    expect({ POLLRDNORM, POLLRDBAND, POLLIN, POLLPRI, POLLWRNORM, POLLOUT, POLLWRBAND, POLLERR, POLLHUP, POLLNVAL }).toEqual({
      POLLRDNORM: 0x100,
      POLLRDBAND: 0x200,
      POLLIN: 0x300,
      POLLPRI: 0x400,
      POLLWRNORM: 0x10,
      POLLOUT: 0x10,
      POLLWRBAND: 0x20,
      POLLERR: 0x1,
      POLLHUP: 0x2,
      POLLNVAL: 0x4,
    })
  })
})

describe('test_WSAPoll: invalid parameters', () => {
  it('an empty array, an event Windows does not take, or no open socket is WSAEINVAL; wrong types are TypeErrors', async () => {
    await expectRejectsEinval(wsaPoll([], 0))
    const s = tcp()
    await expectRejectsEinval(wsaPoll([{ socket: s, events: POLLPRI }], 0))
    await expectRejectsEinval(wsaPoll([{ socket: s, events: POLLWRBAND }], 0))
    await expectRejectsEinval(wsaPoll([{ socket: s, events: POLLIN }], Number.NaN))
    const closed = tcp()
    closed.close()
    await expectRejectsEinval(wsaPoll([{ socket: closed, events: POLLIN }], 0))
    await expect(wsaPoll(null as never, 0)).rejects.toMatchObject({ code: 'ERR_INVALID_ARG_TYPE' })
    await expect(wsaPoll([{ socket: {} as never, events: POLLIN }], 0)).rejects.toMatchObject({ code: 'ERR_INVALID_ARG_TYPE' })
    await expect(wsaPoll([{ socket: s, events: 'in' as never }], 0)).rejects.toMatchObject({ code: 'ERR_INVALID_ARG_TYPE' })
  })
})

describe('test_WSAPoll: listeners and connections', () => {
  it('a listener with nothing queued: 0 after the time-out, revents 0', async () => {
    const fds: WsaPollFd[] = [{ socket: listener(), events: POLLIN }]
    expect(await wsaPoll(fds, 30)).toBe(0)
    expect(fds[0]!.revents).toBe(0)
  })

  it('a listener with a connection queued is POLLRDNORM only, though POLLOUT is asked too', async () => {
    const server = listener()
    tcp().connect(server.localPort, LOOPBACK[4])
    const fds: WsaPollFd[] = [{ socket: server, events: POLLIN | POLLOUT }]
    expect(await within(wsaPoll(fds, 2000), 'WSAPoll')).toBe(1)
    expect(fds[0]!.revents).toBe(POLLRDNORM)
  })

  it('both ends of a connection are POLLWRNORM; the listener, its queue emptied, nothing', async () => {
    const { server, client, peer } = await pair()
    const fds: WsaPollFd[] = [
      { socket: server, events: POLLIN | POLLOUT },
      { socket: peer, events: POLLIN | POLLOUT },
      { socket: client, events: POLLIN | POLLOUT },
    ]
    expect(await wsaPoll(fds, 0)).toBe(2)
    expect(fds.map((f) => f.revents)).toEqual([0, POLLWRNORM, POLLWRNORM])
    expect(client.getError()).toBeNull()
  })

  it('data waiting is POLLRDNORM; a wait wakes when it comes', async () => {
    const { client, peer } = await pair()
    const fds: WsaPollFd[] = [{ socket: peer, events: POLLIN }]
    const waiting = wsaPoll(fds, 2000)
    await delay(20)
    expect(await isSettled(waiting)).toBe(false)
    client.send(bytes('1234'))
    expect(await within(waiting, 'WSAPoll')).toBe(1)
    expect(fds[0]!.revents).toBe(POLLRDNORM)
    await recvExactly(peer, 4)
  })

  it('once the peer has closed: POLLHUP alone for POLLIN, POLLWRNORM | POLLHUP for POLLIN | POLLOUT; recv then 0', async () => {
    const { client, peer } = await pair()
    peer.close()
    const fds: WsaPollFd[] = [{ socket: client, events: POLLIN }]
    await eventually(async () => (await wsaPoll(fds, 0)) === 1, 'the close')
    expect(fds[0]!.revents).toBe(POLLHUP)
    const both: WsaPollFd[] = [{ socket: client, events: POLLIN | POLLOUT }]
    expect(await wsaPoll(both, 0)).toBe(1)
    expect(both[0]!.revents).toBe(POLLWRNORM | POLLHUP)
    expect(client.recv(new Uint8Array(8))).toBe(0)
  })

  it('data left when the peer closed: POLLRDNORM | POLLHUP', async () => {
    const { client, peer } = await pair()
    peer.send(bytes('last'))
    peer.close()
    const fds: WsaPollFd[] = [{ socket: client, events: POLLIN }]
    await eventually(async () => (await wsaPoll(fds, 0)) === 1 && fds[0]!.revents === (POLLRDNORM | POLLHUP), 'data and the close')
  })

  it('a refused connect is POLLERR | POLLHUP, and SO_ERROR still holds WSAECONNREFUSED', async () => {
    const s = tcp()
    s.connect(closedPort(), LOOPBACK[4])
    const fds: WsaPollFd[] = [{ socket: s, events: POLLIN | POLLOUT }]
    expect(await within(wsaPoll(fds, 2000), 'WSAPoll')).toBe(1)
    expect(fds[0]!.revents).toBe(POLLERR | POLLHUP)
    expect(s.getError()).toMatchObject({ code: 'ECONNREFUSED', wsaCode: 10061 })
  })
})

describe('test_WSAPoll: closed sockets', () => {
  it('a socket closed before the call is POLLNVAL and counted; the others are answered at once', async () => {
    const { client } = await pair()
    const closed = tcp()
    closed.close()
    const fds: WsaPollFd[] = [
      { socket: client, events: POLLOUT },
      { socket: closed, events: POLLIN | POLLOUT },
    ]
    expect(await wsaPoll(fds, 2000)).toBe(2)
    expect(fds.map((f) => f.revents)).toEqual([POLLWRNORM, POLLNVAL])
  })

  it('a socket closed during the wait ends it: POLLNVAL', async () => {
    const { client } = await pair()
    const fds: WsaPollFd[] = [{ socket: client, events: POLLIN }]
    const waiting = wsaPoll(fds, 2000)
    await delay(20)
    client.close()
    expect(await within(waiting, 'WSAPoll')).toBe(1)
    expect(fds[0]!.revents).toBe(POLLNVAL)
  })
})

describe('UDP sockets', () => {
  it('are POLLWRNORM in every state, and POLLRDNORM with a datagram queued', async () => {
    const receiver = boundUdp()
    const fresh = track(udp())
    const fds: WsaPollFd[] = [
      { socket: fresh, events: POLLIN | POLLOUT },
      { socket: receiver, events: POLLIN | POLLOUT },
    ]
    expect(await wsaPoll(fds, 0)).toBe(2)
    expect(fds.map((f) => f.revents)).toEqual([POLLWRNORM, POLLWRNORM])
    udp().sendTo(bytes('d'), receiver.localPort, LOOPBACK[4])
    const reading: WsaPollFd[] = [{ socket: receiver, events: POLLIN }]
    expect(await within(wsaPoll(reading, 2000), 'WSAPoll')).toBe(1)
    expect(reading[0]!.revents).toBe(POLLRDNORM)
  })
})
