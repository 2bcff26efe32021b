// uv_ref/uv_unref for a socket: whether its operations in flight keep the process alive.
import { native } from '../binding.js'
import { socketInternals, type Socket } from '../socket.js'

export function setLoopRef(socket: Socket, on: boolean): void {
  native.ioRef(socketInternals(socket).handle, on)
}
