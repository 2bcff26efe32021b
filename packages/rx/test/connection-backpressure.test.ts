// Demand-driven reading keeps memory bounded: a peer offers 100 MiB as fast as TCP takes it, and a
// consumer that spends 1 ms per chunk reads it with chunks(); what the process holds (heap and
// ArrayBuffers, measured after a collection) stays within a few MiB, because the connection is
// paused past the read-ahead mark and TCP holds the peer back. Pushed through data$ and concatMap
// instead, the whole 100 MiB would wait in concatMap's buffer.
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { EMPTY } from 'rxjs'
import { describe, expect, it } from 'vitest'
import { connect$, type RxConnection } from '../src/index.js'
import { served, useServerCleanup } from './helpers/connections.js'
import { firstOf } from './helpers/wait.js'

useServerCleanup()

setFlagsFromString('--expose-gc')
const gc = runInNewContext('gc') as () => void

const OFFERED = 100 << 20
const READ_AHEAD = 1 << 20
// The consumer's chunks: 1 ms per 128 KiB is 125 MiB/s, slower than loopback TCP in one process.
const CHUNK = 128 << 10
// Retained memory allowed above the start: the read-ahead, receive buffers, the writer's block, and
// ArrayBuffers whose release V8 finishes after the collection. Measured here: about 10 MiB; without
// the pause at the mark, 75 to 85 MiB.
const BOUND = 32 << 20

const held = () => {
  gc()
  const { heapUsed, arrayBuffers } = process.memoryUsage()
  return heapUsed + arrayBuffers
}

/** Writes `total` bytes as fast as the connection takes them (write until false, then 'drain'), then ends. */
function offer(c: RxConnection, total: number): void {
  const block = Buffer.alloc(256 * 1024, 0x5a)
  let left = total
  const pump = () => {
    while (left > 0 && !c.connection.destroyed) {
      const n = Math.min(left, block.length)
      left -= n
      if (!c.connection.write(block.subarray(0, n))) return
    }
    if (left === 0 && !c.connection.destroyed) c.connection.end()
  }
  c.connection.on('drain', pump)
  pump()
}

describe('chunks(): a slow consumer', () => {
  it('reads 100 MiB at 1 ms per chunk with memory bounded by the read-ahead', { timeout: 30_000 }, async () => {
    const { port } = await served((c) => {
      offer(c, OFFERED)
      return EMPTY
    })
    const client = await firstOf(connect$({ port, host: '127.0.0.1' }), 'the connection')
    const start = held()
    let peak = 0
    let received = 0
    let chunks = 0
    for await (const chunk of client.chunks({ highWaterMark: READ_AHEAD, maxChunk: CHUNK })) {
      received += chunk.length
      if (++chunks % 32 === 0) peak = Math.max(peak, held() - start)
      await new Promise((r) => setTimeout(r, 1)) // the consumer's work
    }
    expect(received).toBe(OFFERED)
    expect(peak).toBeLessThan(BOUND)
  })
})
