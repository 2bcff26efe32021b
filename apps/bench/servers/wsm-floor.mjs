// The floor of the echo benchmark: the engine of @wsm/core-native driven through its internal
// native binding by the least JavaScript an echo needs (no Overlapped, no CompletionPort, no
// argument checks, no packets), on the same engine the completion-port server uses. It is not a
// way to use wsm (the binding is private and may change); it measures how fast any JavaScript
// server on this engine can be, so that the API's own cost can be told apart from the engine's.
// Usage: node wsm-floor.mjs [port=0] [host=127.0.0.1]; prints "LISTENING <port>". Refuses to run
// on another engine than WSM_BACKEND names.
import { createRequire } from 'node:module';
import path from 'node:path';

const require = createRequire(import.meta.url);
const native = require(path.join(path.dirname(require.resolve('@wsm/core-native/package.json')), 'binding.cjs'));
native.setErrorFactory((errno, syscall, message) => Object.assign(new Error(`${syscall}: ${message || errno}`), { errno }));

const port = Number(process.argv[2] ?? 0);
const host = process.argv[3] ?? '127.0.0.1';

const SLOT_MASK = 0xfffff; // operation ids: slot in the low 20 bits (src/io/io_loop.cc)
const ACCEPT = 0;
const RECV = 1;
const SEND = 2;

const listener = new native.SocketHandle(4);
listener.bind(port, host);
listener.listen(4096);

// What each operation in flight is, by slot: kind, connection (or accepted socket), id.
const ops = [];
const done = [];
let records;

function postAccept() {
  const socket = new native.SocketHandle(4);
  const id = native.ioAccept(listener, socket);
  ops[id & SLOT_MASK] = { kind: ACCEPT, socket, id, result: 0 };
}

function postRecv(conn) {
  const id = native.ioRecv(conn.id, conn.buffer);
  ops[id & SLOT_MASK] = { kind: RECV, conn, id, result: 0 };
}

function postSend(conn, bytes) {
  const id = native.ioSend(conn.id, conn.buffer.subarray(0, bytes));
  ops[id & SLOT_MASK] = { kind: SEND, conn, id, result: 0 };
}

// The batch is read in full before anything is started: the native loop frees the batch's slots
// before the call, so an operation started midway could take the slot of a record not read yet.
function dispatch(count) {
  for (let i = 0; i < count; i++) {
    const id = records[i * 3];
    const op = ops[id & SLOT_MASK];
    if (op === undefined || op.id !== id) continue;
    ops[id & SLOT_MASK] = undefined;
    op.result = records[i * 3 + 1];
    done.push(op);
  }
  for (const op of done) {
    if (op.kind === ACCEPT) {
      postAccept();
      if (op.result < 0) continue;
      op.socket.setNoDelay(true);
      postRecv({ socket: op.socket, id: op.socket.id, buffer: Buffer.allocUnsafe(16 * 1024) });
    } else if (op.kind === RECV) {
      if (op.result <= 0) {
        op.conn.socket.close();
        continue;
      }
      postSend(op.conn, op.result); // copied by the call: the buffer can take the next receive
      postRecv(op.conn);
    } else if (op.result < 0) {
      op.conn.socket.close();
    }
  }
  done.length = 0;
}

const setup = native.ioSetup(dispatch);
records = setup.records;
const want = process.env.WSM_BACKEND;
if (want && setup.backend !== want) {
  console.error(`wsm-floor: WSM_BACKEND=${want} but the engine is ${setup.backend}`);
  process.exit(2);
}
for (let i = 0; i < 64; i++) postAccept();
process.stdout.write(`LISTENING ${listener.localAddress().port}\n`);
process.on('SIGTERM', () => process.exit(0));
