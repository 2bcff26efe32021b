// Every method and getter of every public class, called on something that is not an instance of
// its class: a TypeError with code ERR_INVALID_THIS (a rejection for the asynchronous ones), never
// V8's uncoded "Cannot read private member". And the prototypes hold the documented API only:
// what the models use internally is module-private.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import * as core from '../lib/index.js'
import { CompletionPort, FdSet, FileHandle, MessageWindow, Overlapped, Socket, WsaEvent, WsmError, listen } from '../lib/index.js'
import { expectRejectsType, expectTypeError } from './helpers/errors.js'
import { closeAll, useSocketCleanup } from './helpers/sockets.js'

useSocketCleanup()
const dir = mkdtempSync(join(tmpdir(), 'wsm-receivers-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

/** The public classes and what their prototypes may hold (README, "API and the Win32 calls it stands for"). */
const SURFACE: Record<string, string[]> = {
  Socket: ['bind', 'listen', 'accept', 'connect', 'recv', 'send', 'sendTo', 'recvFrom', 'shutdown', 'close', 'setNoDelay', 'setKeepAlive', 'setReusePort', 'getError',
    'setSockOpt', 'getSockOpt', 'ioctlSocket', 'ref', 'unref', 'closed', 'family', 'type', 'address', 'remote', 'localAddress', 'localPort', 'remoteAddress', 'remotePort'],
  FdSet: ['capacity', 'add', 'delete', 'has', 'clear', 'size', 'Symbol(Symbol.iterator)'],
  WsaEvent: ['set', 'reset', 'signaled', 'closed', 'close'],
  MessageWindow: ['closed', 'close'],
  Overlapped: ['event', 'pending', 'bytes', 'flags', 'from', 'error'],
  CompletionPort: ['closed', 'size', 'associate', 'getQueuedCompletionStatus', 'getQueuedCompletionStatusEx',
    'postQueuedCompletionStatus', 'close'],
  FileHandle: ['size', 'setSize', 'close', 'closed', 'unbuffered', 'alignment'],
  WsmError: [],
  Connection: ['eventNames', 'write', 'end', 'destroy', 'pause', 'resume', 'isPaused', 'setNoDelay', 'setKeepAlive', 'ref', 'unref',
    'writableLength', 'writableHighWaterMark', 'destroyed', 'bytesRead', 'bytesWritten', 'localAddress', 'localPort',
    'remoteAddress', 'remotePort', 'remoteFamily'],
  Listener: ['address', 'connections', 'listening', 'maxConnections', 'close', 'ref', 'unref'],
}

function isClass(value: unknown): value is abstract new (...args: never[]) => object {
  return typeof value === 'function' && Function.prototype.toString.call(value).startsWith('class')
}

const classes = (Object.entries(core) as Array<[string, unknown]>).filter((entry): entry is [string, abstract new (...args: never[]) => object] => isClass(entry[1]))

/** One live instance of each class, to use as the wrong receiver of the others. */
function instances(): Record<string, object> {
  const file = FileHandle.open(join(dir, 'f'), { read: true, write: true, create: true })
  afterAll(() => file.close())
  const socket = Socket.tcp()
  return {
    Socket: socket,
    FdSet: new FdSet([socket]),
    WsaEvent: new WsaEvent(),
    MessageWindow: new MessageWindow(() => {}),
    Overlapped: new Overlapped(),
    CompletionPort: new CompletionPort(),
    FileHandle: file,
    WsmError: new WsmError('x', { code: 'EINVAL', errno: -22, syscall: 'x' }),
    Listener: listen({ host: '127.0.0.1' }),
  }
}

describe('public classes', () => {
  it('every exported class is listed here, and its prototype holds exactly the documented members', () => {
    expect(classes.map(([name]) => name).sort()).toEqual(Object.keys(SURFACE).sort())
    for (const [name, cls] of classes) {
      const keys = Reflect.ownKeys(cls.prototype).filter((k) => k !== 'constructor').map(String)
      expect(keys.sort(), name).toEqual([...SURFACE[name]!].sort())
    }
  })

  it('Socket, FileHandle, Connection and Listener are made by the library only: new from outside is ERR_ILLEGAL_CONSTRUCTOR', () => {
    const Construct = (cls: unknown, ...args: unknown[]) => () => new (cls as new (...a: unknown[]) => object)(...args)
    for (const args of [[], [{}], [Symbol('Socket'), {}]]) {
      expectTypeError(Construct(Socket, ...args), 'ERR_ILLEGAL_CONSTRUCTOR')
      expectTypeError(Construct(FileHandle, ...args), 'ERR_ILLEGAL_CONSTRUCTOR')
      expectTypeError(Construct(core.Connection, ...args), 'ERR_ILLEGAL_CONSTRUCTOR')
      expectTypeError(Construct(core.Listener, ...args), 'ERR_ILLEGAL_CONSTRUCTOR')
    }
  })

  it('new WsmError without its fields object is ERR_INVALID_ARG_TYPE', () => {
    for (const fields of [undefined, null, 1, 'EINVAL']) expectTypeError(() => new WsmError('x', fields as never))
  })
})

describe('methods and getters on a foreign receiver: ERR_INVALID_THIS', () => {
  const live = instances()
  afterAll(() => {
    for (const o of Object.values(live)) (o as { close?: () => void }).close?.()
    closeAll()
  })

  for (const [name, cls] of classes) {
    const members = Reflect.ownKeys(cls.prototype).filter((k) => k !== 'constructor')
    if (members.length === 0) continue
    it(`${name}: ${members.length} members on plain objects, Object.create(${name}.prototype), primitives and the other classes' instances`, async () => {
      const receivers: unknown[] = [
        {}, Object.create(cls.prototype), Object.create(null), null, undefined, 0, 'x', Symbol('this'), [],
        ...Object.entries(live).filter(([other]) => other !== name).map(([, o]) => o),
      ]
      let checked = 0
      for (const key of members) {
        const d = Object.getOwnPropertyDescriptor(cls.prototype, key)!
        const call = d.get ?? (d.value as (...args: unknown[]) => unknown)
        for (const self of receivers) {
          let result: unknown
          try {
            result = call.call(self)
          } catch (e) {
            expectTypeError(() => {
              throw e
            }, 'ERR_INVALID_THIS')
            checked++
            continue
          }
          // Only the asynchronous methods may return instead of throwing: with a rejection.
          expect(result, `${name}#${String(key)} returned for a foreign receiver`).toBeInstanceOf(Promise)
          await expectRejectsType(result as Promise<unknown>, 'ERR_INVALID_THIS')
          checked++
        }
      }
      expect(checked).toBe(members.length * receivers.length)
    })
  }
})
