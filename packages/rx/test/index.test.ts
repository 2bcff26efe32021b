import { describePackageEntry } from '../../../test-support/package-entry.js'
import * as entry from '../src/index.js'

// Nothing yet: fromIocp arrives with the adapters' issue.
describePackageEntry('@wsm/rx', new URL('..', import.meta.url), entry, [])
