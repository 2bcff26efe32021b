// Nothing is exported yet, on purpose: createServer, connect and the stream.Duplex socket arrive
// with the issue that brings the core's drivers to this package. Until then this entry point only
// proves the package builds, packs and loads; see README.md for the planned API.
export {}
