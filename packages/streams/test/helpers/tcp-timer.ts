// The timer the kernel runs for one of our connections, read from /proc/net/tcp: how a test sees
// that SO_KEEPALIVE is on, and after how long it probes (an idle connection with it runs the
// keepalive timer; one without runs none). IPv4 on 127.0.0.1 only, as the suites connect.
import { readFileSync } from 'node:fs'

/** The kernel's names for /proc/net/tcp's `tr` column. */
export const TCP_TIMER = { none: 0, retransmit: 1, keepalive: 2 } as const

/** 127.0.0.1:`port` as /proc/net/tcp writes it. */
export const loopback = (port: number) => `0100007F:${port.toString(16).toUpperCase().padStart(4, '0')}`

/**
 * The timer of the established connection from 127.0.0.1:`localPort` to 127.0.0.1:`remotePort`
 * (`kind`, one of TCP_TIMER, and `seconds` until it fires), or undefined when there is none such.
 */
export function tcpTimer(localPort: number, remotePort: number): { kind: number; seconds: number } | undefined {
  for (const line of readFileSync('/proc/net/tcp', 'utf8').split('\n').slice(1)) {
    // sl local_address rem_address st tx_queue:rx_queue tr:tm->when ...; `when` is in USER_HZ (1/100 s).
    const [, local, remote, state, , timer] = line.trim().split(/\s+/)
    if (local !== loopback(localPort) || remote !== loopback(remotePort) || state !== '01') continue
    const [kind, when] = timer!.split(':').map((hex) => parseInt(hex, 16))
    return { kind: kind!, seconds: when! / 100 }
  }
  return undefined
}
