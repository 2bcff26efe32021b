// Model 4, overlapped I/O with event notification (WSARecv/WSASend + WSAOVERLAPPED.hEvent,
// WSAGetOverlappedResult, CancelIoEx): the Winsock rules of DESIGN.md over real loopback sockets,
// IPv4 and IPv6, on the engine WSM_BACKEND selects.
import { describe, expect, it } from 'vitest'
import {
  Overlapped,
  WSA_WAIT_TIMEOUT,
  WsaEvent,
  WsmError,
  cancelIoEx,
  getOverlappedResult,
  pendingOperations,
  recvOverlapped,
  sendOverlapped,
  waitForMultipleEvents,
} from '../lib/index.js'
import { expectTypeError, expectWsmError } from './helpers/errors.js'
import { expectNoFdLeaks } from './helpers/fds.js'
import {
  WSA_IO_INCOMPLETE,
  WSA_OPERATION_ABORTED,
  equalBytes,
  expectRejectsWsm,
  outcome,
  random,
  untilDone,
  untilNoPendingOperations,
} from './helpers/overlapped.js'
import { FAMILIES, bytes, closeAll, pair, recvExactly, tcp, text, useSocketCleanup } from './helpers/sockets.js'
import { WAIT_MS, delay, isSettled, within } from './helpers/time.js'

expectNoFdLeaks(async () => {
  closeAll()
  await untilNoPendingOperations()
})
useSocketCleanup()

/** Waits (bounded) for `event` to be signalled, through WSAWaitForMultipleEvents. */
async function signalled(event: WsaEvent): Promise<void> {
  expect(await within(waitForMultipleEvents([event], { timeoutMs: WAIT_MS }), 'the event')).toBe(0)
}

describe.each(FAMILIES)('overlapped I/O with event notification, IPv%i', (family) => {
  it('a pending receive: pending, event unsignalled, getOverlappedResult(false) is WSA_IO_INCOMPLETE; at completion the event is signalled', async () => {
    const { client, peer } = await pair(family)
    const event = new WsaEvent()
    const ov = new Overlapped({ event })
    expect(ov.event).toBe(event)
    expect(ov.pending).toBe(false)
    const buf = new Uint8Array(64)
    recvOverlapped(peer, buf, ov)
    expect(ov.pending).toBe(true)
    expect(event.signaled).toBe(false)

    const err = await expectRejectsWsm(getOverlappedResult(peer, ov, false), 'EINPROGRESS')
    expect(err.wsaCode).toBe(WSA_IO_INCOMPLETE)
    expect(err.syscall).toBe('WSAGetOverlappedResult')
    // Nothing was sent: the wait times out, the operation stays pending.
    expect(await waitForMultipleEvents([event], { timeoutMs: 20 })).toBe(WSA_WAIT_TIMEOUT)
    expect(ov.pending).toBe(true)
    expect(event.signaled).toBe(false)

    client.send(bytes('hello'))
    await signalled(event)
    expect(ov.pending).toBe(false)
    expect(await getOverlappedResult(peer, ov, false)).toEqual({ bytes: 5, flags: 0 })
    expect(text(buf, 5)).toBe('hello')
    expect(ov.bytes).toBe(5)
    expect(ov.error).toBeNull()
  })

  it('getOverlappedResult(wait = true) resolves when the operation completes, not before', async () => {
    const { client, peer } = await pair(family)
    const ov = new Overlapped()
    const buf = new Uint8Array(16)
    recvOverlapped(peer, buf, ov)
    const result = getOverlappedResult(peer, ov, true)
    expect(await isSettled(result)).toBe(false)
    await delay(10)
    expect(await isSettled(result)).toBe(false)
    client.send(bytes('abc'))
    expect(await within(result, 'getOverlappedResult(wait)')).toEqual({ bytes: 3, flags: 0 })
    expect(text(buf, 3)).toBe('abc')
    // Asking again gives the same result.
    expect(await getOverlappedResult(peer, ov, false)).toEqual({ bytes: 3, flags: 0 })
    expect(await getOverlappedResult(peer, ov, true)).toEqual({ bytes: 3, flags: 0 })
  })

  it('one operation per Overlapped: a second while the first is pending throws EALREADY and disturbs nothing', async () => {
    const { client, peer } = await pair(family)
    const ov = new Overlapped()
    const buf = new Uint8Array(16)
    recvOverlapped(peer, buf, ov)
    const before = pendingOperations()
    for (const second of [
      () => recvOverlapped(peer, new Uint8Array(16), ov),
      () => sendOverlapped(peer, bytes('x'), ov),
      () => recvOverlapped(client, new Uint8Array(16), ov),
      () => sendOverlapped(client, bytes('x'), ov),
    ]) {
      let err: unknown
      try {
        second()
      } catch (e) {
        err = e
      }
      expect(err).toBeInstanceOf(WsmError)
      expect(err).toMatchObject({ code: 'EALREADY', wsaCode: 10037 })
    }
    expect(pendingOperations()).toBe(before)
    expect(ov.pending).toBe(true)
    // The first one completes as if nothing had happened, and nothing was sent by the refused sends.
    client.send(bytes('first'))
    expect(await outcome(peer, ov)).toMatchObject({ bytes: 5, code: null })
    expect(text(buf, 5)).toBe('first')
    expect(() => client.recv(new Uint8Array(4))).toThrow(expect.objectContaining({ code: 'EWOULDBLOCK' }))
    // Completed: the Overlapped can be used again.
    recvOverlapped(peer, buf, ov)
    client.send(bytes('second'))
    expect(await outcome(peer, ov)).toMatchObject({ bytes: 6, code: null })
    expect(text(buf, 6)).toBe('second')
  })

  it('a typed array of any kind is sent as exactly its bytes; a kind of unknown element size is refused', async () => {
    const { client, peer } = await pair(family)
    const backing = random(64)
    // The API is typed for Uint8Array; any typed array is taken as its bytes.
    type View = new (buffer: ArrayBuffer, byteOffset: number, length: number) => Uint8Array
    const kinds = [Int8Array, Uint8Array, Uint8ClampedArray, Int16Array, Uint16Array, Int32Array, Uint32Array, Float32Array, Float64Array, BigInt64Array, BigUint64Array] as unknown as View[]
    for (const Kind of kinds) {
      // A view at an offset, so that neither the offset nor the length is the element count.
      const view = new Kind(backing.buffer as ArrayBuffer, 8, 4)
      const ov = new Overlapped()
      sendOverlapped(client, view, ov)
      expect(await outcome(client, ov), Kind.name).toMatchObject({ bytes: view.byteLength, code: null })
      const got = await recvExactly(peer, view.byteLength)
      expect(equalBytes(got, backing.subarray(8, 8 + view.byteLength)), Kind.name).toBe(true)
    }
    // Float16Array (Node 24; behind a flag in 22): its N-API kind is newer than the core's list.
    const Float16 = (globalThis as { Float16Array?: new (n: number) => Uint8Array }).Float16Array
    if (Float16) expectTypeError(() => sendOverlapped(client, new Float16(4), new Overlapped()))
  })

  it('a WSABUF array whose getter starts another operation on the same Overlapped: that one runs, the call that read the array is refused (EALREADY)', async () => {
    const { client, peer } = await pair(family)
    const ov = new Overlapped()
    const inner = new Uint8Array(16)
    for (const outer of [
      (buffers: Uint8Array[]) => recvOverlapped(peer, buffers, ov),
      (buffers: Uint8Array[]) => sendOverlapped(client, buffers, ov),
    ]) {
      let started = 0
      const buffers: Uint8Array[] = []
      Object.defineProperty(buffers, 0, {
        enumerable: true,
        get() {
          if (started++ === 0) recvOverlapped(peer, inner, ov)
          return bytes('outer')
        },
      })
      let err: unknown
      try {
        outer(buffers)
      } catch (e) {
        err = e
      }
      expect(err).toMatchObject({ code: 'EALREADY' })
      expect(started, 'the getter ran').toBe(1)
      // The operation the getter started owns the Overlapped, and completes as its own.
      client.send(bytes('inner'))
      expect(await outcome(peer, ov)).toMatchObject({ bytes: 5, code: null })
      expect(text(inner, 5)).toBe('inner')
      // Nothing of the refused send went out.
      expect(() => peer.recv(new Uint8Array(8))).toThrow(expect.objectContaining({ code: 'EWOULDBLOCK' }))
    }
  })

  it('a 0-byte receive result means the peer closed (shutdown or close)', async () => {
    for (const how of ['shutdown', 'close'] as const) {
      const { client, peer } = await pair(family)
      const event = new WsaEvent()
      const ov = new Overlapped({ event })
      recvOverlapped(peer, new Uint8Array(32), ov)
      if (how === 'shutdown') client.shutdown('send')
      else client.close()
      await signalled(event)
      expect(await getOverlappedResult(peer, ov, false)).toEqual({ bytes: 0, flags: 0 })
      // And again: the end of the stream stays the end.
      event.reset()
      recvOverlapped(peer, new Uint8Array(32), ov)
      await signalled(event)
      expect(await getOverlappedResult(peer, ov, false)).toEqual({ bytes: 0, flags: 0 })
    }
  })

  it('a WSABUF array is filled in order, each buffer to its end before the next', async () => {
    const { client, peer } = await pair(family)
    const data = bytes('0123456789')
    // Sent in one call: one segment on loopback, all there when the receive runs.
    expect(client.send(data)).toBe(10)
    const probe = new Overlapped()
    recvOverlapped(peer, new Uint8Array(0), probe)
    expect(await outcome(peer, probe)).toMatchObject({ bytes: 0, code: null })

    const a = new Uint8Array(3).fill(0xee)
    const b = new Uint8Array(4).fill(0xee)
    const c = new Uint8Array(10).fill(0xee)
    const ov = new Overlapped()
    recvOverlapped(peer, [a, b, c], ov)
    expect(await outcome(peer, ov)).toMatchObject({ bytes: 10, code: null })
    expect(text(a, 3)).toBe('012')
    expect(text(b, 4)).toBe('3456')
    expect(text(c, 3)).toBe('789')
    // The rest of the last buffer is untouched.
    expect([...c.subarray(3)]).toEqual(new Array(7).fill(0xee))
  })

  it('a WSABUF array over views of one buffer with offsets: the bytes land at the views, not at the buffer start', async () => {
    const { client, peer } = await pair(family)
    expect(client.send(bytes('abcdef'))).toBe(6)
    const probe = new Overlapped()
    recvOverlapped(peer, [new Uint8Array(0)], probe)
    await outcome(peer, probe)
    const backing = new Uint8Array(16).fill(0x2e) // '.'
    const ov = new Overlapped()
    recvOverlapped(peer, [backing.subarray(10, 12), backing.subarray(2, 6)], ov)
    expect(await outcome(peer, ov)).toMatchObject({ bytes: 6, code: null })
    expect(text(backing, 16)).toBe('..cdef....ab....')
  })

  it('a sent WSABUF array goes out in order, as one stream', async () => {
    const { client, peer } = await pair(family)
    const ov = new Overlapped()
    sendOverlapped(client, [bytes('ab'), new Uint8Array(0), bytes('cde'), bytes('f')], ov)
    expect(await outcome(client, ov)).toMatchObject({ bytes: 6, code: null })
    expect(text(await recvExactly(peer, 6), 6)).toBe('abcdef')
  })

  it('zero-length buffers make the zero-byte receive: pending while idle, completes with 0 when data is there and consumes nothing', async () => {
    for (const buffers of [new Uint8Array(0), [new Uint8Array(0)], [new Uint8Array(0), new Uint8Array(8).subarray(8)]]) {
      const { client, peer } = await pair(family)
      const event = new WsaEvent()
      const ov = new Overlapped({ event })
      recvOverlapped(peer, buffers, ov)
      await delay(20)
      expect(ov.pending).toBe(true)
      client.send(bytes('payload'))
      await signalled(event)
      expect(await getOverlappedResult(peer, ov, false)).toEqual({ bytes: 0, flags: 0 })
      // Nothing was taken: a plain recv gets all of it.
      expect(text(await recvExactly(peer, 7), 7)).toBe('payload')
      // Another zero-byte receive completes again only once new data is there.
      event.reset()
      recvOverlapped(peer, buffers, ov)
      await delay(20)
      expect(ov.pending).toBe(true)
      client.send(bytes('more'))
      await signalled(event)
      expect(text(await recvExactly(peer, 4), 4)).toBe('more')
    }
  })

  it('a send completes with all of its bytes, however large, and they arrive intact', async () => {
    const { client, peer } = await pair(family)
    const data = random(4 * 1024 * 1024 + 17)
    const event = new WsaEvent()
    const ov = new Overlapped({ event })
    sendOverlapped(client, data, ov)
    const received = recvExactly(peer, data.length)
    await signalled(event)
    expect(await getOverlappedResult(client, ov, false)).toEqual({ bytes: data.length, flags: 0 })
    expect(equalBytes(await received, data)).toBe(true)
  })

  it('the buffers of a send may be reused at once: the bytes are taken when the call is made', async () => {
    const { client, peer } = await pair(family)
    const buf = bytes('original')
    const ov = new Overlapped()
    sendOverlapped(client, buf, ov)
    buf.fill(0x58)
    expect(await outcome(client, ov)).toMatchObject({ bytes: 8, code: null })
    expect(text(await recvExactly(peer, 8), 8)).toBe('original')
  })

  it('sends and receives queued on one socket complete in the order posted, without interleaving', async () => {
    const { client, peer } = await pair(family)
    const sizes = [3 * 1024 * 1024, 100, 2 * 1024 * 1024]
    const chunks = sizes.map((n, i) => new Uint8Array(n).fill(0x41 + i))
    const sends = chunks.map(() => new Overlapped())
    const order: number[] = []
    chunks.forEach((c, i) => sendOverlapped(client, c, sends[i]!))
    const done = sends.map((ov, i) => getOverlappedResult(client, ov, true).then((r) => (order.push(i), r)))
    const got = await recvExactly(peer, sizes.reduce((a, b) => a + b))
    const results = await within(Promise.all(done), 'the sends')
    expect(results.map((r) => r.bytes)).toEqual(sizes)
    expect(order).toEqual([0, 1, 2])
    let at = 0
    for (const c of chunks) {
      expect(equalBytes(got.subarray(at, at + c.length), c)).toBe(true)
      at += c.length
    }

    // Receives: three posted, three messages sent one after the other; each receive takes from the
    // stream in the order it was posted.
    const bufs = [new Uint8Array(4), new Uint8Array(4), new Uint8Array(4)]
    const recvs = bufs.map(() => new Overlapped())
    bufs.forEach((b, i) => recvOverlapped(peer, b, recvs[i]!))
    client.send(bytes('aaaa'))
    await untilDone(recvs[0]!)
    client.send(bytes('bbbb'))
    await untilDone(recvs[1]!)
    client.send(bytes('cccc'))
    await untilDone(recvs[2]!)
    expect(bufs.map((b) => text(b, 4))).toEqual(['aaaa', 'bbbb', 'cccc'])
  })

  it('closing a socket completes its pending operations with ECANCELED (WSA_OPERATION_ABORTED) and signals their events', async () => {
    const { client, peer } = await pair(family)
    const recvEvent = new WsaEvent()
    const sendEvent = new WsaEvent()
    const recv = new Overlapped({ event: recvEvent })
    const send = new Overlapped({ event: sendEvent })
    recvOverlapped(client, new Uint8Array(16), recv)
    // Large enough that it cannot complete while the peer reads nothing.
    sendOverlapped(client, new Uint8Array(32 * 1024 * 1024), send)
    await delay(10)
    expect(send.pending).toBe(true)
    client.close()
    expect(await within(waitForMultipleEvents([recvEvent, sendEvent], { waitAll: true, timeoutMs: WAIT_MS }), 'events')).toBe(0)
    for (const ov of [recv, send]) {
      const err = await expectRejectsWsm(getOverlappedResult(client, ov, false), 'ECANCELED')
      expect(err.wsaCode).toBe(WSA_OPERATION_ABORTED)
      expect(ov.error).toBe(err)
    }
    void peer
  })

  it('cancelIoEx cancels one operation, or all of a handle; false when there is nothing to cancel', async () => {
    const { client, peer } = await pair(family)
    const a = new Overlapped()
    const b = new Overlapped()
    const c = new Overlapped()
    recvOverlapped(peer, new Uint8Array(8), a)
    recvOverlapped(peer, new Uint8Array(8), b)
    recvOverlapped(peer, new Uint8Array(8), c)
    expect(cancelIoEx(peer, b)).toBe(true)
    expect((await outcome(peer, b)).code).toBe('ECANCELED')
    expect(a.pending && c.pending).toBe(true)
    expect(cancelIoEx(peer, b)).toBe(false) // completed already
    expect(cancelIoEx(client, a)).toBe(false) // not that handle's
    expect(cancelIoEx(peer)).toBe(true)
    expect((await outcome(peer, a)).code).toBe('ECANCELED')
    expect((await outcome(peer, c)).code).toBe('ECANCELED')
    expect(cancelIoEx(peer)).toBe(false)
    // The socket is still usable, and no data was lost to the cancelled receives.
    client.send(bytes('after'))
    const d = new Overlapped()
    const buf = new Uint8Array(8)
    recvOverlapped(peer, buf, d)
    expect(await outcome(peer, d)).toMatchObject({ bytes: 5, code: null })
    expect(text(buf, 5)).toBe('after')
  })

  it('a receive on a socket that is not connected fails at the call with ENOTCONN, nothing pending', async () => {
    const s = tcp(family)
    const ov = new Overlapped()
    expectWsmError(() => recvOverlapped(s, new Uint8Array(8), ov), 'ENOTCONN')
    expect(ov.pending).toBe(false)
  })

  it('a send to a peer that is gone completes with ECONNRESET (WSAECONNRESET), never EPIPE, which Winsock has not', async () => {
    const { client, peer } = await pair(family)
    peer.close()
    // The first send may still be accepted (the RST comes back with it); keep sending until the
    // error shows.
    let code: string | null = null
    // Once the reset is there, the call itself fails (test/conformance/overlapped-ports.test.ts).
    for (let i = 0; i < 50 && code === null; i++) {
      const ov = new Overlapped()
      try {
        sendOverlapped(client, new Uint8Array(1024), ov)
      } catch (e) {
        code = (e as WsmError).code
        break
      }
      code = (await outcome(client, ov)).code
      if (code === null) await delay(2)
    }
    expect(code).toBe('ECONNRESET')
  })

  it('getOverlappedResult refuses an Overlapped never used, or used on another handle (EINVAL)', async () => {
    const { client, peer } = await pair(family)
    await expectRejectsWsm(getOverlappedResult(peer, new Overlapped(), false), 'EINVAL')
    const ov = new Overlapped()
    recvOverlapped(peer, new Uint8Array(4), ov)
    await expectRejectsWsm(getOverlappedResult(client, ov, false), 'EINVAL')
    client.send(bytes('z'))
    expect(await outcome(peer, ov)).toMatchObject({ bytes: 1 })
  })

  it('an event shared by several Overlappeds: WSAWaitForMultipleEvents over per-operation events gives the lowest completed index', async () => {
    const pairs = [await pair(family), await pair(family), await pair(family)]
    const events = pairs.map(() => new WsaEvent())
    const ovs = events.map((event) => new Overlapped({ event }))
    const bufs = pairs.map(() => new Uint8Array(8))
    pairs.forEach((p, i) => recvOverlapped(p.peer, bufs[i]!, ovs[i]!))
    expect(await waitForMultipleEvents(events, { timeoutMs: 0 })).toBe(WSA_WAIT_TIMEOUT)
    pairs[2]!.client.send(bytes('two'))
    expect(await within(waitForMultipleEvents(events, { timeoutMs: WAIT_MS }), 'wait')).toBe(2)
    pairs[1]!.client.send(bytes('one'))
    await untilDone(ovs[1]!)
    expect(await waitForMultipleEvents(events, { timeoutMs: 0 })).toBe(1)
    expect(text(bufs[1]!, 3)).toBe('one')
    expect(text(bufs[2]!, 3)).toBe('two')
  })
})
