/** Affiliates (secret key): create, list, get, update. Every change tells the hub to reload. */
import { and, asc, eq } from 'drizzle-orm'
import { drizzle } from 'drizzle-orm/d1'
import { type Context, Hono } from 'hono'
import { affiliates } from '../db/schema'
import { isUniqueViolation } from '../hub/d1-writes'
import { requireSecretKey } from '../lib/auth'
import { newId, randomToken } from '../lib/crypto'
import { type AppEnv, type Env, hubFor, publicOrigin } from '../lib/env'
import { ApiError } from '../lib/errors'
import { hashEmail } from '../lib/ip-hash'
import { type AffiliateInput, affiliateInput, affiliatePatch } from '../lib/schemas'
import { parseBody } from '../lib/validate'
import type { Affiliate, CommissionRule, Mode } from '../shared'

export const affiliateRoutes = new Hono<AppEnv>()

affiliateRoutes.use('/v1/affiliates', requireSecretKey)
affiliateRoutes.use('/v1/affiliates/*', requireSecretKey)

type Row = typeof affiliates.$inferSelect

export function affiliateJson(c: { env: Env; req: { url: string } }, row: Row): Affiliate {
  const origin = publicOrigin(c.env, c.req.url)
  return {
    id: row.id,
    code: row.code,
    name: row.name,
    email: row.email,
    commission: row.commission ? (JSON.parse(row.commission) as CommissionRule) : null,
    status: row.status,
    portal_url: `${origin}/portal/${row.portalToken}`,
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

/** Inserts an affiliate (a free code derived from the name unless one is given); used by the dashboard too. */
export async function insertAffiliate(
  env: Env,
  programId: string,
  mode: Mode,
  body: AffiliateInput,
): Promise<Row> {
  const db = drizzle(env.DB)
  const now = new Date().toISOString()
  for (let attempt = 0; attempt < 5; attempt++) {
    const code = body.code ? body.code.toLowerCase() : codeFromName(body.name, attempt)
    const row: Row = {
      id: newId('aff'),
      programId,
      code,
      name: body.name,
      email: body.email,
      emailHash: await hashEmail(programId, body.email),
      commission: body.commission ? JSON.stringify(body.commission) : null,
      status: 'active',
      portalToken: randomToken(32),
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
    return row
  }
  throw new ApiError('conflict', 'Could not find a free code; pass one explicitly', 'code')
}

affiliateRoutes.post('/v1/affiliates', async (c) => {
  const body = await parseBody(c, affiliateInput)
  const { programId, mode } = c.get('auth')
  const row = await insertAffiliate(c.env, programId, mode, body)
  return c.json({ affiliate: affiliateJson(c, row) }, 201)
})

affiliateRoutes.get('/v1/affiliates', async (c) => {
  const { programId } = c.get('auth')
  const rows = await drizzle(c.env.DB)
    .select()
    .from(affiliates)
    .where(eq(affiliates.programId, programId))
    .orderBy(asc(affiliates.createdAt))
  return c.json({ affiliates: rows.map((r) => affiliateJson(c, r)) })
})

async function findAffiliate(c: Context<AppEnv>): Promise<Row> {
  const { programId } = c.get('auth')
  const id = c.req.param('id') ?? ''
  const row = await drizzle(c.env.DB)
    .select()
    .from(affiliates)
    .where(
      and(
        eq(affiliates.programId, programId),
        id.startsWith('aff_') ? eq(affiliates.id, id) : eq(affiliates.code, id.toLowerCase()),
      ),
    )
    .get()
  if (!row) throw new ApiError('not_found', 'No affiliate with that id or code', 'id')
  return row
}

affiliateRoutes.get('/v1/affiliates/:id', async (c) =>
  c.json({ affiliate: affiliateJson(c, await findAffiliate(c)) }),
)

affiliateRoutes.patch('/v1/affiliates/:id', async (c) => {
  const body = await parseBody(c, affiliatePatch)
  const row = await findAffiliate(c)
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
    status: body.status ?? row.status,
    updatedAt: new Date().toISOString(),
  }
  await drizzle(c.env.DB).update(affiliates).set(next).where(eq(affiliates.id, row.id))
  await hubFor(c.env, row.programId).invalidate()
  return c.json({ affiliate: affiliateJson(c, next) })
})
