/**
 * Affiliates (secret key): create, list, get, update, and a new portal link. Every change tells
 * the hub to reload.
 *
 * Modes: a live key sees and changes live affiliates only. A test key changes test affiliates
 * only, but sees live ones too (test events may be attributed to them), without their email or
 * portal link. Portal links are stored hashed: `portal_url` is in the answer that creates an
 * affiliate and in `POST /v1/affiliates/:id/portal-link`, and null everywhere else.
 */
import { type Context, Hono } from 'hono'
import { type AffiliateRow, findAffiliate, listAffiliates, updateAffiliateRow } from '../affiliates/data'
import { affiliateJson } from '../affiliates/json'
import { insertAffiliate, replacePortalLink } from '../affiliates/service'
import { affiliatesExport, wantsCsv } from '../exports/service'
import { affiliateTag } from '../hub/live'
import { closeSockets } from '../hub/sockets'
import { decideApplication } from '../join/applications'
import { requireSecretKey } from '../lib/auth'
import { type AppEnv, hubFor } from '../lib/env'
import { ApiError } from '../lib/errors'
import { hashEmail } from '../lib/ip-hash'
import { assertKnownQuery } from '../lib/query'
import { affiliateInput, affiliatePatch } from '../lib/schemas'
import { parseBody } from '../lib/validate'
import type { AffiliateStatus, PortalLinkResult } from '../shared'
import { assertPromoCodesFree, promoCodesByAffiliate, replacePromoCodes } from '../stripe/promo-codes'

// The join page and the affiliate page import these from here.

export const affiliateRoutes = new Hono<AppEnv>()

affiliateRoutes.use('/v1/affiliates', requireSecretKey)
affiliateRoutes.use('/v1/affiliates/*', requireSecretKey)

affiliateRoutes.post('/v1/affiliates', async (c) => {
  const body = await parseBody(c, affiliateInput)
  const { programId, mode } = c.get('auth')
  const promoCodes = body.promo_codes ?? []
  await assertPromoCodesFree(c.env.DB, programId, promoCodes, null)
  const row = await insertAffiliate(c, programId, mode, body)
  if (promoCodes.length) {
    await replacePromoCodes(c.env.DB, programId, row.id, promoCodes)
    await hubFor(c.env, programId).invalidate()
  }
  return c.json({ affiliate: { ...affiliateJson(c, row, mode), promo_codes: promoCodes } }, 201)
})

export const AFFILIATE_STATUSES: AffiliateStatus[] = ['pending', 'active', 'rejected', 'disabled']

/** `?status=`: one affiliate status, or absent / empty for every status. */
export function affiliateStatusFilter(value: string | undefined): AffiliateStatus | undefined {
  if (value === undefined || value === '') return undefined
  if (!AFFILIATE_STATUSES.includes(value as AffiliateStatus))
    throw new ApiError('invalid_request', `status must be one of ${AFFILIATE_STATUSES.join(', ')}`, 'status')
  return value as AffiliateStatus
}

affiliateRoutes.get('/v1/affiliates', async (c) => {
  const { programId, mode } = c.get('auth')
  const q = c.req.query()
  assertKnownQuery(q, ['status', 'format'])
  const status = affiliateStatusFilter(q.status)
  if (wantsCsv(q)) return affiliatesExport(c, programId, mode, status)
  const rows = await listAffiliates(c.env.DB, programId, { visibleTo: mode, status })
  const promoCodes = await promoCodesByAffiliate(c.env.DB, programId)
  return c.json({
    affiliates: rows.map((r) => ({ ...affiliateJson(c, r, mode), promo_codes: promoCodes.get(r.id) ?? [] })),
  })
})

/** The affiliate named by `:id` (an id or a code) that the key may see, else 404. */
async function affiliateOf(c: Context<AppEnv>): Promise<AffiliateRow> {
  const { programId, mode } = c.get('auth')
  const row = await findAffiliate(c.env.DB, programId, c.req.param('id') ?? '', { visibleTo: mode })
  if (!row) throw new ApiError('not_found', 'No affiliate with that id or code', 'id')
  return row
}

/** A test key may read a live affiliate but never change it. */
function assertMayChange(c: Context<AppEnv>, row: AffiliateRow): void {
  if (c.get('auth').mode === 'test' && row.mode === 'live') {
    throw new ApiError(
      'forbidden',
      'A test key cannot change a live affiliate; use the live secret key',
      'id',
    )
  }
}

affiliateRoutes.get('/v1/affiliates/:id', async (c) => {
  assertKnownQuery(c.req.query(), [])
  const row = await affiliateOf(c)
  const promoCodes = (await promoCodesByAffiliate(c.env.DB, row.programId, [row.id])).get(row.id) ?? []
  return c.json({ affiliate: { ...affiliateJson(c, row, c.get('auth').mode), promo_codes: promoCodes } })
})

affiliateRoutes.patch('/v1/affiliates/:id', async (c) => {
  const body = await parseBody(c, affiliatePatch)
  const row = await affiliateOf(c)
  assertMayChange(c, row)
  if (body.promo_codes) await assertPromoCodesFree(c.env.DB, row.programId, body.promo_codes, row.id)
  const next: AffiliateRow = {
    ...row,
    name: body.name ?? row.name,
    email: body.email ?? row.email,
    emailHash: body.email ? await hashEmail(row.programId, body.email) : row.emailHash,
    commission:
      body.commission === undefined
        ? row.commission
        : body.commission
          ? JSON.stringify(body.commission)
          : null,
    signupReward:
      body.signup_reward === undefined
        ? row.signupReward
        : body.signup_reward
          ? JSON.stringify(body.signup_reward)
          : null,
    status: body.status ?? row.status,
    updatedAt: new Date().toISOString(),
  }
  await updateAffiliateRow(c.env.DB, next)
  if (body.promo_codes) await replacePromoCodes(c.env.DB, row.programId, row.id, body.promo_codes)
  await hubFor(c.env, row.programId).invalidate()
  // A disabled affiliate's open sockets (portal and live tokens) close at once.
  if (next.status !== 'active' && row.status === 'active')
    await closeSockets(c.env, row.programId, affiliateTag(row.id))
  const promoCodes = (await promoCodesByAffiliate(c.env.DB, row.programId, [row.id])).get(row.id) ?? []
  return c.json({ affiliate: { ...affiliateJson(c, next, c.get('auth').mode), promo_codes: promoCodes } })
})

/**
 * Applications from the join page: approve (→ `active`, with a new portal link in the answer and
 * the `affiliate.approved` webhook) or reject (→ `rejected`). A test key may decide test
 * applications only.
 */
for (const action of ['approve', 'reject'] as const) {
  affiliateRoutes.post(`/v1/affiliates/:id/${action}`, async (c) => {
    await readOptionalEmptyBody(c)
    const row = await affiliateOf(c)
    assertMayChange(c, row)
    const affiliate = await decideApplication(c, row, action)
    return c.json({ affiliate: { ...affiliate, promo_codes: [] } })
  })
}

/**
 * A new portal link (live secret key only): the old token's hash is replaced, so the old link
 * and the sockets opened with it stop at once.
 */
affiliateRoutes.post('/v1/affiliates/:id/portal-link', async (c) => {
  if (c.get('auth').mode !== 'live') {
    throw new ApiError('forbidden', 'Portal links are issued with the live secret key')
  }
  await readOptionalEmptyBody(c)
  const row = await affiliateOf(c)
  const result: PortalLinkResult = { portal_url: await replacePortalLink(c, row) }
  return c.json(result, 201)
})

/** The endpoint takes no body; anything but an empty one (or `{}`) is refused, naming the fields. */
async function readOptionalEmptyBody(c: Context<AppEnv>): Promise<void> {
  const text = await c.req.text()
  if (!text.trim()) return
  let raw: unknown
  try {
    raw = JSON.parse(text)
  } catch {
    throw new ApiError('invalid_request', 'Body is not valid JSON')
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    throw new ApiError('invalid_request', 'Body must be a JSON object')
  const unknown = Object.keys(raw)
  if (unknown.length)
    throw new ApiError(
      'invalid_request',
      `Unknown field ${unknown[0]}: this endpoint takes no body`,
      unknown[0],
    )
}
