/**
 * Affiliates (secret key): create, list, get, update, and a new portal link. Every change tells
 * the hub to reload.
 *
 * Modes: a live key sees and changes live affiliates only. A test key changes test affiliates
 * only, but sees live ones too (test events may be attributed to them), without their email or
 * portal link. Portal links are stored hashed: `portal_url` is in the answer that creates an
 * affiliate and in `POST /v1/affiliates/:id/portal-link`, and null everywhere else.
 */
import { and, asc, eq } from 'drizzle-orm'
import { drizzle } from 'drizzle-orm/d1'
import { type Context, Hono } from 'hono'
import { affiliates } from '../db/schema'
import { affiliatesExport, wantsCsv } from '../exports/routes'
import { isUniqueViolation } from '../hub/d1-writes'
import { affiliateTag } from '../hub/live'
import { closeSockets, portalTag } from '../hub/sockets'
import { decideApplication } from '../join/applications'
import { requireSecretKey } from '../lib/auth'
import { newId, randomToken } from '../lib/crypto'
import { type AppEnv, type Env, hubFor, publicOrigin } from '../lib/env'
import { ApiError } from '../lib/errors'
import { hashEmail } from '../lib/ip-hash'
import { newPortalToken, portalTokenHash } from '../lib/portal-token'
import { type AffiliateInput, affiliateInput, affiliatePatch } from '../lib/schemas'
import { parseBody } from '../lib/validate'
import type {
  Affiliate,
  AffiliateStatus,
  CommissionRule,
  Mode,
  PortalLinkResult,
  SignupReward,
} from '../shared'
import { assertPromoCodesFree, promoCodesByAffiliate, replacePromoCodes } from '../stripe/promo-codes'
import { emitWebhook } from '../webhooks/enqueue'

export const affiliateRoutes = new Hono<AppEnv>()

affiliateRoutes.use('/v1/affiliates', requireSecretKey)
affiliateRoutes.use('/v1/affiliates/*', requireSecretKey)

type Row = typeof affiliates.$inferSelect
/** A row just created or given a new portal link: the only time its token is known. */
type RowWithToken = Row & { newPortalToken?: string }

/**
 * The API form of an affiliate. `viewer` is the mode of the key asking (undefined: the founder's
 * dashboard): a test key sees a live affiliate without its email.
 */
export function affiliateJson(
  c: { env: Env; req: { url: string } },
  row: RowWithToken,
  viewer?: Mode,
): Affiliate {
  const origin = publicOrigin(c.env, c.req.url)
  const redacted = viewer === 'test' && row.mode === 'live'
  return {
    id: row.id,
    code: row.code,
    name: row.name,
    email: redacted ? null : row.email,
    commission: row.commission ? (JSON.parse(row.commission) as CommissionRule) : null,
    signup_reward: row.signupReward ? (JSON.parse(row.signupReward) as SignupReward) : null,
    status: row.status,
    mode: row.mode,
    portal_url: row.newPortalToken && !redacted ? `${origin}/portal/${row.newPortalToken}` : null,
    link: `${origin}/go/${row.code}`,
    created_at: row.createdAt,
  }
}

/** A readable code from the name ("Jane Doe" → "janedoe"), with a suffix when it is taken. */
function codeFromName(name: string, attempt: number): string {
  const base =
    name
      .toLowerCase()
      .replace(/[^a-z0-9]/g, '')
      .slice(0, 24) || 'partner'
  return attempt === 0 ? base : `${base}${randomToken(4).toLowerCase()}`
}

/** What a join-page application adds to an affiliate: it may start `pending`, with its website and note. */
export interface InsertAffiliateOptions {
  status?: 'pending' | 'active'
  website?: string | null
  promotion?: string | null
}

/**
 * Inserts an affiliate (a free code derived from the name unless one is given) and sends
 * `affiliate.created` (with the portal link while it is the only place the link exists; none for
 * a pending application, whose portal does not open). Used by the dashboard and the join page too.
 */
export async function insertAffiliate(
  c: { env: Env; req: { url: string } },
  programId: string,
  mode: Mode,
  body: AffiliateInput,
  options: InsertAffiliateOptions = {},
): Promise<RowWithToken> {
  const env = c.env
  const db = drizzle(env.DB)
  const now = new Date().toISOString()
  for (let attempt = 0; attempt < 5; attempt++) {
    const code = body.code ? body.code.toLowerCase() : codeFromName(body.name, attempt)
    const token = newPortalToken()
    const row: Row = {
      id: newId('aff'),
      programId,
      code,
      name: body.name,
      email: body.email,
      emailHash: await hashEmail(programId, body.email),
      commission: body.commission ? JSON.stringify(body.commission) : null,
      signupReward: body.signup_reward ? JSON.stringify(body.signup_reward) : null,
      status: options.status ?? 'active',
      website: options.website ?? null,
      promotion: options.promotion ?? null,
      portalToken: null,
      portalTokenHash: await portalTokenHash(token),
      mode,
      createdAt: now,
      updatedAt: now,
    }
    try {
      await db.insert(affiliates).values(row)
    } catch (err) {
      if (!isUniqueViolation(err, 'affiliates')) throw err
      if (body.code) throw new ApiError('conflict', `The code "${code}" is taken`, 'code')
      continue
    }
    await hubFor(env, programId).invalidate()
    const created: RowWithToken = { ...row, newPortalToken: token }
    const data = affiliateJson(c, created)
    if (row.status !== 'active') data.portal_url = null
    await emitWebhook(env, {
      programId,
      mode,
      type: 'affiliate.created',
      id: newId('evt'),
      createdAt: now,
      data,
    })
    return created
  }
  throw new ApiError('conflict', 'Could not find a free code; pass one explicitly', 'code')
}

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
  const status = affiliateStatusFilter(q.status)
  const unknown = Object.keys(q).find((k) => k !== 'status' && k !== 'format')
  if (unknown) throw new ApiError('invalid_request', `Unknown query parameter ${unknown}`, unknown)
  if (wantsCsv(q)) return affiliatesExport(c, programId, mode, status)
  const rows = await drizzle(c.env.DB)
    .select()
    .from(affiliates)
    .where(
      and(
        eq(affiliates.programId, programId),
        mode === 'live' ? eq(affiliates.mode, 'live') : undefined,
        status ? eq(affiliates.status, status) : undefined,
      ),
    )
    .orderBy(asc(affiliates.createdAt))
  const promoCodes = await promoCodesByAffiliate(c.env.DB, programId)
  return c.json({
    affiliates: rows.map((r) => ({ ...affiliateJson(c, r, mode), promo_codes: promoCodes.get(r.id) ?? [] })),
  })
})

/** The affiliate named by `:id` (an id or a code) that the key may see, else 404. */
async function findAffiliate(c: Context<AppEnv>): Promise<Row> {
  const { programId, mode } = c.get('auth')
  const id = c.req.param('id') ?? ''
  const row = await drizzle(c.env.DB)
    .select()
    .from(affiliates)
    .where(
      and(
        eq(affiliates.programId, programId),
        id.startsWith('aff_') ? eq(affiliates.id, id) : eq(affiliates.code, id.toLowerCase()),
        mode === 'live' ? eq(affiliates.mode, 'live') : undefined,
      ),
    )
    .get()
  if (!row) throw new ApiError('not_found', 'No affiliate with that id or code', 'id')
  return row
}

/** A test key may read a live affiliate but never change it. */
function assertMayChange(c: Context<AppEnv>, row: Row): void {
  if (c.get('auth').mode === 'test' && row.mode === 'live') {
    throw new ApiError(
      'forbidden',
      'A test key cannot change a live affiliate; use the live secret key',
      'id',
    )
  }
}

affiliateRoutes.get('/v1/affiliates/:id', async (c) => {
  const row = await findAffiliate(c)
  const promoCodes = (await promoCodesByAffiliate(c.env.DB, row.programId, [row.id])).get(row.id) ?? []
  return c.json({ affiliate: { ...affiliateJson(c, row, c.get('auth').mode), promo_codes: promoCodes } })
})

affiliateRoutes.patch('/v1/affiliates/:id', async (c) => {
  const body = await parseBody(c, affiliatePatch)
  const row = await findAffiliate(c)
  assertMayChange(c, row)
  if (body.promo_codes) await assertPromoCodesFree(c.env.DB, row.programId, body.promo_codes, row.id)
  const next: Row = {
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
  await drizzle(c.env.DB).update(affiliates).set(next).where(eq(affiliates.id, row.id))
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
    const row = await findAffiliate(c)
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
  const row = await findAffiliate(c)
  const result: PortalLinkResult = { portal_url: await replacePortalLink(c, row) }
  return c.json(result, 201)
})

/**
 * Gives the affiliate a new portal token and answers its URL: the old token's hash is replaced
 * and the sockets opened with it are closed. For the portal-link endpoint, and for approving an
 * application (the approval's answer and webhook carry the link, which exists nowhere else).
 */
export async function replacePortalLink(c: { env: Env; req: { url: string } }, row: Row): Promise<string> {
  const token = newPortalToken()
  await drizzle(c.env.DB)
    .update(affiliates)
    .set({
      portalToken: null,
      portalTokenHash: await portalTokenHash(token),
      updatedAt: new Date().toISOString(),
    })
    .where(eq(affiliates.id, row.id))
  await closeSockets(c.env, row.programId, portalTag(row.id))
  return `${publicOrigin(c.env, c.req.url)}/portal/${token}`
}

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
