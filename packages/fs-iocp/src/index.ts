// A drop-in for fs.promises.copyFile, and copies of many files (a tree, a list) in one native call.
export { constants } from 'node:fs'
export type { PathLike } from './args.js'
export type { CopyError } from './copy-error.js'
export { copyFile, type CopyFileOptions, type CopyFileProgress, type CopyStrategy } from './copy-file.js'
export { copyFiles } from './copy-files.js'
export { cp } from './cp.js'
export type { CopyManyOptions, CopyManyProgress, CopyManyResult } from './copy-many.js'
