// Nothing is exported yet, on purpose: fromIocp, an Observable of the packets of a core
// CompletionPort, arrives with issue 3. Until then this entry point only proves the package builds,
// packs and loads; see README.md for the planned API.
export {}
