export { fromIocp, type FromIocpOptions } from './from-iocp.js'
export {
  fromNetworkEvents,
  type FromNetworkEventsOptions,
  type NetworkEvent,
  type NetworkEventBit,
  type NetworkEventModel,
} from './network-events.js'
export { copyFile$, type CopyFileObservableOptions, type CopyProgress } from './copy-file.js'
export { listen$, connect$, type ListenObservableOptions } from './drivers.js'
export type { RxConnection } from './connection.js'
export type { ChunksOptions } from './chunks.js'
