// FdSet: Winsock's fd_set (FD_SET, FD_CLR, FD_ISSET, FD_ZERO) and the constants of the contract.
import { describe, expect, it } from 'vitest'
import * as core from '../lib/index.js'
import { FD_SETSIZE, FdSet } from '../lib/index.js'
import { expectWsmError } from './helpers/errors.js'
import { expectNoFdLeaks } from './helpers/fds.js'
import { closeAll, tcp, useSocketCleanup } from './helpers/sockets.js'

expectNoFdLeaks(closeAll)
useSocketCleanup()

describe('FdSet', () => {
  it('starts empty with capacity FD_SETSIZE (64)', () => {
    const set = new FdSet()
    expect(set.size).toBe(0)
    expect([...set]).toEqual([])
    expect(set.capacity).toBe(64)
    expect(FD_SETSIZE).toBe(64)
  })

  it('is filled from an iterable, in order, without duplicates', () => {
    const [a, b, c] = [tcp(), tcp(), tcp(6)]
    const set = new FdSet([b, a, b, c, a])
    expect(set.size).toBe(3)
    const members = [...set]
    expect(members[0]).toBe(b)
    expect(members[1]).toBe(a)
    expect(members[2]).toBe(c)
    expect(new FdSet(new Set([c, a])).size).toBe(2)
    expect(new FdSet(new FdSet([a, b])).size).toBe(2)
  })

  it('add, has, delete and clear are FD_SET, FD_ISSET, FD_CLR and FD_ZERO', () => {
    const [a, b] = [tcp(), tcp()]
    const set = new FdSet()
    set.add(a)
    set.add(a)
    expect(set.size).toBe(1)
    expect(set.has(a)).toBe(true)
    expect(set.has(b)).toBe(false)
    expect(set.delete(b)).toBe(false)
    set.add(b)
    expect(set.delete(a)).toBe(true)
    expect(set.has(a)).toBe(false)
    expect([...set][0]).toBe(b)
    set.clear()
    expect(set.size).toBe(0)
    expect(set.has(b)).toBe(false)
  })

  it('holds the socket objects themselves: one socket may be in several sets', () => {
    const s = tcp()
    const one = new FdSet([s])
    const two = new FdSet([s])
    expect([...one][0]).toBe(s)
    expect([...two][0]).toBe(s)
    one.delete(s)
    expect(two.has(s)).toBe(true)
  })

  it('with room made by delete, a full set takes a new socket again', () => {
    const [a, b, c] = [tcp(), tcp(), tcp()]
    const set = new FdSet([a, b], 2)
    expectWsmError(() => set.add(c), 'ENOBUFS')
    set.delete(a)
    set.add(c)
    expect([...set]).toEqual([b, c])
  })
})

describe('constants', () => {
  it('have their Winsock values', () => {
    expect({
      FD_READ: core.FD_READ,
      FD_WRITE: core.FD_WRITE,
      FD_OOB: core.FD_OOB,
      FD_ACCEPT: core.FD_ACCEPT,
      FD_CONNECT: core.FD_CONNECT,
      FD_CLOSE: core.FD_CLOSE,
      WSA_WAIT_EVENT_0: core.WSA_WAIT_EVENT_0,
      WSA_WAIT_TIMEOUT: core.WSA_WAIT_TIMEOUT,
      WAIT_IO_COMPLETION: core.WAIT_IO_COMPLETION,
      WSA_MAXIMUM_WAIT_EVENTS: core.WSA_MAXIMUM_WAIT_EVENTS,
      FD_SETSIZE: core.FD_SETSIZE,
    }).toEqual({
      FD_READ: 1,
      FD_WRITE: 2,
      FD_OOB: 4,
      FD_ACCEPT: 8,
      FD_CONNECT: 16,
      FD_CLOSE: 32,
      WSA_WAIT_EVENT_0: 0,
      WSA_WAIT_TIMEOUT: 258,
      WAIT_IO_COMPLETION: 192,
      WSA_MAXIMUM_WAIT_EVENTS: 64,
      FD_SETSIZE: 64,
    })
  })
})
