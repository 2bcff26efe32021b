// fromNetworkEvents: one socket's network events (WSAEventSelect or WSAAsyncSelect) as an
// Observable of { event, error } values, with Winsock's re-enabling rules left to the subscriber.
import {
  FD_ACCEPT,
  FD_CLOSE,
  FD_CONNECT,
  FD_OOB,
  FD_READ,
  FD_WRITE,
  MessageWindow,
  Socket,
  WsaEvent,
  asyncSelect,
  enumNetworkEvents,
  eventSelect,
  waitForMultipleEvents,
} from '@wsm/core-native'
import { Observable, type Subscriber } from 'rxjs'
import { checkChoice, checkInteger, checkOptions, hasBrand } from './args.js'
import { invalidArgType } from './errors.js'

/** One network event: FD_READ, FD_WRITE, FD_OOB, FD_ACCEPT, FD_CONNECT or FD_CLOSE. */
export type NetworkEventBit = typeof FD_READ | typeof FD_WRITE | typeof FD_OOB | typeof FD_ACCEPT | typeof FD_CONNECT | typeof FD_CLOSE

export interface NetworkEvent {
  /** Which event was recorded. */
  event: NetworkEventBit
  /** 0, or Winsock's error number for it (10061 for a refused FD_CONNECT, 10053, WSAECONNABORTED, for a reset FD_CLOSE, as Windows records it). */
  error: number
}

/** How the events are heard: WSAEventSelect + WSAWaitForMultipleEvents, or WSAAsyncSelect's messages. */
export type NetworkEventModel = 'event-select' | 'async-select'

export interface FromNetworkEventsOptions {
  /** 'event-select' by default. */
  model?: NetworkEventModel
}

const NETWORK_EVENT_MODELS: readonly NetworkEventModel[] = ['event-select', 'async-select']
// The order Winsock reports events in when several are due at once.
const DELIVERY_ORDER: readonly NetworkEventBit[] = [FD_CONNECT, FD_ACCEPT, FD_OOB, FD_READ, FD_WRITE, FD_CLOSE]
// The message number of WSAAsyncSelect (WM_USER + 1, as the classic examples define WM_SOCKET).
const WM_SOCKET = 0x0401

// A socket has one selection at a time: the subscription that holds it, told when a newer one takes it.
const holders = new WeakMap<Socket, { replaced(): void }>()

/**
 * The network events of `socket` selected by `mask` (FD_READ | FD_WRITE | ...), as WSAEventSelect
 * or WSAAsyncSelect records them: FD_READ again only after a recv while data remains, FD_WRITE
 * only after a send that failed with EWOULDBLOCK, FD_ACCEPT after accept() while connections
 * remain (the subscriber's own calls re-enable them). Completes after FD_CLOSE, or when a handler
 * closes the socket. A socket has one selection: a newer subscription for it completes the older
 * one. Unsubscribing deselects the socket (events 0); the socket stays open.
 */
export function fromNetworkEvents(socket: Socket, mask: number, options?: FromNetworkEventsOptions): Observable<NetworkEvent> {
  if (!hasBrand(socket, Socket.prototype, 'closed')) throw invalidArgType('socket', 'a Socket', socket)
  const events = checkInteger('mask', mask, 1, 63)!
  const o = checkOptions('options', options)
  const model = o.model === undefined ? 'event-select' : checkChoice('options.model', o.model, NETWORK_EVENT_MODELS)
  return new Observable<NetworkEvent>((subscriber) => {
    const deselect = model === 'event-select' ? selectWithEvent(socket, events, subscriber) : selectWithWindow(socket, events, subscriber)
    const holder = { replaced: () => subscriber.complete() }
    const older = holders.get(socket)
    holders.set(socket, holder)
    older?.replaced()
    return () => {
      // An older subscription leaves the socket to the newer one's selection.
      const selected = holders.get(socket) === holder
      if (selected) holders.delete(socket)
      deselect(selected)
    }
  })
}

// Emits what one record holds, in Winsock's order. Completes after FD_CLOSE (nothing is recorded
// after it) or once a handler has closed the socket (which ends its selection).
function emitRecord(socket: Socket, subscriber: Subscriber<NetworkEvent>, events: number, errorOf: (bit: NetworkEventBit) => number): void {
  for (const bit of DELIVERY_ORDER) {
    if (!(events & bit) || subscriber.closed) continue
    subscriber.next({ event: bit, error: errorOf(bit) })
    if (bit === FD_CLOSE || socket.closed) subscriber.complete()
  }
}

// WSAEventSelect with an event of its own, waited on in a loop; each wake-up's WSAEnumNetworkEvents
// (which resets the event) says what was recorded.
function selectWithEvent(socket: Socket, mask: number, subscriber: Subscriber<NetworkEvent>): (selected: boolean) => void {
  const event = new WsaEvent()
  try {
    eventSelect(socket, event, mask)
  } catch (err) {
    event.close()
    throw err
  }
  let active = true
  void (async () => {
    while (active) {
      try {
        await waitForMultipleEvents([event])
      } catch (err) {
        if (active) subscriber.error(err) // closed by teardown otherwise
        return
      }
      if (!active) return
      let record
      try {
        record = enumNetworkEvents(socket, event)
      } catch (err) {
        subscriber.error(err)
        return
      }
      emitRecord(socket, subscriber, record.events, (bit) => record.errors[bit] ?? 0)
    }
  })()
  return (selected) => {
    active = false
    if (selected && !socket.closed) eventSelect(socket, event, 0)
    event.close()
  }
}

// WSAAsyncSelect to a window of its own, whose procedure emits each message.
function selectWithWindow(socket: Socket, mask: number, subscriber: Subscriber<NetworkEvent>): (selected: boolean) => void {
  const window = new MessageWindow((_msg, _socket, event, error) => emitRecord(socket, subscriber, event, () => error))
  try {
    asyncSelect(socket, window, WM_SOCKET, mask)
  } catch (err) {
    window.close()
    throw err
  }
  return (selected) => {
    if (selected && !socket.closed) asyncSelect(socket, window, WM_SOCKET, 0)
    window.close()
  }
}
