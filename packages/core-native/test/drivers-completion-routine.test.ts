// The 'completion-routine' driver's alertable wait (lib/drivers/alertable-wait.ts): it runs while
// the driver has operations in flight, so the driver's routines run with no wait of the user's,
// and it ends with the last of them, so that the user's own completion routines then run only in
// the user's alertable waits, as Winsock's rule says (an alertable wait belongs to the thread).
import { describe, expect, it } from 'vitest'
import { Overlapped, WAIT_IO_COMPLETION, connect, listen, recvOverlapped, sleepEx, type Connection } from '../lib/index.js'
import { next, own, useDriverCleanup } from './helpers/drivers.js'
import { untilNoPendingOperations } from './helpers/overlapped.js'
import { bytes, pair, useSocketCleanup } from './helpers/sockets.js'
import { delay, within } from './helpers/time.js'

useDriverCleanup()
useSocketCleanup()

describe("driver 'completion-routine': its alertable wait", () => {
  it("runs while the driver has operations in flight and ends with them: the user's routines then wait for the user's alertable wait", async () => {
    const l = own(listen({ model: 'completion-routine', host: '127.0.0.1' }))
    const accepted = next<[Connection]>(l, 'connection')
    const c = own(await connect({ model: 'completion-routine', port: l.address().port, host: '127.0.0.1' }))
    const [s] = await accepted
    // Nobody but the driver waits alertably here: its wait runs the routines that carry the bytes.
    const data = next<[Buffer]>(s, 'data')
    c.write(Buffer.from('ping'))
    expect((await data)[0].toString()).toBe('ping')

    // Everything closed: the cancelled operations' routines are the driver's last work.
    c.destroy()
    s.destroy()
    await within(new Promise<void>((resolve) => l.close(() => resolve())), "the listener's 'close'")
    await untilNoPendingOperations()
    await delay(50)

    const { client, peer } = await pair()
    const ran: number[] = []
    recvOverlapped(peer, Buffer.alloc(16), new Overlapped(), (_error, n) => ran.push(n))
    client.send(bytes('pong'))
    await delay(200)
    expect(ran).toEqual([]) // completed, but no alertable wait runs: the routine waits for one
    expect(await sleepEx(2000, true)).toBe(WAIT_IO_COMPLETION)
    expect(ran).toEqual([4])
  })
})
