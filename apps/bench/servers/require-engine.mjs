// The benchmark servers refuse to run on another engine than WSM_BACKEND names, so that a
// fallback (io_uring refused, epoll used) is never reported under the wrong name.
import { backend } from '@wsm/core-native';

/** Exits with 2 when WSM_BACKEND names an engine other than the one serving this process. */
export function requireEngine(server) {
  const want = process.env.WSM_BACKEND;
  if (want && backend() !== want) {
    console.error(`${server}: WSM_BACKEND=${want} but the engine is ${backend()}`);
    process.exit(2);
  }
}
