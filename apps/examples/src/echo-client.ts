// A plain Node `net` client that talks to an echo server and checks every byte comes back: an
// independent peer for the examples, so they are not only tested against themselves.
import { createHash, randomBytes } from 'node:crypto'
import net from 'node:net'

export interface EchoClientResult {
  name: string
  messages: number
  bytes: number
  ok: boolean
}

/** Sends `messages` one after another, each awaited before the next, then one `bulkBytes` blob. */
export async function runEchoClient(
  port: number,
  host: string,
  name: string,
  messages: string[],
  bulkBytes: number,
  log: (line: string) => void,
): Promise<EchoClientResult> {
  const socket = net.connect({ port, host })
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject))
  const reader = socket[Symbol.asyncIterator]() as AsyncIterator<Buffer>
  let pending = Buffer.alloc(0)
  async function readExactly(n: number): Promise<Buffer> {
    while (pending.length < n) {
      const next = await reader.next()
      if (next.done) throw new Error(`${name}: connection ended after ${pending.length} of ${n} bytes`)
      pending = Buffer.concat([pending, next.value])
    }
    const out = pending.subarray(0, n)
    pending = pending.subarray(n)
    return out
  }

  let ok = true
  let bytes = 0
  for (const text of messages) {
    socket.write(text)
    const echo = (await readExactly(Buffer.byteLength(text))).toString()
    ok &&= echo === text
    bytes += Buffer.byteLength(text)
    log(`got its echo ${echo === text ? 'intact' : 'CORRUPTED'}: ${JSON.stringify(echo)}`)
  }
  if (bulkBytes > 0) {
    const blob = randomBytes(bulkBytes)
    socket.write(blob)
    const echo = await readExactly(bulkBytes)
    const same = createHash('sha256').update(blob).digest('hex') === createHash('sha256').update(echo).digest('hex')
    ok &&= same
    bytes += bulkBytes
    log(`got ${bulkBytes} bytes back, sha256 ${same ? 'equal' : 'DIFFERENT'}`)
  }
  socket.end()
  // The server closes once it has delivered every echo: wait for that, proving the half-close path.
  const rest = await reader.next()
  ok &&= rest.done === true && pending.length === 0
  return { name, messages: messages.length, bytes, ok }
}
