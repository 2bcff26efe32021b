// Core sockets for the tests: a connected pair on 127.0.0.1, closed after each test.
import { Socket } from '@wsm/core-native'
import { afterEach } from 'vitest'
import { eventually } from './wait.js'

const open: Socket[] = []

/** Closes every socket made by these helpers after each test of the calling file. */
export function useSocketCleanup(): void {
  afterEach(() => {
    for (const s of open.splice(0)) s.close()
  })
}

export function tcp(): Socket {
  const s = Socket.tcp()
  open.push(s)
  return s
}

/** `s` (an accepted socket, or null), closed after the test like the others. */
export function track<T extends Socket | null>(s: T): T {
  if (s !== null) open.push(s)
  return s
}

/** A port on 127.0.0.1 where nothing listens. */
export function closedPort(): number {
  const s = Socket.tcp()
  s.bind(0, '127.0.0.1')
  const port = s.localPort
  s.close()
  return port
}

/** A connected pair: the client and the socket the listener accepted. */
export async function pair(): Promise<{ client: Socket; peer: Socket }> {
  const listener = tcp()
  listener.bind(0, '127.0.0.1')
  listener.listen()
  const client = tcp()
  client.connect(listener.localPort, '127.0.0.1')
  let peer: Socket | null = null
  await eventually(() => (peer = listener.accept()) !== null, 'the accepted connection')
  open.push(peer!)
  listener.close()
  return { client, peer: peer! }
}
