// The waits of the event drivers ('overlapped-event', 'event-select'). WSAWaitForMultipleEvents
// takes at most WSA_MAXIMUM_WAIT_EVENTS (64) events, so the drivers' events are served in groups,
// one wait loop per group, as Winsock programs do with one thread per 64 handles. Slot 0 of a
// group is a wake-up event, set when the group's membership changes, so its wait restarts on the
// new set. After a wait, every signalled event of the group is served, not only the lowest one
// the wait names: a busy low slot must not starve the others (test/drivers-idle.test.ts: 1,000
// connections, 32 groups).
// A pending wait keeps nothing alive (it has no timer): the operations in flight do, and the
// sockets selected with WSAEventSelect. A group left with no members is dropped and its wake-up
// event closed, so a burst of connections leaves no waits behind once it is gone
// (test/drivers-event-select.test.ts).
import { WSA_MAXIMUM_WAIT_EVENTS } from '../constants.js'
import { WsaEvent, waitForMultipleEvents } from '../wsa-event.js'

/** An event and what to do when it is signalled (the handler resets it). */
export type Signalled = () => void

interface Group {
  wake: WsaEvent
  members: Map<WsaEvent, Signalled>
  waiting: boolean
}

const PER_GROUP = WSA_MAXIMUM_WAIT_EVENTS - 1
// This thread's groups (each module instance is per thread, as a Worker loads its own).
const groups: Group[] = []

/** Waits on `event` in a group with room, calling `signalled` whenever it is set; returns the removal. */
export function waitOn(event: WsaEvent, signalled: Signalled): () => void {
  let group = groups.find((g) => g.members.size < PER_GROUP)
  if (group === undefined) {
    group = { wake: new WsaEvent(), members: new Map(), waiting: false }
    groups.push(group)
  }
  group.members.set(event, signalled)
  if (group.waiting) group.wake.set()
  else void serve(group)
  const g = group
  return () => {
    if (g.members.delete(event)) g.wake.set()
  }
}

/** @internal For tests: how many groups have members (each one wait of at most 64 events). */
export function busyGroups(): number {
  return groups.filter((g) => g.members.size > 0).length
}

/** @internal For tests: how many groups exist, with members or on their way out. */
export function waitGroups(): number {
  return groups.length
}

async function serve(group: Group): Promise<void> {
  group.waiting = true
  while (group.members.size > 0) {
    try {
      await waitForMultipleEvents([group.wake, ...group.members.keys()])
    } catch {
      // A member's event was closed under the wait (after its removal): wait again on the new set.
    }
    group.wake.reset()
    for (const [event, signalled] of [...group.members]) {
      if (!event.signaled || !group.members.has(event)) continue
      try {
        signalled()
      } catch (err) {
        // An exception of an event listener: uncaught, as from a net.Socket's; the loop goes on.
        process.nextTick(() => {
          throw err
        })
      }
    }
  }
  group.waiting = false
  groups.splice(groups.indexOf(group), 1)
  group.wake.close()
}
