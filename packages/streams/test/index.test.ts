import { describePackageEntry } from '../../../test-support/package-entry.js'
import * as entry from '../src/index.js'

describePackageEntry('@wsm/streams', new URL('..', import.meta.url), entry, ['Server', 'Socket', 'connect', 'createConnection', 'createServer', 'serveHttp', 'withSocketAddress'])
