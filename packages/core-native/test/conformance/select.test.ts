// select as Windows answers it, from Wine's dlls/ws2_32/tests/sock.c (test_select), in our words:
// a socket closed while select waits, and a refused connect (SO_ERROR kept, a new connect() allowed).
import { describe, expect, it } from 'vitest'
import { FdSet, WsmError, select } from '../../lib/index.js'
import { LOOPBACK, closedPort, listener, pair, tcp, useSocketCleanup } from '../helpers/sockets.js'
import { isSettled, within } from '../helpers/time.js'
import { WSAEINVAL, expectWinsockError } from './winsock-errors.js'

useSocketCleanup()

const WSAENOTSOCK = 10038

/** The settled value of `p`, or the error it rejected with. */
function outcome<T>(p: Promise<T>): Promise<T | unknown> {
  return within(
    p.then(
      (v) => v,
      (e: unknown) => e,
    ),
    'select',
  )
}

describe('test_select: a socket closed while select waits', () => {
  it('a listener in the read set (SelectReadThread): the wait ends with it in the read set', async () => {
    const s = listener()
    const read = new FdSet([s])
    const p = select({ read })
    expect(await isSettled(p)).toBe(false)
    s.close()
    expect(await outcome(p)).toBe(1)
    expect([...read]).toEqual([s])
  })

  it('a connection in the read and except sets (SelectCloseThread): 1, in the read set only; the other sockets are not reported', async () => {
    const { client, peer } = await pair()
    const read = new FdSet([client, peer])
    const except = new FdSet([client, peer])
    const p = select({ read, except })
    expect(await isSettled(p)).toBe(false)
    client.close()
    expect(await outcome(p)).toBe(1)
    expect([...read]).toEqual([client])
    expect(except.size).toBe(0)
  })

  it('a connection in the except set only: WSAENOTSOCK, and it is no longer in the set', async () => {
    const { client } = await pair()
    const except = new FdSet([client])
    const p = select({ except })
    expect(await isSettled(p)).toBe(false)
    client.close()
    const e = await outcome(p)
    expect(e).toBeInstanceOf(WsmError)
    expect(e).toMatchObject({ code: 'ENOTSOCK', wsaCode: WSAENOTSOCK, syscall: 'select' })
    expect(except.has(client)).toBe(false)
  })

  it('a socket closed before the call: WSAENOTSOCK, the sets unchanged', async () => {
    const { client, peer } = await pair()
    client.close()
    const read = new FdSet([client, peer])
    const except = new FdSet([client, peer])
    const e = await outcome(select({ read, except }, 1250))
    expect(e).toMatchObject({ code: 'ENOTSOCK', wsaCode: WSAENOTSOCK })
    expect([read.size, except.size]).toEqual([2, 2])
  })
})

describe('test_select: a refused connect', () => {
  const WSAECONNREFUSED = 10061

  /** select over all three sets with `s` in each; the sets it came back in. */
  async function selectAll(s: ReturnType<typeof tcp>): Promise<string[]> {
    const sets = { read: new FdSet([s]), write: new FdSet([s]), except: new FdSet([s]) }
    expect(await within(select(sets, 5000), 'select')).toBe(1)
    return Object.entries(sets).flatMap(([name, set]) => (set.has(s) ? [name] : []))
  }

  it('SO_ERROR keeps WSAECONNREFUSED, read after read, and select keeps the socket in the except set', async () => {
    const s = tcp()
    s.connect(closedPort(), LOOPBACK[4])
    expect(await selectAll(s)).toEqual(['except'])
    for (let i = 0; i < 2; i++) {
      expect(s.getError()).toMatchObject({ code: 'ECONNREFUSED', wsaCode: WSAECONNREFUSED })
    }
    expect(await selectAll(s)).toEqual(['except'])
  })

  it('a new connect() starts a new attempt (WSAEWOULDBLOCK, not WSAECONNABORTED); SO_ERROR keeps the old error until one succeeds', async () => {
    const s = tcp()
    s.connect(closedPort(), LOOPBACK[4])
    expect(await selectAll(s)).toEqual(['except'])
    s.connect(closedPort(), LOOPBACK[4]) // refused again
    expect(s.getError()).toMatchObject({ code: 'ECONNREFUSED' })
    expect(await selectAll(s)).toEqual(['except'])

    const server = listener()
    s.connect(server.localPort, LOOPBACK[4])
    expect(await selectAll(s)).toEqual(['write'])
    expect(s.getError()).toBeNull()
    expect(s.remotePort).toBe(server.localPort)
    const accepted = server.accept()
    expect(accepted?.remotePort).toBe(s.localPort)
    accepted?.close()
  })

  it('listen after a failed connect: Windows listens (Wine: todo, "Linux seems to forbid this"); Linux refuses with EINVAL, even after AF_UNSPEC, and so do we', async () => {
    const s = tcp()
    s.bind(0, LOOPBACK[4])
    s.connect(closedPort(), LOOPBACK[4])
    expect(await selectAll(s)).toEqual(['except'])
    expectWinsockError(() => s.listen(1), 'EINVAL', WSAEINVAL, 'listen')
    // Nothing changed: still failed, its error kept.
    expect(await selectAll(s)).toEqual(['except'])
    expect(s.getError()).toMatchObject({ code: 'ECONNREFUSED' })
  })
})
