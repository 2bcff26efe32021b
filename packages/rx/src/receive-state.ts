// What an RxConnection's two consumers (data$ and chunks()) share about its receive side.
import type { Connection, WsmError } from '@wsm/core-native'

/** The receive side's state, kept from the moment the connection is wrapped. */
export interface ReceiveState {
  readonly connection: Connection
  /** The peer's FIN came, or the connection closed. */
  ended: boolean
  failure: WsmError | null
  /** data$ or chunks() is reading. */
  consumed: boolean
}

/** ERR_INVALID_STATE: a second consumer of one connection's receive side. */
export function secondConsumer(): Error & { code: string } {
  return Object.assign(new Error('The connection already has a consumer (data$ or chunks())'), { code: 'ERR_INVALID_STATE' })
}
