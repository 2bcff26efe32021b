// A peer that sends out-of-band (urgent) TCP data, which the core has no call for: a small Perl
// program (Perl's Socket module exports MSG_OOB; Perl ships with nearly every Linux). It connects
// to 127.0.0.1:port, sends `normal` bytes, then one urgent byte, prints "sent", and keeps the
// connection open until its stdin closes.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'

const SCRIPT = String.raw`
use strict; use Socket; use IO::Handle;
my ($port, $normal) = @ARGV;
socket(my $s, PF_INET, SOCK_STREAM, 0) or die "socket: $!";
connect($s, pack_sockaddr_in($port, inet_aton("127.0.0.1"))) or die "connect: $!";
send($s, $normal, 0) if length $normal;
send($s, "!", MSG_OOB) or die "send: $!";
print "sent\n"; STDOUT->flush;
my $wait = <STDIN>;
close($s);
`

export const perlAvailable = (() => {
  const r = spawnSync('perl', ['-MSocket', '-e', 'exit(MSG_OOB == 1 ? 0 : 1)'], { stdio: 'ignore', timeout: 2000 })
  return r.status === 0
})()

export interface OobPeer {
  child: ChildProcess
  /** Lets the peer close its socket and exit; resolves once its pipes are closed. */
  stop(): Promise<void>
}

/** Starts the peer and resolves once it has sent its urgent byte. */
export async function startOobPeer(port: number, normal = ''): Promise<OobPeer> {
  const child = spawn('perl', ['-e', SCRIPT, String(port), normal], { stdio: ['pipe', 'pipe', 'inherit'] })
  const closed = once(child, 'close')
  let out = ''
  child.stdout!.setEncoding('utf8')
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (chunk: string) => {
      out += chunk
      if (out.includes('sent\n')) resolve()
    })
    child.on('error', reject)
    child.on('exit', (code) => reject(new Error(`the OOB peer exited early (${code})`)))
  })
  return {
    child,
    async stop() {
      child.stdin!.end()
      await closed
    },
  }
}
