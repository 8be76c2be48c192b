/**
 * Checks the built package the way a user receives it: both module formats load, the declarations
 * stand alone, and nothing ties it to Node. Runs after `tsup` in the package's test script.
 */
import { existsSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'
import { beforeAll, describe, expect, it } from 'vitest'
import { VERSION } from './version.js'

const root = fileURLToPath(new URL('..', import.meta.url))
const dist = (file: string) => `${root}dist/${file}`
const pkg = JSON.parse(readFileSync(`${root}package.json`, 'utf8')) as {
  version: string
  dependencies?: Record<string, string>
}

describe('published package', () => {
  beforeAll(() => {
    if (!existsSync(dist('index.js')))
      throw new Error('dist/ is missing: run `pnpm --filter @refline/node build`')
  })

  it('keeps VERSION equal to package.json', () => {
    expect(VERSION).toBe(pkg.version)
  })

  it('has no runtime dependencies', () => {
    expect(pkg.dependencies ?? {}).toEqual({})
  })

  it('loads as ESM and as CommonJS', async () => {
    const esm = (await import(dist('index.js'))) as typeof import('./index.js')
    const cjs = createRequire(import.meta.url)(dist('index.cjs')) as typeof import('./index.js')
    for (const mod of [esm, cjs]) {
      const refline = new mod.Refline({ secretKey: 'sk_test_x', baseUrl: 'http://x.test' })
      expect(refline).toBeInstanceOf(mod.Refline)
      expect(new mod.ReflineValidationError('x', { code: 'invalid_request' })).toBeInstanceOf(
        mod.ReflineError,
      )
      expect(mod.Refline.clickIdFrom('rl_click=abcdefgh12345678')).toBe('abcdefgh12345678')
    }
  })

  it('inlines the wire types so the declarations import nothing', () => {
    for (const file of ['index.d.ts', 'index.d.cts']) {
      const dts = readFileSync(dist(file), 'utf8')
      expect(dts).not.toMatch(/^(import|export)\b[^\n]*from ['"]/m)
      expect(dts).toMatch(/interface ConversionResult/)
    }
  })

  it('ships JSDoc with an @example for every exported class and function and every client method', () => {
    const dts = readFileSync(dist('index.d.ts'), 'utf8')
    const docOf = (at: number) => {
      const before = dts.slice(0, at).trimEnd()
      return before.endsWith('*/') ? before.slice(before.lastIndexOf('/**')) : ''
    }
    const missing: string[] = []
    for (const m of dts.matchAll(/^declare (?:class|function) (\w+)/gm)) {
      if (!docOf(m.index).includes('@example')) missing.push(m[1]!)
    }
    const client = dts.slice(dts.indexOf('declare class Refline '))
    const body = client.slice(0, client.indexOf('\n}\n'))
    for (const m of body.matchAll(/^ {4}(?:static )?(\w+)(?:\(|: typeof)/gm)) {
      if (m[1] === 'constructor') continue // documented on the class
      if (!docOf(dts.indexOf(body) + m.index).includes('@example')) missing.push(`Refline.${m[1]}`)
    }
    expect(missing).toEqual([])
  })

  it('uses no Node built-ins at runtime', () => {
    for (const file of ['index.js', 'index.cjs']) {
      expect(readFileSync(dist(file), 'utf8')).not.toMatch(/require\(|from ['"]node:|import\(['"]/)
    }
  })
})
