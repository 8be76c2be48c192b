/**
 * Changes to affiliates that reach beyond their row: creating one (a free code, the
 * `affiliate.created` webhook, the hub's reload) and replacing its portal link (closing the
 * sockets opened with the old one). Used by the API, the dashboard and the join page.
 */
import { closeSockets, portalTag } from '../hub/sockets'
import { newId, randomToken } from '../lib/crypto'
import { type Env, hubFor, publicOrigin } from '../lib/env'
import { ApiError } from '../lib/errors'
import { hashEmail } from '../lib/ip-hash'
import { newPortalToken, portalTokenHash } from '../lib/portal-token'
import type { AffiliateInput } from '../lib/schemas'
import type { Mode } from '../shared'
import { emitWebhook } from '../webhooks/enqueue'
import { type AffiliateRow, insertAffiliateRow, setPortalTokenHash } from './data'
import { type AffiliateRowWithToken, affiliateJson } from './json'

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
): Promise<AffiliateRowWithToken> {
  const env = c.env
  const now = new Date().toISOString()
  for (let attempt = 0; attempt < 5; attempt++) {
    const code = body.code ? body.code.toLowerCase() : codeFromName(body.name, attempt)
    const token = newPortalToken()
    const row: AffiliateRow = {
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
    if (!(await insertAffiliateRow(env.DB, row))) {
      if (body.code) throw new ApiError('conflict', `The code "${code}" is taken`, 'code')
      continue
    }
    await hubFor(env, programId).invalidate()
    const created: AffiliateRowWithToken = { ...row, newPortalToken: token }
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

/**
 * Gives the affiliate a new portal token and answers its URL: the old token's hash is replaced
 * and the sockets opened with it are closed. For the portal-link endpoint, and for approving an
 * application (the approval's answer and webhook carry the link, which exists nowhere else).
 */
export async function replacePortalLink(
  c: { env: Env; req: { url: string } },
  row: Pick<AffiliateRow, 'id' | 'programId'>,
): Promise<string> {
  const token = newPortalToken()
  await setPortalTokenHash(c.env.DB, row.id, await portalTokenHash(token))
  await closeSockets(c.env, row.programId, portalTag(row.id))
  return `${publicOrigin(c.env, c.req.url)}/portal/${token}`
}
