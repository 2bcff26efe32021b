// The check every package runs on its own entry point: it exports exactly the expected names,
// from its source and from the built package loaded by name through both "exports" conditions
// (a separate Node process resolves it as a user would). A name added without updating the
// list fails here.
import { execFileSync } from 'node:child_process'
import { describe, expect, it } from 'vitest'

export function describePackageEntry(name: string, packageDir: URL, entry: object, expected: string[]): void {
  describe(`${name} entry point`, () => {
    it('exports exactly the expected names', () => {
      expect(Object.keys(entry).sort()).toEqual([...expected].sort())
    })

    it('loads from the built package through both export conditions', () => {
      const script = [
        "import { createRequire } from 'node:module'",
        `const esm = await import(${JSON.stringify(name)})`,
        `const cjs = createRequire(import.meta.url)(${JSON.stringify(name)})`,
        'console.log(JSON.stringify({ esm: Object.keys(esm).sort(), cjs: Object.keys(cjs).sort() }))',
      ].join('\n')
      const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: packageDir, encoding: 'utf8' })
      const sorted = [...expected].sort()
      expect(JSON.parse(out)).toEqual({ esm: sorted, cjs: sorted })
    })
  })
}
