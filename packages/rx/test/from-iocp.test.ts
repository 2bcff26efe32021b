// fromIocp: the packets of a completion port, drained by one loop shared by every subscriber,
// taken only while someone is subscribed, the port left usable after the last one leaves.
import { CompletionPort, Overlapped, Socket, connectEx, type CompletionPacket } from '@wsm/core-native'
import { Subject, take, takeUntil } from 'rxjs'
import { afterEach, describe, expect, it } from 'vitest'
import { fromIocp } from '../src/index.js'
import { turn, valuesOf, within } from './helpers/wait.js'

const ports: CompletionPort[] = []
function newPort(): CompletionPort {
  const port = new CompletionPort()
  ports.push(port)
  return port
}
afterEach(() => {
  for (const p of ports.splice(0)) p.close()
})

const bytesOf = (packets: CompletionPacket[]) => packets.map((p) => p.bytes)

describe('fromIocp', () => {
  it('emits the packets in FIFO order, the very Overlapped objects; take(n) completes and tears down', async () => {
    const port = newPort()
    const ov = new Overlapped()
    const got = valuesOf(fromIocp(port).pipe(take(3)), 'three packets')
    port.postQueuedCompletionStatus(1, 10, ov)
    port.postQueuedCompletionStatus(2, 20)
    port.postQueuedCompletionStatus(3, 30)
    const packets = await got
    expect(packets.map((p) => [p.bytes, p.key])).toEqual([[1, 10], [2, 20], [3, 30]])
    expect(packets[0]!.overlapped).toBe(ov)
  })

  it('does nothing before subscribe: a packet posted stays on the port', async () => {
    const port = newPort()
    port.postQueuedCompletionStatus(7, 7)
    const packets$ = fromIocp(port)
    await turn()
    expect(port.size).toBe(1)
    expect(bytesOf(await valuesOf(packets$.pipe(take(1)), 'the packet'))).toEqual([7])
  })

  it('unsubscribed while waiting, the loop gives its wait up: a packet posted later goes to the next waiter', async () => {
    const port = newPort()
    const got = valuesOf(fromIocp(port).pipe(take(1)), 'one packet')
    await turn()
    port.postQueuedCompletionStatus(1, 1)
    expect(bytesOf(await got)).toEqual([1])
    const subscription = fromIocp(port).subscribe()
    await turn() // the drain loop is waiting on the port
    subscription.unsubscribe()
    // A wait left behind would swallow this one.
    port.postQueuedCompletionStatus(2, 2)
    await turn()
    expect(port.size).toBe(1)
    expect(await port.getQueuedCompletionStatus(0)).toMatchObject({ bytes: 2 })
  })

  it('is shared: every subscriber sees every packet from its subscription on', async () => {
    const port = newPort()
    const stop = new Subject<void>()
    const a: number[] = []
    const b: number[] = []
    fromIocp(port).pipe(takeUntil(stop)).subscribe((p) => a.push(p.bytes))
    await turn()
    port.postQueuedCompletionStatus(1, 0)
    await turn()
    fromIocp(port, { maxBatch: 8 }).pipe(takeUntil(stop)).subscribe((p) => b.push(p.bytes))
    port.postQueuedCompletionStatus(2, 0)
    port.postQueuedCompletionStatus(3, 0)
    await turn()
    stop.next()
    expect(a).toEqual([1, 2, 3])
    expect(b).toEqual([2, 3])
  })

  it('maxBatch 1 takes no packet before it is emitted; a larger batch holds the rest for the next subscriber', async () => {
    const one = newPort()
    for (let i = 0; i < 4; i++) one.postQueuedCompletionStatus(i, 0)
    expect(bytesOf(await valuesOf(fromIocp(one, { maxBatch: 1 }).pipe(take(2)), 'two packets'))).toEqual([0, 1])
    expect(one.size).toBe(2)

    const many = newPort()
    for (let i = 0; i < 4; i++) many.postQueuedCompletionStatus(i, 0)
    expect(bytesOf(await valuesOf(fromIocp(many).pipe(take(2)), 'two packets'))).toEqual([0, 1])
    expect(many.size).toBe(0) // the batch took all four
    expect(bytesOf(await valuesOf(fromIocp(many).pipe(take(2)), 'the held packets'))).toEqual([2, 3])
  })

  it('a failed operation is a value with error and cause, not an error notification', async () => {
    const port = newPort()
    const closed = Socket.tcp()
    closed.bind(0, '127.0.0.1')
    const refusedPort = closed.localPort
    closed.close() // nothing listens there now
    const s = Socket.tcp()
    port.associate(s, 5)
    const ov = new Overlapped()
    const got = valuesOf(fromIocp(port).pipe(take(1)), 'the connect packet')
    connectEx(s, refusedPort, '127.0.0.1', ov)
    const [packet] = await got
    s.close()
    expect(packet).toMatchObject({ key: 5, overlapped: ov, error: 10061 })
    expect(packet!.cause).toMatchObject({ code: 'ECONNREFUSED' })
  })

  it('completes when the port is closed, and at once on a port already closed', async () => {
    const port = newPort()
    const got = valuesOf(fromIocp(port), 'the completion')
    await turn()
    port.postQueuedCompletionStatus(1, 1)
    await turn()
    port.close()
    expect(bytesOf(await got)).toEqual([1])
    expect(await valuesOf(fromIocp(port), 'the completion of a closed port')).toEqual([])
  })

  it('bad arguments throw a coded TypeError when called, not on subscribe', () => {
    const port = newPort()
    for (const bad of [{}, null, 'port', Object.create(CompletionPort.prototype)]) {
      expect(() => fromIocp(bad as never)).toThrow(expect.objectContaining({ name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' }))
    }
    expect(() => fromIocp(port, 5 as never)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }))
    expect(() => fromIocp(port, { maxBatch: '8' as never })).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }))
    for (const maxBatch of [0, 1.5, 65537, NaN]) {
      expect(() => fromIocp(port, { maxBatch })).toThrow(expect.objectContaining({ name: 'TypeError', code: 'ERR_INVALID_ARG_VALUE' }))
    }
  })
})
