// WSAWaitForMultipleEvents takes at most 64 events, so the event-based servers (WSAEventSelect,
// overlapped I/O with events) serve their sockets in groups, one wait loop per group, as the
// classic examples do with one thread per group. Slot 0 of each group is a wake-up event, set
// when the group's membership changes so that its wait restarts on the new set.
import { WSA_MAXIMUM_WAIT_EVENTS, WSA_WAIT_EVENT_0, WsaEvent, waitForMultipleEvents } from '@wsm/core-native'

export interface GroupMember {
  event: WsaEvent
}

interface Group<M> {
  wake: WsaEvent
  members: M[]
  done: Promise<void>
}

const PER_GROUP = WSA_MAXIMUM_WAIT_EVENTS - 1

export class WaitGroups<M extends GroupMember> {
  readonly #groups: Array<Group<M>> = []
  readonly #serve: (member: M) => void | Promise<void>
  #stopping = false
  /** The most groups that ever waited at once. */
  peak = 0

  /** `serve` runs when a member's event is signalled; it resets the event itself. */
  constructor(serve: (member: M) => void | Promise<void>) {
    this.#serve = serve
  }

  /** Puts `member` in the first group with room, or in a new group with its own wait loop. */
  add(member: M): number {
    let group = this.#groups.find((g) => g.members.length < PER_GROUP)
    if (group) {
      group.members.push(member)
      group.wake.set()
    } else {
      group = { wake: new WsaEvent(), members: [member], done: Promise.resolve() }
      this.#groups.push(group)
      this.peak = Math.max(this.peak, this.#groups.length)
      group.done = this.#loop(group)
    }
    return this.#groups.indexOf(group)
  }

  /** Takes `member` out of its group (its wait restarts without it). False if it was not in one. */
  remove(member: M): boolean {
    for (const group of this.#groups) {
      const i = group.members.indexOf(member)
      if (i < 0) continue
      group.members.splice(i, 1)
      group.wake.set()
      return true
    }
    return false
  }

  members(): M[] {
    return this.#groups.flatMap((g) => g.members)
  }

  /** Ends every wait loop; resolves when all have returned. */
  async stop(): Promise<void> {
    this.#stopping = true
    for (const group of this.#groups) group.wake.set()
    await Promise.all(this.#groups.map((g) => g.done))
  }

  async #loop(group: Group<M>): Promise<void> {
    try {
      while (!this.#stopping && group.members.length > 0) {
        let index: number
        try {
          index = (await waitForMultipleEvents([group.wake, ...group.members.map((m) => m.event)])) - WSA_WAIT_EVENT_0
        } catch (err) {
          if (this.#stopping) break // the members' events were closed under the wait
          throw err
        }
        if (index === 0) {
          group.wake.reset()
          continue
        }
        await this.#serve(group.members[index - 1]!)
      }
    } finally {
      this.#groups.splice(this.#groups.indexOf(group), 1)
      group.wake.close()
    }
  }
}
