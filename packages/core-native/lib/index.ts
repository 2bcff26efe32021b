export { WsmError, type WsmErrorFields } from './errors.js'
export * from './constants.js'
export { Socket, type ReceivedFrom, type ShutdownHow, type SocketAddress } from './socket.js'
export type { Linger, SocketOptionValue, SizeOption, BoolOption, ReadOnlyBoolOption } from './socket-options.js'
export { FdSet } from './fd-set.js'
export { select, type SelectOptions, type SelectSets } from './select.js'
export { wsaPoll, type WsaPollFd } from './wsa-poll.js'
export { backend, type Backend } from './backend.js'
export { WsaEvent, waitForMultipleEvents, type WaitOptions } from './wsa-event.js'
export { sleepEx } from './apc.js'
export {
  MessageWindow,
  asyncSelect,
  eventSelect,
  enumNetworkEvents,
  type NetworkEvents,
  type WindowProcedure,
} from './network-events.js'
export {
  Overlapped,
  recvOverlapped,
  sendOverlapped,
  recvFromOverlapped,
  sendToOverlapped,
  acceptEx,
  connectEx,
  getAcceptExSockaddrs,
  getOverlappedResult,
  cancelIoEx,
  type AcceptExSockaddrs,
  type CompletionRoutine,
  type ConnectionDataOptions,
  type OverlappedResult,
} from './overlapped.js'
export { CompletionPort, type CompletionPacket, type CompletionWaitOptions } from './completion-port.js'
export { FileHandle, readFileOverlapped, writeFileOverlapped, type FileOpenOptions } from './file-handle.js'
export { pendingOperations } from './io-dispatch.js'
export { abortError } from './abort-error.js'
export { copyFileIocp, type CopyFileIocpOptions, type CopyFileError } from './copy-file.js'
export { copyFilesKernel, openKernelCopier, type CopyFilesKernelOptions, type KernelCopier, type KernelCopyResult } from './copy-files.js'
export { listen, connect, type ListenOptions, type ConnectOptions } from './drivers/index.js'
export { Connection, DEFAULT_HIGH_WATER_MARK, type ConnectionEventMap } from './drivers/connection.js'
export { Listener, type ListenerAddress, type ListenerEventMap } from './drivers/listener.js'
export { MODELS, type Model } from './drivers/models.js'
