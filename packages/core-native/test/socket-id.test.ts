// The numbers WSARecv and WSASend name their socket by at the native boundary (SocketHandle#id,
// src/net/socket_table.h): unique among live sockets, read-only, and never a way to reach a socket
// that is gone — anything but the number of a live socket is a TypeError and starts nothing.
import { describe, expect, it } from 'vitest'
import { native } from '../lib/binding.js'
import { Overlapped, Socket, WsmError, pendingOperations, recvOverlapped } from '../lib/index.js'
import { nativeHandleOf } from '../lib/socket.js'
import { expectTypeError, expectWsmError } from './helpers/errors.js'
import { expectNoFdLeaks } from './helpers/fds.js'
import { JUNK, show } from './helpers/junk.js'
import { fullGc, untilDone } from './helpers/overlapped.js'
import { bytes, pair, text, track, useSocketCleanup } from './helpers/sockets.js'

useSocketCleanup()

const idOf = (s: Socket): number => nativeHandleOf(s).id
const INDEX_BITS = 24
const indexOf = (id: number): number => id & ((1 << INDEX_BITS) - 1)

describe('socket ids', () => {
  expectNoFdLeaks()

  it('are distinct positive integers among live sockets, and read-only', () => {
    const sockets = Array.from({ length: 64 }, () => track(Socket.tcp()))
    const ids = sockets.map(idOf)
    for (const id of ids) expect(Number.isInteger(id) && id > 0).toBe(true)
    expect(new Set(ids).size).toBe(ids.length)
    const handle = nativeHandleOf(sockets[0]!) as { id: number }
    expect(() => {
      handle.id = ids[1]!
    }).toThrow(TypeError)
    expect(handle.id).toBe(ids[0])
  })

  it('name the socket: a receive by id gets that socket’s bytes', async () => {
    const { client, peer } = await pair()
    const buf = new Uint8Array(16)
    const ov = new Overlapped()
    recvOverlapped(peer, buf, ov)
    client.send(bytes('by number'))
    await untilDone(ov)
    expect(ov.error).toBeNull()
    expect(text(buf, ov.bytes)).toBe('by number')
  })

  it('anything but the number of a live socket is a TypeError and starts nothing', async () => {
    const { client } = await pair()
    const id = idOf(client)
    const notIssued = [id + 0.5, -1, -id, 2 ** 32, 2 ** 32 + id, Number.NaN, Infinity, (1 << INDEX_BITS) - 1, 255 * 2 ** INDEX_BITS + indexOf(id) + 1]
    const before = pendingOperations()
    for (const value of [...JUNK, ...notIssued, nativeHandleOf(client), client]) {
      for (const call of [native.ioRecv, native.ioSend]) {
        const e = expectTypeError(() => call(value as number, new Uint8Array(4)))
        expect(e.message, show(value)).toMatch(/socket/)
      }
    }
    expect(pendingOperations()).toBe(before)
  })

  it('a closed socket’s number is EBADF while the object lives, then finds nothing once it is collected, even after its slot is reused', async () => {
    {
      let id = 0
      ;(() => {
        const s = Socket.tcp()
        id = idOf(s)
        s.close()
        expect(expectWsmError(() => native.ioRecv(id, new Uint8Array(4)), 'EBADF')).toBeInstanceOf(WsmError)
      })()
      let collected = false
      for (let round = 0; round < 20 && !collected; round++) {
        await fullGc()
        try {
          native.ioRecv(id, new Uint8Array(4))
        } catch (e) {
          collected = e instanceof TypeError && (e as { code?: unknown }).code === 'ERR_INVALID_ARG_TYPE'
        }
      }
      expect(collected, 'the closed socket was collected and its number forgotten').toBe(true)
      // Take slots until the freed one comes back (other collected sockets' slots may come first);
      // each is closed at once, its object (and so its slot) kept.
      const fresh: Socket[] = []
      let reused: Socket | undefined
      while (!reused && fresh.length < 20_000) {
        const s = Socket.tcp()
        s.close()
        fresh.push(s)
        if (indexOf(idOf(s)) === indexOf(id)) reused = s
      }
      expect(reused, 'a new socket took the freed slot').toBeDefined()
      expect(idOf(reused!)).not.toBe(id)
      expectTypeError(() => native.ioSend(id, new Uint8Array(4)))
    }
  })
})
