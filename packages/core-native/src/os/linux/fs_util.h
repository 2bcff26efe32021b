// File-system helpers the copiers share (src/copy): the temporary name a copy is written under,
// the rename that puts it in place without replacing, and the removal of temporary files that
// killed processes left behind. Plain POSIX calls; safe on any thread.
#pragma once
#include <sys/types.h>

#include <string>

namespace wsm {

// rename(2) that fails with EEXIST instead of replacing `to` (COPYFILE_EXCL, atomically where the
// kernel has RENAME_NOREPLACE; else link + unlink, which also refuses an existing name).
// Returns 0 or -errno.
int RenameNoReplace(const char* from, const char* to);

// A fresh temporary name beside `dest` (same directory): `<name>.wsm-<pid>-<8 hex>.tmp`, with
// <name> cut (on a UTF-8 character boundary) so that the whole stays within NAME_MAX (255 bytes)
// however long `dest`'s last component is. fs-iocp's src/temp-name.ts names cp's temporaries by
// the same rule. Random per thread. Guarded by fs-iocp test/temp-names.test.ts.
std::string TempPathBeside(const std::string& dest, pid_t pid);

// Removes, in the directory that holds `dest`, the temporary files (not directories) that
// TempPathBeside named for processes that no longer exist (kill(pid, 0) says ESRCH) and that no
// one has modified for a minute: what a SIGKILL during a copy leaves. Blocks (reads the
// directory): call it on a worker thread. Guarded by fs-iocp test/leftovers.test.ts.
void RemoveDeadLeftovers(const std::string& dest);

// True when the caller should sweep the destination's directory with RemoveDeadLeftovers: for the
// first copy into it, and again for the first one five minutes or more after its last sweep (a
// long-running process keeps it clear), so the cost is one directory read per directory every
// few minutes, not per file. Cheap. Guarded by test/leftover-sweep.test.ts.
bool LeftoverSweepDue(const std::string& dest);

}  // namespace wsm
