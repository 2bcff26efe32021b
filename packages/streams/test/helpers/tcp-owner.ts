// Whether a descriptor still holds one of our TCP sockets, read from /proc/net/tcp: a socket
// that was closed with its connection still shutting down (FIN_WAIT, TIME_WAIT, ...) stays listed
// with inode 0, owned by no descriptor. How a test sees that the native close has happened.
import { readFileSync } from 'node:fs'
import { loopback } from './tcp-timer.js'

/** True while a descriptor (ours or anyone's) holds the socket of 127.0.0.1:`localPort` to 127.0.0.1:`remotePort`. */
export function tcpSocketHeld(localPort: number, remotePort: number): boolean {
  return readFileSync('/proc/net/tcp', 'utf8')
    .split('\n')
    .slice(1)
    .some((line) => {
      // sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode ...
      const fields = line.trim().split(/\s+/)
      return fields[1] === loopback(localPort) && fields[2] === loopback(remotePort) && fields[9] !== '0'
    })
}
