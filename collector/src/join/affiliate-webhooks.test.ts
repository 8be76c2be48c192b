/**
 * The affiliate webhooks: `affiliate.created` for every new affiliate (API and join page), and
 * `affiliate.approved` carrying the portal link the approval minted — the only other place it exists.
 */
import { createExecutionContext, env } from 'cloudflare:test'
import { describe, expect, it } from 'vitest'
import { BROWSER_UA, call, createProgram } from '../../test/helpers'
import worker from '../index'

async function deliveries(
  programId: string,
): Promise<Array<{ type: string; data: Record<string, unknown> }>> {
  const { results } = await env.DB.prepare(
    'SELECT type, payload FROM webhook_deliveries WHERE program_id = ? ORDER BY created_at, rowid',
  )
    .bind(programId)
    .all<{ type: string; payload: string }>()
  return results.map((r) => ({ type: r.type, data: JSON.parse(r.payload).data }))
}

async function withEndpoint() {
  const created = await createProgram({ name: 'Hooks' })
  const res = await call('POST', '/v1/webhook-endpoints', {
    token: created.keys.secret,
    body: { url: 'https://hooks.example.com/refline' },
  })
  expect(res.status).toBe(201)
  return created
}

describe('affiliate webhooks', () => {
  it('sends affiliate.created with the portal link when the API creates an affiliate', async () => {
    const { keys, program } = await withEndpoint()
    const res = await call('POST', '/v1/affiliates', {
      token: keys.secret,
      body: { name: 'Jane', email: 'jane@example.com', code: `jane${Date.now().toString(36)}` },
    })
    const sent = await deliveries(program.id)
    expect(sent.map((d) => d.type)).toEqual(['affiliate.created'])
    expect(sent[0]?.data).toMatchObject({
      id: res.body.affiliate.id,
      portal_url: res.body.affiliate.portal_url,
    })
  })

  it('sends affiliate.created (no portal link) for an application and affiliate.approved with the new link', async () => {
    const { keys, program } = await withEndpoint()
    const slug = `hooks-${crypto.randomUUID().slice(0, 8)}`
    await call('PATCH', '/v1/program', { token: keys.secret, body: { slug, join: { enabled: true } } })
    const form = new URLSearchParams({
      name: 'Omar',
      email: 'omar@example.com',
      promotion: 'Podcast',
      terms: 'on',
    })
    const res = await worker.fetch(
      new Request(`http://collector.test/join/${slug}`, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          'user-agent': BROWSER_UA,
          'cf-connecting-ip': '192.0.2.201',
        },
        body: form.toString(),
      }),
      env,
      createExecutionContext(),
    )
    expect(res.status).toBe(200)
    await res.text()
    const [created] = await deliveries(program.id)
    expect(created).toMatchObject({
      type: 'affiliate.created',
      data: { status: 'pending', portal_url: null },
    })
    const id = String(created?.data.id)
    const approved = await call('POST', `/v1/affiliates/${id}/approve`, { token: keys.secret })
    const sent = await deliveries(program.id)
    expect(sent.map((d) => d.type)).toEqual(['affiliate.created', 'affiliate.approved'])
    expect(sent[1]?.data).toMatchObject({
      id,
      status: 'active',
      portal_url: approved.body.affiliate.portal_url,
    })
    expect(approved.body.affiliate.portal_url).toMatch(/\/portal\//)
  })
})
