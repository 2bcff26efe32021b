import { describePackageEntry } from '../../../test-support/package-entry.js'
import * as entry from '../src/index.js'

describePackageEntry('@wsm/fs-iocp', new URL('..', import.meta.url), entry, ['constants', 'copyFile', 'copyFiles', 'cp'])
