// Models 2 and 3: WSAAsyncSelect (messages to a window) and WSAEventSelect (an event object and
// WSAEnumNetworkEvents). Both are fed by one native state machine per socket
// (src/models/network_events.cc), which applies Winsock's recording and re-enabling rules; here
// its batches become messages or signalled events, and the selections are kept per socket.
import { native, type NativeSocketHandle } from './binding.js'
import { FD_ACCEPT, FD_CLOSE, FD_CONNECT, FD_OOB, FD_READ, FD_WRITE } from './constants.js'
import { invalidArgument, invalidThis, invalidType, isCallable, systemError, wsaCodeOf } from './errors.js'
import { acceptHooks, isSocket, nativeHandleOf, observeSocket, type Socket } from './socket.js'
import { isWsaEvent, type WsaEvent } from './wsa-event.js'

/** A window procedure: (uMsg, wParam = the socket, WSAGETSELECTEVENT, WSAGETSELECTERROR). */
export type WindowProcedure = (msg: number, socket: Socket, event: number, error: number) => void

type Selection =
  | { kind: 'async'; window: MessageWindow; msg: number; events: number }
  | { kind: 'event'; event: WsaEvent; events: number }

const selections = new WeakMap<Socket, Selection>()
const socketsByHandle = new WeakMap<NativeSocketHandle, Socket>()
// The order Winsock posts events in when several are due at once.
const DELIVERY_ORDER = [FD_CONNECT, FD_ACCEPT, FD_OOB, FD_READ, FD_WRITE, FD_CLOSE] as const
let setUp = false

function dispatch(handles: NativeSocketHandle[], events: Uint32Array, errors: Int32Array): void {
  for (let i = 0; i < handles.length; i++) {
    const socket = socketsByHandle.get(handles[i]!)
    if (!socket) continue
    const selection = selections.get(socket)
    if (!selection) continue
    if (selection.kind === 'event') {
      if (!selection.event.closed) selection.event.set()
      continue
    }
    const recorded = events[i]!
    for (const bit of DELIVERY_ORDER) {
      if (recorded & bit) postMessage(selection.window, selection.msg, socket, bit, wsaCodeOf(errors[i * 6 + Math.log2(bit)]!))
    }
  }
}

function select(socket: Socket, selection: Selection | undefined, eventMode: boolean, events: number): void {
  const handle = nativeHandleOf(socket)
  if (!setUp) {
    native.netSetup(dispatch)
    setUp = true
  }
  const recorded = native.netSelect(handle, eventMode, events)
  if (selection) {
    selections.set(socket, selection)
    socketsByHandle.set(handle, socket)
    // WSAEventSelect keeps the record: events already in it that the new selection includes set
    // the event in the call (test/conformance/network-events.test.ts, "keeps an unread record").
    if (recorded !== 0 && selection.kind === 'event' && !selection.event.closed) selection.event.set()
  } else {
    selections.delete(socket)
  }
}

function checkEvents(events: unknown, syscall: string): number {
  if (typeof events !== 'number') throw invalidType('events', 'a number', events)
  if (!Number.isInteger(events) || events < 0 || events > 63) {
    throw invalidArgument(syscall, 'The "events" argument must be a combination of FD_READ ... FD_CLOSE (0 to 63)')
  }
  return events
}

function checkSocket(s: unknown, syscall: string): Socket {
  if (!isSocket(s)) throw invalidType('socket', 'a Socket', s)
  if (s.closed) throw systemError(88, syscall, 'the socket is closed')
  return s
}

interface QueuedMessage {
  msg: number
  socket: Socket
  event: number
  error: number
}

// MessageWindow's internals, for this module only (set in its static block): the brand check, and
// what WSAAsyncSelect and the dispatch do with a window.
let isWindow: (value: unknown) => value is MessageWindow
let attachSocket: (window: MessageWindow, socket: Socket) => void
let detachSocket: (window: MessageWindow, socket: Socket) => void
let postMessage: (window: MessageWindow, msg: number, socket: Socket, event: number, error: number) => void

/**
 * A window for WSAAsyncSelect: its procedure receives one message per network event, in order, on
 * the JavaScript thread. `close()` (DestroyWindow) stops every socket's messages to it.
 */
export class MessageWindow {
  readonly #proc: WindowProcedure
  readonly #queue: QueuedMessage[] = []
  // The sockets selected to this window, each with the unsubscription of the observer that
  // detaches it when it closes: a long-lived window (a server's) otherwise kept every socket it had
  // ever served alive, closed or not.
  readonly #sockets = new Map<Socket, () => void>()
  #closed = false
  #draining = false

  static {
    isWindow = (value): value is MessageWindow => typeof value === 'object' && value !== null && #queue in value
    attachSocket = (window, socket) => window.#attach(socket)
    detachSocket = (window, socket) => window.#detach(socket)
    postMessage = (window, msg, socket, event, error) => window.#post(msg, socket, event, error)
  }

  constructor(proc: WindowProcedure) {
    if (!isCallable(proc)) throw invalidType('proc', 'a function (not a class)', proc)
    this.#proc = proc
  }

  get closed(): boolean {
    if (!isWindow(this)) throw invalidThis('MessageWindow')
    return this.#closed
  }

  /** DestroyWindow: the window's sockets are deselected and queued messages dropped. */
  close(): void {
    if (!isWindow(this)) throw invalidThis('MessageWindow')
    if (this.#closed) return
    this.#closed = true
    this.#queue.length = 0
    for (const [socket, unobserve] of this.#sockets) {
      unobserve()
      const selection = selections.get(socket)
      if (selection?.kind === 'async' && selection.window === this && !socket.closed) select(socket, undefined, false, 0)
    }
    this.#sockets.clear()
  }

  #attach(socket: Socket): void {
    if (this.#sockets.has(socket)) return
    const unobserve = observeSocket(socket, (change) => {
      if (change === 'close') this.#detach(socket)
    })
    this.#sockets.set(socket, unobserve)
  }

  #detach(socket: Socket): void {
    const unobserve = this.#sockets.get(socket)
    if (!unobserve) return
    unobserve()
    this.#sockets.delete(socket)
  }

  /** PostMessage, then the message loop: in order, never re-entrantly. */
  #post(msg: number, socket: Socket, event: number, error: number): void {
    if (this.#closed) return
    this.#queue.push({ msg, socket, event, error })
    if (this.#draining) return
    this.#draining = true
    try {
      while (this.#queue.length > 0) {
        const m = this.#queue.shift()!
        // Cancelled or closed since it was queued: WSAAsyncSelect(s, w, m, 0) stops messages at once.
        const selection = selections.get(m.socket)
        if (m.socket.closed || selection?.kind !== 'async' || selection.window !== this || selection.msg !== m.msg) continue
        if (!(selection.events & m.event)) continue
        try {
          this.#proc(m.msg, m.socket, m.event, m.error)
        } catch (err) {
          // A throwing window procedure is an uncaught exception; the next messages still come.
          queueMicrotask(() => {
            throw err
          })
        }
      }
    } finally {
      this.#draining = false
    }
  }
}

/**
 * WSAAsyncSelect: network events of `s` are posted to `window` as messages `msg`. `events` 0
 * cancels. Replaces any earlier WSAAsyncSelect or WSAEventSelect of the socket.
 */
export function asyncSelect(s: Socket, window: MessageWindow, msg: number, events: number): void {
  const socket = checkSocket(s, 'WSAAsyncSelect')
  if (!isWindow(window)) throw invalidType('window', 'a MessageWindow', window)
  if (typeof msg !== 'number') throw invalidType('msg', 'a number', msg)
  if (!Number.isInteger(msg) || msg < 0 || msg > 0xffffffff) {
    throw invalidArgument('WSAAsyncSelect', 'The "msg" argument must be an integer from 0 to 2^32-1')
  }
  const mask = checkEvents(events, 'WSAAsyncSelect')
  if (window.closed) throw systemError(9, 'WSAAsyncSelect', 'the window is closed')
  const previous = selections.get(socket)
  if (previous?.kind === 'async') detachSocket(previous.window, socket)
  if (mask === 0) {
    select(socket, undefined, false, 0)
    return
  }
  attachSocket(window, socket)
  select(socket, { kind: 'async', window, msg, events: mask }, false, mask)
}

/**
 * WSAEventSelect: network events of `s` are recorded and `event` is set. `events` 0 cancels.
 * Replaces any earlier WSAAsyncSelect or WSAEventSelect of the socket.
 */
export function eventSelect(s: Socket, event: WsaEvent, events: number): void {
  const socket = checkSocket(s, 'WSAEventSelect')
  if (!isWsaEvent(event)) throw invalidType('event', 'a WsaEvent', event)
  const mask = checkEvents(events, 'WSAEventSelect')
  if (event.closed) throw systemError(9, 'WSAEventSelect', 'the event is closed')
  const previous = selections.get(socket)
  if (previous?.kind === 'async') detachSocket(previous.window, socket)
  select(socket, mask === 0 ? undefined : { kind: 'event', event, events: mask }, true, mask)
}

export interface NetworkEvents {
  /** The events recorded since the last call (FD_READ | FD_WRITE | ...). */
  events: number
  /** For each recorded event, keyed by its FD_ value: 0 or Winsock's error number. */
  errors: Record<number, number>
}

/**
 * WSAEnumNetworkEvents: the record of `s`'s network events, cleared; `event`, if given, is reset
 * in the same step.
 */
export function enumNetworkEvents(s: Socket, event?: WsaEvent): NetworkEvents {
  const socket = checkSocket(s, 'WSAEnumNetworkEvents')
  if (event !== undefined && !isWsaEvent(event)) throw invalidType('event', 'a WsaEvent', event)
  const record = native.netEnum(nativeHandleOf(socket))
  if (event !== undefined && !event.closed) event.reset()
  const errors: Record<number, number> = {}
  for (const bit of DELIVERY_ORDER) {
    if (record.events & bit) errors[bit] = wsaCodeOf(record.errors[Math.log2(bit)]!)
  }
  return { events: record.events, errors }
}

// An accepted socket inherits the listening socket's selection, as in Winsock.
acceptHooks.push((listener, accepted) => {
  const selection = selections.get(listener)
  if (!selection) return
  if (selection.kind === 'async') {
    if (!selection.window.closed) asyncSelect(accepted, selection.window, selection.msg, selection.events)
  } else if (!selection.event.closed) {
    eventSelect(accepted, selection.event, selection.events)
  }
})
