/**
 * The built script: the 1,000-byte gzip budget, what it must never contain, and the copy the
 * collector serves at GET /r.js.
 */
import { readFileSync } from 'node:fs'
import { gzipSync } from 'node:zlib'
import { describe, expect, it } from 'vitest'
import { COLLECTOR_MODULE, renderCollectorModule } from '../scripts/collector-module.mjs'

const dist = (file: string) => readFileSync(new URL(`../dist/${file}`, import.meta.url), 'utf8')
const BUDGET = 1000

describe('dist/refline.js', () => {
  const script = dist('refline.js')

  it(`is at most ${BUDGET} bytes gzipped at level 9`, () => {
    const size = gzipSync(script, { level: 9 }).length
    expect(size, `refline.js is ${size} bytes gzipped, over the ${BUDGET}-byte budget`).toBeLessThanOrEqual(
      BUDGET,
    )
  })

  it('runs in its own scope and declares no globals', () => {
    expect(script.startsWith('(()=>{')).toBe(true)
    expect(script.trimEnd().endsWith('})();') || script.trimEnd().endsWith('})()')).toBe(true)
  })

  it('needs no eval and injects no inline code, so a strict CSP allows it', () => {
    for (const banned of [
      'eval(',
      'new Function',
      'Function(',
      'innerHTML',
      'document.write',
      'setAttribute("on',
    ]) {
      expect(script).not.toContain(banned)
    }
  })

  it('imports nothing', () => {
    expect(script).not.toMatch(/\bimport\b|\brequire\(/)
  })
})

describe('dist/refline.mjs', () => {
  it('exports init for bundlers', () => {
    expect(dist('refline.mjs')).toMatch(/export\s*\{[^}]*\binit\b/)
  })
})

describe('collector/src/generated/refline-script.ts', () => {
  it('is the current build, so GET /r.js serves this source', () => {
    const committed = readFileSync(COLLECTOR_MODULE, 'utf8')
    expect(committed, 'stale: run `pnpm --filter @refline/browser build` and commit the file').toBe(
      renderCollectorModule(dist('refline.js')),
    )
  })
})
