// The temporary files of the pipeline copies in flight in this process, removed when the process
// exits. The main thread's process.exit() ends the process without running any environment's
// cleanup (so no copy gets to remove its own), and would otherwise leave `<dest>.wsm-<pid>-<hex>.tmp`
// for the leftover sweep (os/linux/fs_util.h) to find a minute later. (The in-kernel copier needs
// none: libuv joins its threadpool before exit(), and a worker always finishes or removes the
// file it is on.) Any thread. Guarded by test/teardown-copy.test.ts.
#pragma once
#include <string>

namespace wsm {

// `path` is about to be created, and is to be removed at exit unless ForgetAtExit comes first.
void RemoveAtExit(const std::string& path);
// `path` was renamed into place or removed: nothing to do at exit.
void ForgetAtExit(const std::string& path);

}  // namespace wsm
