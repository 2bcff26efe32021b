// bind to an address another socket holds, as Windows answers it, from Wine's
// dlls/ws2_32/tests/sock.c (test_reuseaddr) and afd.c (test_bind), in our words. Linux lets two
// bound, not listening sockets share an address when both set SO_REUSEADDR, which bind() always
// sets here (for TIME_WAIT reuse); Windows refuses the second one.
import { once } from 'node:events'
import { fileURLToPath } from 'node:url'
import { Worker } from 'node:worker_threads'
import { describe, expect, it } from 'vitest'
import { SOL_SOCKET, SO_EXCLUSIVEADDRUSE, SO_REUSEADDR } from '../../lib/index.js'
import { FAMILIES, LOOPBACK, tcp, useSocketCleanup } from '../helpers/sockets.js'
import { expectWinsockError } from './winsock-errors.js'

useSocketCleanup()

const WSAEACCES = 10013
const WSAEADDRINUSE = 10048
const WILDCARD = { 4: '0.0.0.0', 6: '::' } as const

/** A port nobody holds: bound by a socket closed at once (its record is gone with it). */
function freePort(family: 4 | 6): number {
  const s = tcp(family)
  s.bind(0, LOOPBACK[family])
  const port = s.localPort
  s.close()
  return port
}

describe.each(FAMILIES)('test_bind / test_reuseaddr over IPv%i', (family) => {
  const host = LOOPBACK[family]

  it('a second socket binding the address of a bound, not listening socket fails with WSAEADDRINUSE (specific and wildcard address)', () => {
    for (const address of [host, WILDCARD[family]]) {
      const port = freePort(family)
      const first = tcp(family)
      first.bind(port, address)
      const second = tcp(family)
      expectWinsockError(() => second.bind(port, address), 'EADDRINUSE', WSAEADDRINUSE, 'bind')
      // A refused bind leaves the socket unbound: it can bind elsewhere.
      second.bind(0, host)
      expect(second.localPort).not.toBe(port)
    }
  })

  it('closing the holder frees the address; a failed bind holds nothing', () => {
    const port = freePort(family)
    const first = tcp(family)
    first.bind(port, host)
    const refused = tcp(family)
    expectWinsockError(() => refused.bind(port, host), 'EADDRINUSE', WSAEADDRINUSE, 'bind')
    first.close()
    refused.bind(port, host)
    expect(refused.localPort).toBe(port)
    refused.close()
    const third = tcp(family)
    third.bind(port, host)
    expect(third.localPort).toBe(port)
  })

  it('port 0 never collides: each bind gets a port of its own', () => {
    const ports = new Set<number>()
    for (let i = 0; i < 8; i++) {
      const s = tcp(family)
      s.bind(0, host)
      ports.add(s.localPort)
    }
    expect(ports.size).toBe(8)
  })

  it('a wildcard and a specific address on one port do not collide, in either order', () => {
    for (const [a, b] of [
      [WILDCARD[family], host],
      [host, WILDCARD[family]],
    ]) {
      const port = freePort(family)
      tcp(family).bind(port, a)
      const second = tcp(family)
      second.bind(port, b)
      expect(second.localPort).toBe(port)
    }
  })

  it('SO_REUSEADDR on the second socket only: WSAEACCES; on both: the bind succeeds', () => {
    const port = freePort(family)
    tcp(family).bind(port, host)
    const second = tcp(family)
    second.setSockOpt(SOL_SOCKET, SO_REUSEADDR, true)
    expectWinsockError(() => second.bind(port, host), 'EACCES', WSAEACCES, 'bind')

    const port2 = freePort(family)
    const a = tcp(family)
    a.setSockOpt(SOL_SOCKET, SO_REUSEADDR, true)
    a.bind(port2, host)
    const plain = tcp(family)
    expectWinsockError(() => plain.bind(port2, host), 'EADDRINUSE', WSAEADDRINUSE, 'bind')
    const b = tcp(family)
    b.setSockOpt(SOL_SOCKET, SO_REUSEADDR, true)
    b.bind(port2, host)
    expect(b.localPort).toBe(port2)
  })

  it('an SO_EXCLUSIVEADDRUSE holder refuses a newcomer with WSAEADDRINUSE, as before', () => {
    const port = freePort(family)
    const first = tcp(family)
    first.setSockOpt(SOL_SOCKET, SO_EXCLUSIVEADDRUSE, true)
    first.bind(port, host)
    expectWinsockError(() => tcp(family).bind(port, host), 'EADDRINUSE', WSAEADDRINUSE, 'bind')
  })
})

describe('test_reuseaddr: across families', () => {
  it('IPv4 and IPv6 sockets on one port do not collide (IPV6_V6ONLY)', () => {
    const port = freePort(6)
    tcp(6).bind(port, '::')
    const v4 = tcp(4)
    v4.bind(port, '0.0.0.0')
    expect(v4.localPort).toBe(port)
  })
})

describe('listeners sharing a port on purpose (SO_REUSEPORT, no Windows counterpart)', () => {
  it('two sockets that both set reusePort bind and listen on one address', () => {
    const port = freePort(4)
    const a = tcp(4)
    const b = tcp(4)
    a.setReusePort(true)
    b.setReusePort(true)
    a.bind(port, LOOPBACK[4])
    b.bind(port, LOOPBACK[4])
    a.listen()
    b.listen()
    expect([a.localPort, b.localPort]).toEqual([port, port])
  })
})

describe('the record spans the threads of the process', () => {
  it("a Worker's bound socket holds its address against the main thread, and frees it when the Worker ends", async () => {
    const port = freePort(4)
    const core = fileURLToPath(new URL('../../dist/index.cjs', import.meta.url))
    const worker = new Worker(
      `const { Socket } = require(${JSON.stringify(core)})
       const s = Socket.tcp()
       s.bind(${port}, '127.0.0.1')
       require('node:worker_threads').parentPort.postMessage('bound')
       setInterval(() => {}, 1000)`,
      { eval: true },
    )
    try {
      await once(worker, 'message')
      expectWinsockError(() => tcp(4).bind(port, LOOPBACK[4]), 'EADDRINUSE', WSAEADDRINUSE, 'bind')
    } finally {
      await worker.terminate()
    }
    const s = tcp(4)
    s.bind(port, LOOPBACK[4])
    expect(s.localPort).toBe(port)
  })
})
