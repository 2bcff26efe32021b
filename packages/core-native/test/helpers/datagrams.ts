// Real UDP sockets on the loopback interfaces, closed after each test with the TCP ones
// (sockets.ts: useSocketCleanup).
import { Socket, type ReceivedFrom } from '../../lib/index.js'
import { LOOPBACK, eventually, track, type Family } from './sockets.js'

export function udp(family: Family = 4): Socket {
  return track(Socket.udp({ family }))
}

/** A UDP socket bound to the loopback address of `family`, on a port the kernel picks. */
export function boundUdp(family: Family = 4): Socket {
  const s = udp(family)
  s.bind(0, LOOPBACK[family])
  return s
}

/** The next datagram on `s`, waiting for it (at most WAIT_MS): its bytes and sender. */
export async function nextDatagram(s: Socket, size = 2048): Promise<ReceivedFrom & { data: Uint8Array }> {
  const buffer = new Uint8Array(size)
  const from = await eventually(() => s.recvFrom(buffer), 'a datagram')
  return { ...from, data: buffer.subarray(0, from.bytes) }
}
