#!/usr/bin/env node
// Usage: node .ci/test-summary.mjs <engine> <report path inside each package> <allow-list>
//
// Reads the vitest JSON report of every workspace package that has a test script, prints passed /
// failed / skipped for the engine (in total and per package) and every skipped test by name, and
// exits 1 when a package wrote no report or a test was skipped without a line of the allow-list
// matching its full title: a skipped test checks nothing, so each one must be explained.
import { existsSync, readFileSync, readdirSync } from 'node:fs'
import { join, relative } from 'node:path'

const [engine, reportPath, allowListPath] = process.argv.slice(2)
if (!engine || !reportPath || !allowListPath) {
  console.error('usage: test-summary.mjs <engine> <report path inside each package> <allow-list>')
  process.exit(2)
}
const root = process.cwd()

/** Lines "<part of a full test title> | <why it may be skipped>"; # starts a comment. */
function readAllowList(path) {
  const entries = []
  for (const [i, raw] of readFileSync(path, 'utf8').split('\n').entries()) {
    const line = raw.replace(/#.*/, '').trim()
    if (!line) continue
    const [title, why] = line.split('|').map((s) => s.trim())
    if (!title || !why) throw new Error(`${path}:${i + 1}: expected "<title part> | <why>", got "${raw}"`)
    entries.push({ title, why })
  }
  return entries
}

function testedPackages() {
  const dirs = []
  for (const group of ['packages', 'apps']) {
    if (!existsSync(join(root, group))) continue
    for (const name of readdirSync(join(root, group)).sort()) {
      const manifest = join(root, group, name, 'package.json')
      if (!existsSync(manifest)) continue
      const pkg = JSON.parse(readFileSync(manifest, 'utf8'))
      if (pkg.scripts?.test) dirs.push({ dir: join(root, group, name), name: pkg.name ?? name })
    }
  }
  return dirs
}

const allowed = readAllowList(allowListPath)
const total = { passed: 0, failed: 0, skipped: 0 }
const rows = []
const skips = []
const problems = []

for (const { dir, name } of testedPackages()) {
  const report = join(dir, reportPath)
  if (!existsSync(report)) {
    problems.push(`${name}: no test report at ${relative(root, report)} (did its tests run?)`)
    continue
  }
  const r = JSON.parse(readFileSync(report, 'utf8'))
  const skipped = (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0)
  total.passed += r.numPassedTests
  total.failed += r.numFailedTests
  total.skipped += skipped
  rows.push(`  ${name.padEnd(20)} ${r.numPassedTests} passed, ${r.numFailedTests} failed, ${skipped} skipped`)
  for (const file of r.testResults ?? []) {
    for (const t of file.assertionResults ?? []) {
      if (t.status !== 'skipped' && t.status !== 'pending' && t.status !== 'todo') continue
      const title = `${relative(root, file.name)} > ${t.fullName}`
      const rule = allowed.find((a) => title.includes(a.title))
      skips.push({ title, rule })
    }
  }
}

console.log(`\n=== tests under ${engine}: ${total.passed} passed, ${total.failed} failed, ${total.skipped} skipped`)
for (const row of rows) console.log(row)
for (const { title, rule } of skips) {
  if (rule) console.log(`  skipped (allowed: ${rule.why}): ${title}`)
  else problems.push(`skipped, and not on ${allowListPath}: ${title}`)
}
for (const p of problems) console.log(`  FAIL ${p}`)
process.exit(problems.length > 0 ? 1 : 0)
