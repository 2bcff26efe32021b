// The classic overlapped-I/O-with-completion-routines echo server (model 5). Receives and sends
// carry routines; the routines run only while the main loop sits in an alertable wait
// (WSAWaitForMultipleEvents with alertable, on the accept event), as on Windows. Each routine
// posts the next operation: a receive's routine sends what came, a send's routine receives again.
import {
  Overlapped,
  Socket,
  WAIT_IO_COMPLETION,
  WsaEvent,
  WsmError,
  acceptEx,
  getOverlappedResult,
  recvOverlapped,
  sendOverlapped,
  waitForMultipleEvents,
} from '@wsm/core-native'
import { echoServer, openListener, type EchoServer, type EchoServerOptions, type EchoStats } from './echo-server.js'

export interface CompletionRoutineServerOptions extends EchoServerOptions {
  bufferSize?: number
}

export function startCompletionRoutineServer(
  options: CompletionRoutineServerOptions = {},
): EchoServer<EchoStats & { routinesRun: number }> {
  const log = options.log ?? (() => {})
  const bufferSize = options.bufferSize ?? 16 * 1024
  const listener = openListener(options)
  const open = new Set<Socket>()
  const stats = { accepted: 0, closed: 0, bytesEchoed: 0, routinesRun: 0 }
  let stopping = false

  log(`listening on ${listener.localAddress}:${listener.localPort} (overlapped I/O, completion routines)`)

  function serve(socket: Socket): void {
    const name = `${socket.remoteAddress}:${socket.remotePort}`
    const buffer = Buffer.allocUnsafe(bufferSize)
    const recvOv = new Overlapped()
    const sendOv = new Overlapped()
    const drop = (why: string) => {
      if (!open.delete(socket)) return
      socket.close()
      stats.closed++
      log(`${name} closed (${why})`)
    }
    // WSARecv/WSASend on a reset connection fail at the call (SOCKET_ERROR): drop it.
    const post = (io: () => void) => {
      try {
        io()
      } catch (err) {
        drop(err instanceof WsmError ? err.code : String(err))
      }
    }
    const onSent = (error: number) => {
      stats.routinesRun++
      if (error) return drop(`send error ${error}`)
      post(() => recvOverlapped(socket, buffer, recvOv, onReceived))
    }
    const onReceived = (error: number, bytes: number) => {
      stats.routinesRun++
      if (error) return drop(`receive error ${error}`)
      if (bytes === 0) return drop('peer closed')
      stats.bytesEchoed += bytes
      post(() => sendOverlapped(socket, buffer.subarray(0, bytes), sendOv, onSent))
    }
    open.add(socket)
    stats.accepted++
    log(`accepted ${name}`)
    post(() => recvOverlapped(socket, buffer, recvOv, onReceived))
  }

  async function loop(): Promise<void> {
    const acceptEvent = new WsaEvent()
    const acceptOv = new Overlapped({ event: acceptEvent })
    try {
      while (!stopping) {
        const socket = Socket.tcp()
        acceptEx(listener, socket, acceptOv)
        // Alertable: completion routines of the connections run here, between accepts.
        while ((await waitForMultipleEvents([acceptEvent], { alertable: true })) === WAIT_IO_COMPLETION) {
          if (stopping) break
        }
        acceptEvent.reset()
        try {
          await getOverlappedResult(listener, acceptOv, true)
        } catch {
          socket.close()
          continue
        }
        serve(socket)
      }
    } finally {
      acceptEvent.close()
    }
  }

  const done = loop()
  return echoServer(listener, stats, done, () => {
    stopping = true
    listener.close() // the pending AcceptEx completes with ECANCELED and sets the accept event
    for (const socket of [...open]) {
      open.delete(socket)
      socket.close()
      stats.closed++
    }
  }, log)
}
