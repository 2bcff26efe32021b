import { describePackageEntry } from '../../../test-support/package-entry.js'
import * as entry from '../src/index.js'

describePackageEntry('@wsm/rx', new URL('..', import.meta.url), entry, ['connect$', 'copyFile$', 'fromIocp', 'fromNetworkEvents', 'listen$'])
