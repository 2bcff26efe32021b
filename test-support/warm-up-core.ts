// The descriptors @wsm/core-native keeps for the life of the process, made on first use: the
// completion engine (an io_uring ring or an epoll set; backend() makes it) and the network-event
// reactor's epoll set (made by the first asyncSelect or eventSelect). Made before a test counts
// open descriptors, they are not taken for a leak of whichever test used them first.
// The core is passed in: its own tests load it from source, the other packages from the build.

interface CoreForWarmUp {
  backend(): string
  Socket: { tcp(): { close(): void } }
  MessageWindow: new (proc: () => void) => { close(): void }
  asyncSelect(s: never, w: never, msg: number, events: number): void
}

export function warmUpCore(core: CoreForWarmUp): void {
  try {
    core.backend()
  } catch {
    // a forced engine the kernel refuses: reported by the core's backend.test.ts
  }
  const s = core.Socket.tcp()
  const w = new core.MessageWindow(() => {})
  try {
    core.asyncSelect(s as never, w as never, 1, 1)
  } finally {
    s.close()
    w.close()
  }
}
