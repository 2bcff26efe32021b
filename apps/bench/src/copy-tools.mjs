// What `pnpm bench copy` measures: the copiers of each section and the targets from the issue.
//
// A tool is { name, op, options } for a Node copier run by copy-worker.mjs (see OPS there), or
// { name, argv(src, dest) } for a command; `underTest` marks ours (targets are checked for them),
// `peer` the tools the targets compare with (each gets a ratio column), `reference` our core's
// functions shown for comparison only; `needs` names an export of @wsm/fs-iocp without which the
// tool is skipped.

const MiB = 1 << 20;

export const SECTIONS = {
  big: {
    kind: 'file',
    tools: [
      { name: 'fs-iocp copyFile', op: 'fs-iocp.copyFile', underTest: true, needs: 'copyFile' },
      { name: 'fs.copyFile', op: 'fs.copyFile', peer: true },
      { name: 'cp', argv: (s, d) => ['cp', s, d], peer: true },
      { name: 'core iocp 4×64K', op: 'core.copyFileIocp', options: { bufferSize: 64 * 1024, pendingIos: 4 }, reference: true },
      { name: 'core iocp 8×1M', op: 'core.copyFileIocp', options: { bufferSize: MiB, pendingIos: 8 }, reference: true },
    ],
  },
  unbuffered: {
    kind: 'file',
    tools: [
      { name: 'fs-iocp unbuffered', op: 'fs-iocp.copyFile', options: { unbuffered: true }, underTest: true, needs: 'copyFile' },
      { name: 'fs-iocp buffered', op: 'fs-iocp.copyFile', needs: 'copyFile' },
      { name: 'core iocp 8×1M unbuffered', op: 'core.copyFileIocp', options: { bufferSize: MiB, pendingIos: 8, unbuffered: true }, reference: true },
      { name: 'core iocp 8×1M buffered', op: 'core.copyFileIocp', options: { bufferSize: MiB, pendingIos: 8 }, reference: true },
    ],
  },
  tree: {
    kind: 'tree',
    tools: [
      { name: 'fs-iocp cp', op: 'fs-iocp.cp', underTest: true, needs: 'cp' },
      { name: 'fs.cp', op: 'fs.cp', peer: true },
      { name: 'fs-extra', op: 'fs-extra.copy', peer: true },
      { name: 'cpy', op: 'cpy', peer: true },
      { name: 'cp -r', argv: (s, d) => ['cp', '-r', s, d], peer: true },
      { name: 'core kernel ×4', op: 'core.copyFilesKernel', options: { concurrency: 4 }, reference: true },
    ],
  },
};

/**
 * speed: ratio = vs's median time / subject's (≥ min); cache: subject's page-cache growth as a
 * fraction of the file (≤ max); stime: subject's system CPU / vs's (≤ max). `reference` checks are
 * the same comparisons on the core's functions: printed, never counted as targets.
 */
export const TARGETS = [
  { section: 'big', kind: 'speed', subject: 'fs-iocp copyFile', vs: 'fs.copyFile', min: 2 },
  { section: 'big', kind: 'speed', subject: 'fs-iocp copyFile', vs: 'cp', min: 0.95 },
  { section: 'unbuffered', kind: 'cache', subject: 'fs-iocp unbuffered', max: 0.05 },
  { section: 'unbuffered', kind: 'stime', subject: 'fs-iocp unbuffered', vs: 'fs-iocp buffered', max: 1 / 3 },
  { section: 'tree', kind: 'speed', subject: 'fs-iocp cp', vs: 'fs-extra', min: 2 },
  { section: 'tree', kind: 'speed', subject: 'fs-iocp cp', vs: 'fs.cp', min: 3 },
  { section: 'tree', kind: 'speed', subject: 'fs-iocp cp', vs: 'cp -r', min: 1.5 },
  // the same yardsticks held against the core, for reference
  { section: 'big', kind: 'speed', subject: 'core iocp 4×64K', vs: 'fs.copyFile', min: 2, reference: true },
  { section: 'big', kind: 'speed', subject: 'core iocp 4×64K', vs: 'cp', min: 0.95, reference: true },
  { section: 'unbuffered', kind: 'cache', subject: 'core iocp 8×1M unbuffered', max: 0.05, reference: true },
  { section: 'unbuffered', kind: 'stime', subject: 'core iocp 8×1M unbuffered', vs: 'core iocp 8×1M buffered', max: 1 / 3, reference: true },
  { section: 'tree', kind: 'speed', subject: 'core kernel ×4', vs: 'fs-extra', min: 2, reference: true },
  { section: 'tree', kind: 'speed', subject: 'core kernel ×4', vs: 'fs.cp', min: 3, reference: true },
  { section: 'tree', kind: 'speed', subject: 'core kernel ×4', vs: 'cp -r', min: 1.5, reference: true },
];
