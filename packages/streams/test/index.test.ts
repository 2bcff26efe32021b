import { describePackageEntry } from '../../../test-support/package-entry.js'
import * as entry from '../src/index.js'

// Nothing yet: createServer/connect arrive with the adapters' issue.
describePackageEntry('@wsm/streams', new URL('..', import.meta.url), entry, [])
