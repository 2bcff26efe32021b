// uv_ref/uv_unref for a socket: whether its operations in flight, and its WSAAsyncSelect or
// WSAEventSelect selection, keep the process alive.
import { native } from '../binding.js'
import { nativeHandleOf, type Socket } from '../socket.js'

export function setLoopRef(socket: Socket, on: boolean): void {
  native.ioRef(nativeHandleOf(socket), on)
}
