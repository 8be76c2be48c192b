/**
 * Keeps docs/webhooks.md honest: its receiver snippets are run as written against deliveries
 * signed the way the collector signs them (and refuse a forged one).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import type { Server } from 'node:http'
import { createRequire } from 'node:module'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'
import { signWebhook } from './webhook.js'

const doc = readFileSync(new URL('../../docs/webhooks.md', import.meta.url), 'utf8')
const dir = mkdtempSync(join(tmpdir(), 'refline-webhook-snippets-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

/** The first ```ts block under a heading, written to a file with its imports resolved here. */
function snippet(heading: string, name: string): string {
  const at = doc.indexOf(heading)
  const code = at === -1 ? undefined : /```ts\n([\s\S]*?)```/.exec(doc.slice(at))?.[1]
  if (!code) throw new Error(`no ts block under ${heading}`)
  const sdk = fileURLToPath(new URL('./index.ts', import.meta.url))
  const swh = createRequire(import.meta.url).resolve('standardwebhooks')
  const file = join(dir, name)
  writeFileSync(
    file,
    code.replace("'@refline/node'", JSON.stringify(sdk)).replace("'standardwebhooks'", JSON.stringify(swh)),
  )
  return file
}

const secret = `whsec_${Buffer.from('docs-snippet-key-0123456789abcdef').toString('base64')}`
const id = 'evt_docs_1'
const body = JSON.stringify({
  id,
  type: 'conversion.created',
  created_at: new Date().toISOString(),
  data: {},
})

describe('docs/webhooks.md receivers', () => {
  it('the fetch handler with the Node SDK accepts a signed delivery and refuses a forged one', async () => {
    const { default: worker } = await import(snippet('### With the Node SDK', 'worker.ts'))
    const env = { REFLINE_WEBHOOK_SECRET: secret }
    const headers = await signWebhook(body, secret, { id })
    const ok = await worker.fetch(
      new Request('https://app.test/webhooks/refline', { method: 'POST', body, headers }),
      env,
    )
    expect(ok.status).toBe(204)
    const forged = await worker.fetch(
      new Request('https://app.test/webhooks/refline', {
        method: 'POST',
        body: body.replace('{}', '{"x":1}'),
        headers,
      }),
      env,
    )
    expect(forged.status).toBe(400)
  })

  it('the node:http receiver with standardwebhooks accepts a signed delivery and refuses a forged one', async () => {
    process.env.REFLINE_WEBHOOK_SECRET = secret
    const { server } = (await import(snippet('### With any Standard Webhooks library', 'server.ts'))) as {
      server: Server
    }
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks/refline`
      const headers = await signWebhook(body, secret, { id })
      expect((await fetch(url, { method: 'POST', body, headers })).status).toBe(204)
      const stale = await signWebhook(body, secret, { id, timestamp: Math.floor(Date.now() / 1000) - 3600 })
      expect((await fetch(url, { method: 'POST', body, headers: stale })).status).toBe(400)
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()))
    }
  })
})
