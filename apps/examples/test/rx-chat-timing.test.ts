// The rx chat's time-dependent operators under RxJS's TestScheduler (virtual time, one frame a
// millisecond): what bufferTime batches, what the groupBy flood limit lets through per client and
// when it forgets one, and when retry/repeat subscribe to a session again (expectSubscriptions
// shows each re-subscription and each teardown). The sockets stay in rx-chat-server.test.ts.
import { defer, type Observable } from 'rxjs'
import { TestScheduler } from 'rxjs/testing'
import { describe, expect, it } from 'vitest'
import { backoffMs, batchLines, isTransient, limitPerKey, reconnect, type ReconnectPolicy } from '../src/rx-chat-timing.js'

const scheduler = () => new TestScheduler((actual, expected) => expect(actual).toEqual(expected))
const coded = (code: string) => Object.assign(new Error(code), { code })
const refused = coded('ECONNREFUSED')
const reset = coded('ECONNRESET')

describe('batchLines (bufferTime)', () => {
  it('joins the lines of each period into one text; a quiet period gives nothing; the rest on completion', () => {
    scheduler().run(({ cold, expectObservable }) => {
      const lines = cold('-a-b-------c--|', { a: 'one', b: 'two', c: 'three' })
      expectObservable(lines.pipe(batchLines(5))).toBe('-----x--------(y|)', { x: 'one\ntwo\n', y: 'three\n' })
    })
  })
})

describe('limitPerKey (groupBy)', () => {
  const byClient = limitPerKey((said: string) => said[0], { max: 2, perMs: 10 })

  it('lets each key pass at most max values per window; other keys have their own budget', () => {
    scheduler().run(({ hot, expectObservable }) => {
      const values = { a: 'x1', b: 'x2', c: 'x3', d: 'y1', e: 'x4' }
      const said = hot('-abcd 7ms e|', values)
      // x3 is x's third in the window [1, 11): dropped; x4, at 12, is in x's next window.
      expectObservable(said.pipe(byClient)).toBe('-ab-d 7ms e|', values)
    })
  })

  it('forgets a key quiet for perMs: its next value opens a new window from there', () => {
    scheduler().run(({ hot, expectObservable }) => {
      const values = { a: 'x1', b: 'x2', c: 'x3', d: 'x4', e: 'x5' }
      // x's group ends at 12 (10 quiet ms after x2); x3 at 20 starts a window [20, 30): x5 is the third.
      // (Fixed windows kept from 1 would have let x5 pass, in [21, 31).)
      const said = hot('-ab 17ms cde|', values)
      expectObservable(said.pipe(byClient)).toBe('-ab 17ms cd-|', values)
    })
  })
})

describe('reconnect (retry with backoff, repeat)', () => {
  const policy: ReconnectPolicy = { count: 3, firstDelayMs: 10, maxDelayMs: 25 }

  it('backs off exponentially up to the cap; only connection errors are transient', () => {
    expect([1, 2, 3, 4].map((n) => backoffMs(n, policy))).toEqual([10, 20, 25, 25])
    expect([refused, reset, coded('ETIMEDOUT')].every(isTransient)).toBe(true)
    expect([new TypeError('bad'), coded('EADDRINUSE'), null, 'ECONNREFUSED'].some(isTransient)).toBe(false)
  })

  // Subscribes `refusals` times to `failing`, then to `working`.
  const sessions = <T>(refusals: number, failing: Observable<T>, working: Observable<T>) => {
    let attempt = 0
    return defer(() => (attempt++ < refusals ? failing : working))
  }

  it('a server not up yet: subscribes again after 10, 20, 25 ms, then the session runs', () => {
    scheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const down = cold('-#', undefined, refused)
      const up = cold('-c')
      // Failures at 1, 12, 33; new attempts at 11, 32, 58.
      expectObservable(sessions(3, down, up).pipe(reconnect(policy)), '70ms !').toBe('59ms c')
      expectSubscriptions(down.subscriptions).toBe(['^!', '11ms ^!', '32ms ^!'])
      expectSubscriptions(up.subscriptions).toBe('58ms ^ 11ms !')
    })
  })

  it('gives up after count failures in a row, with the last error', () => {
    scheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const down = cold('-#', undefined, refused)
      expectObservable(down.pipe(reconnect(policy))).toBe('59ms #', undefined, refused)
      expectSubscriptions(down.subscriptions).toBe(['^!', '11ms ^!', '32ms ^!', '58ms ^!'])
    })
  })

  it('any other error ends it at once, without a new subscription', () => {
    scheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const broken = cold('-#', undefined, new TypeError('bad'))
      expectObservable(broken.pipe(reconnect(policy))).toBe('-#', undefined, new TypeError('bad'))
      expectSubscriptions(broken.subscriptions).toBe('^!')
    })
  })

  it('a session that got going counts as a success: after its reset the backoff starts over', () => {
    scheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const flaky = cold('-c-#', undefined, reset)
      // Without resetOnSuccess the second wait would be 20 ms (a new attempt at 36, not 26).
      expectObservable(flaky.pipe(reconnect(policy)), '30ms !').toBe('-c 12ms c 12ms c')
      expectSubscriptions(flaky.subscriptions).toBe(['^--!', '13ms ^--!', '26ms ^--!'])
    })
  })

  it('a session the server ended (completion) is subscribed again after firstDelayMs', () => {
    scheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const ended = cold('-c|')
      expectObservable(ended.pipe(reconnect(policy)), '30ms !').toBe('-c 11ms c 11ms c')
      expectSubscriptions(ended.subscriptions).toBe(['^-!', '12ms ^-!', '24ms ^-!'])
    })
  })

  it('unsubscribing during a wait cancels it: no later attempt', () => {
    scheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const down = cold('-#', undefined, refused)
      expectObservable(down.pipe(reconnect(policy)), '5ms !').toBe('')
      expectSubscriptions(down.subscriptions).toBe('^!')
    })
  })
})
