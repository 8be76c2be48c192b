import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { loadConfig } from '../config.ts'

const dir = mkdtempSync(join(tmpdir(), 'refline-demo-config-'))
const devJson = join(dir, 'dev.json')
writeFileSync(
  devJson,
  JSON.stringify({
    collectorUrl: 'http://127.0.0.1:9999',
    keys: { publishable: 'pk_live_dev', secret: 'sk_live_dev' },
  }),
)
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('demo config', () => {
  it('takes keys, collector URL and port from the environment first', () => {
    const env = {
      REFLINE_SECRET_KEY: 'sk_live_env',
      REFLINE_PUBLISHABLE_KEY: 'pk_live_env',
      REFLINE_BASE_URL: 'http://127.0.0.1:8788/',
      PORT: '4000',
    }
    expect(loadConfig(env, devJson)).toEqual({
      secretKey: 'sk_live_env',
      publishableKey: 'pk_live_env',
      baseUrl: 'http://127.0.0.1:8788',
      port: 4000,
    })
  })

  it('falls back to .refline/dev.json written by pnpm dev', () => {
    expect(loadConfig({}, devJson)).toEqual({
      secretKey: 'sk_live_dev',
      publishableKey: 'pk_live_dev',
      baseUrl: 'http://127.0.0.1:9999',
      port: 3000,
    })
  })

  it('defaults the collector to 127.0.0.1:8787', () => {
    const env = { REFLINE_SECRET_KEY: 'sk_live_env', REFLINE_PUBLISHABLE_KEY: 'pk_live_env' }
    expect(loadConfig(env, devJson).baseUrl).toBe('http://127.0.0.1:8787')
  })

  it('explains what to do when there are no keys', () => {
    expect(() => loadConfig({}, join(dir, 'missing.json'))).toThrow(/pnpm dev/)
  })
})
