// backend() makes the completion engine (it can only tell which engine serves once one is set up)
// and nothing else: no descriptor of another model is opened for the sake of fd-leak counts (the
// tests warm those up themselves, test/helpers/fds.ts warmUpCore). A file of its own: it must run
// before anything in this process has used the core.
import { expect, it } from 'vitest'
import { backend } from '../lib/index.js'
import { openFds } from './helpers/fds.js'

it('the first backend() opens one descriptor, the engine’s (an io_uring ring or an epoll set); later calls none', () => {
  const before = openFds()
  const engine = backend()
  const opened = [...openFds()].filter(([fd, target]) => before.get(fd) !== target).map(([, target]) => target)
  expect(opened).toEqual([engine === 'io_uring' ? 'anon_inode:[io_uring]' : 'anon_inode:[eventpoll]'])
  const again = openFds()
  expect(backend()).toBe(engine)
  expect(openFds()).toEqual(again)
})
