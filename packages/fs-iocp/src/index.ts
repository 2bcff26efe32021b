// Nothing is exported yet, on purpose: copyFile (a drop-in for fs.promises.copyFile), cp and
// copyFiles arrive with the issue that brings the core's completion-port copier to this package.
// Until then this entry point only proves the package builds, packs and loads; see README.md for
// the planned API.
export {}
