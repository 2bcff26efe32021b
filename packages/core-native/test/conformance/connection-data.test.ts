// AcceptEx's receive buffer and ConnectEx's send buffer as Windows answers them, from Wine's
// dlls/ws2_32/tests/sock.c (test_AcceptEx, test_ConnectEx, test_completion_port,
// test_connect_completion_port), in our words: AcceptEx with a data buffer completes only once the
// connection's first data has come, with their count; ConnectEx sends its buffer once connected and
// reports the bytes sent. Linux has neither: the core chains the receive or send to the accept or
// connect, on both engines.
import { describe, expect, it } from 'vitest'
import {
  Overlapped,
  WsaEvent,
  acceptEx,
  connectEx,
  getAcceptExSockaddrs,
  getOverlappedResult,
  pendingOperations,
} from '../../lib/index.js'
import { expectTypeError } from '../helpers/errors.js'
import { WSA_OPERATION_ABORTED, nextPacket, untilDone, usePorts } from '../helpers/overlapped.js'
import { LOOPBACK, bytes, eventually, listener, recvExactly, tcp, text, track, useSocketCleanup } from '../helpers/sockets.js'
import { delay } from '../helpers/time.js'

useSocketCleanup()

const port = usePorts()

describe('test_AcceptEx: the receive buffer', () => {
  it('AcceptEx waits for the first data, then reports their length; getAcceptExSockaddrs names both ends', async () => {
    const server = listener()
    const acceptor = tcp()
    const ov = new Overlapped({ event: new WsaEvent() })
    const buffer = new Uint8Array(64)
    acceptEx(server, acceptor, ov, undefined, { buffer })
    const connector = tcp()
    connector.connect(server.localPort, LOOPBACK[4])
    // Connected (on loopback the handshake is immediate), but no data yet: still pending.
    await delay(50)
    expect({ pending: ov.pending, signaled: ov.event!.signaled }).toEqual({ pending: true, signaled: false })
    connector.send(bytes('x'))
    await untilDone(ov, 'the AcceptEx')
    expect(await getOverlappedResult(server, ov, false)).toEqual({ bytes: 1, flags: 0 })
    expect(text(buffer, 1)).toBe('x')
    expect(getAcceptExSockaddrs(acceptor)).toEqual({ local: server.address(), remote: connector.address() })
  })

  it('a peer that closes without sending completes it with 0 bytes', async () => {
    const server = listener()
    const acceptor = tcp()
    const ov = new Overlapped()
    acceptEx(server, acceptor, ov, undefined, { buffer: new Uint8Array(64) })
    const connector = tcp()
    connector.connect(server.localPort, LOOPBACK[4])
    await delay(50)
    connector.close()
    await untilDone(ov, 'the AcceptEx')
    expect({ error: ov.error, bytes: ov.bytes }).toEqual({ error: null, bytes: 0 })
  })

  it('through a port: the packet comes with the listener\'s key once the data has come', async () => {
    const src = listener()
    const dest = tcp()
    const p = port()
    p.associate(src, 125)
    p.associate(dest, 236)
    const ov = new Overlapped()
    acceptEx(src, dest, ov, undefined, { buffer: new Uint8Array(1024) })
    const connector = tcp()
    connector.connect(src.localPort, LOOPBACK[4])
    await delay(50)
    connector.send(bytes('1'))
    const packet = await nextPacket(p)
    expect({ key: packet.key, bytes: packet.bytes, error: packet.error, same: packet.overlapped === ov }).toEqual({
      key: 125,
      bytes: 1,
      error: 0,
      same: true,
    })
    expect(await p.getQueuedCompletionStatus(100)).toBeNull()
  })

  it('closing the accept socket while it waits for the data aborts it (WSA_OPERATION_ABORTED), on the port', async () => {
    const base = pendingOperations()
    const src = listener()
    const dest = tcp()
    const p = port()
    p.associate(src, 125)
    const ov = new Overlapped()
    acceptEx(src, dest, ov, undefined, { buffer: new Uint8Array(1024) })
    const connector = tcp()
    connector.connect(src.localPort, LOOPBACK[4])
    await delay(50)
    dest.close()
    const packet = await nextPacket(p)
    expect({ key: packet.key, bytes: packet.bytes, error: packet.error }).toEqual({ key: 125, bytes: 0, error: WSA_OPERATION_ABORTED })
    expect(pendingOperations()).toBe(base)
  })

  it('an empty buffer is AcceptEx without data: it completes at the connection', async () => {
    const server = listener()
    const acceptor = tcp()
    const ov = new Overlapped()
    acceptEx(server, acceptor, ov, undefined, { buffer: new Uint8Array(0) })
    const connector = tcp()
    connector.connect(server.localPort, LOOPBACK[4])
    await untilDone(ov, 'the AcceptEx')
    expect({ error: ov.error, bytes: ov.bytes }).toEqual({ error: null, bytes: 0 })
    expect(getAcceptExSockaddrs(acceptor).remote).toEqual(connector.address())
  })
})

describe('test_ConnectEx: the send buffer', () => {
  it('the bytes are copied at the call, sent once connected, and the completion reports them (also on the port)', async () => {
    const server = listener()
    const connector = tcp()
    const p = port()
    p.associate(connector, 0)
    const ov = new Overlapped()
    const buffer = bytes('123')
    connectEx(connector, server.localPort, LOOPBACK[4], ov, undefined, { buffer })
    buffer.fill(0)
    const packet = await nextPacket(p)
    expect({ key: packet.key, bytes: packet.bytes, error: packet.error, same: packet.overlapped === ov }).toEqual({
      key: 0,
      bytes: 3,
      error: 0,
      same: true,
    })
    expect(await getOverlappedResult(connector, ov, false)).toEqual({ bytes: 3, flags: 0 })
    const acceptor = track(await eventually(() => server.accept(), 'accept'))
    expect(text(await recvExactly(acceptor, 3), 3)).toBe('123')
  })

  it('a refused connect sends nothing and fails as without a buffer', async () => {
    const closed = listener()
    const target = closed.localPort
    closed.close()
    const connector = tcp()
    const ov = new Overlapped()
    connectEx(connector, target, LOOPBACK[4], ov, undefined, { buffer: bytes('lost') })
    await untilDone(ov, 'the ConnectEx')
    expect(ov.error?.code).toBe('ECONNREFUSED')
  })
})

describe('the data options: bad input', () => {
  it('options must be an object and buffer a Uint8Array (TypeError); nothing starts', () => {
    const server = listener()
    const ov = new Overlapped()
    for (const bad of [1, 'x', null]) {
      expectTypeError(() => acceptEx(server, tcp(), ov, undefined, bad as never))
      expectTypeError(() => connectEx(tcp(), server.localPort, LOOPBACK[4], ov, undefined, bad as never))
    }
    for (const bad of [1, 'x', null, [new Uint8Array(1)], new ArrayBuffer(4), new DataView(new ArrayBuffer(4))]) {
      expectTypeError(() => acceptEx(server, tcp(), ov, undefined, { buffer: bad as never }))
      expectTypeError(() => connectEx(tcp(), server.localPort, LOOPBACK[4], ov, undefined, { buffer: bad as never }))
    }
    expect(ov.pending).toBe(false)
    expectTypeError(() => getAcceptExSockaddrs({} as never))
  })
})
