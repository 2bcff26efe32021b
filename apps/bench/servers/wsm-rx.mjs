// The completion-port echo server of wsm-iocp.mjs (apps/examples iocp-server: AcceptEx posted
// ahead, one receive and one send in flight per connection, bytes that arrive during a send parked
// in one slot) with its packets consumed the way an RxJS user would: `fromIocp(port)` subscribed
// twice, the listener's packets and the connections' split by key with `filter`, instead of a
// GetQueuedCompletionStatusEx loop. For `pnpm bench models` (the `rx fromIocp` rows), so that the
// gap to wsm-iocp is what @wsm/rx adds per packet.
// Usage: node wsm-rx.mjs [port=0] [host=127.0.0.1]; prints "LISTENING <port>". Refuses to run on
// another engine than WSM_BACKEND names (require-engine.mjs).
import { CompletionPort, Overlapped, Socket, acceptEx, recvOverlapped, sendOverlapped } from '@wsm/core-native';
import { fromIocp } from '@wsm/rx';
import { filter } from 'rxjs';
import { requireEngine } from './require-engine.mjs';

const LISTENER_KEY = 0;
// As wsm-iocp.mjs and the example: 64 accepts posted, 16 KiB receive buffers, 128 packets a batch.
const ACCEPTS_POSTED = 64;
const BUFFER_SIZE = 16 * 1024;
const MAX_BATCH = 128;

const port = Number(process.argv[2] ?? 0);
const host = process.argv[3] ?? '127.0.0.1';
requireEngine('wsm-rx');

const iocp = new CompletionPort();
const listener = Socket.tcp();
listener.bind(port, host);
listener.listen(4096);
iocp.associate(listener, LISTENER_KEY);

const accepts = new Map(); // Overlapped of a posted AcceptEx → the socket it accepts into
const connections = new Map(); // completion key → { socket, recv, send, buffer, stash }
let nextKey = 1;

function postAccept() {
  const socket = Socket.tcp({ family: listener.family });
  const ov = new Overlapped();
  accepts.set(ov, socket);
  acceptEx(listener, socket, ov);
}

function onAccepted(packet) {
  const socket = accepts.get(packet.overlapped);
  accepts.delete(packet.overlapped);
  postAccept();
  if (packet.error) {
    socket.close();
    return;
  }
  const key = nextKey++;
  const conn = { socket, recv: new Overlapped(), send: new Overlapped(), buffer: Buffer.allocUnsafe(BUFFER_SIZE), stash: null };
  socket.setNoDelay(true);
  iocp.associate(socket, key);
  connections.set(key, conn);
  recvOverlapped(socket, conn.buffer, conn.recv);
}

function drop(conn, key) {
  connections.delete(key);
  conn.socket.close(); // its operations in flight complete with ECANCELED and find no connection
}

function onConnectionPacket(packet) {
  const conn = connections.get(packet.key);
  if (!conn) return;
  // the client closes with a message in flight: resets, and a receive of 0 bytes, end a connection
  if (packet.error || (packet.overlapped === conn.recv && packet.bytes === 0)) {
    drop(conn, packet.key);
    return;
  }
  if (packet.overlapped === conn.recv) {
    const data = conn.buffer.subarray(0, packet.bytes);
    if (conn.send.pending) {
      conn.stash = Buffer.from(data); // no receive posted until the send in flight is done
      return;
    }
    sendOverlapped(conn.socket, data, conn.send);
    recvOverlapped(conn.socket, conn.buffer, conn.recv);
  } else if (conn.stash) {
    sendOverlapped(conn.socket, conn.stash, conn.send);
    conn.stash = null;
    recvOverlapped(conn.socket, conn.buffer, conn.recv);
  }
}

const packets$ = fromIocp(iocp, { maxBatch: MAX_BATCH });
const fail = (err) => {
  console.error(err);
  process.exit(1);
};
packets$.pipe(filter((p) => p.key === LISTENER_KEY)).subscribe({ next: onAccepted, error: fail });
packets$.pipe(filter((p) => p.key !== LISTENER_KEY)).subscribe({ next: onConnectionPacket, error: fail });
for (let i = 0; i < ACCEPTS_POSTED; i++) postAccept();

process.stdout.write(`LISTENING ${listener.localPort}\n`);
process.on('SIGTERM', () => process.exit(0));
