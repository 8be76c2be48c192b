/** The API form of an affiliate, shared by the public API, the dashboard, the join page and webhooks. */
import { type Env, publicOrigin } from '../lib/env'
import type { Affiliate, CommissionRule, Mode, SignupReward } from '../shared'
import type { AffiliateRow } from './data'

/** A row just created or given a new portal link: the only time its token is known. */
export type AffiliateRowWithToken = AffiliateRow & { newPortalToken?: string }

/** An affiliate's referral link: the collector's `/go/` redirect with its code. */
export function affiliateLink(origin: string, code: string): string {
  return `${origin}/go/${code}`
}

/**
 * The API form of an affiliate. `viewer` is the mode of the key asking (undefined: the founder's
 * dashboard): a test key sees a live affiliate without its email.
 */
export function affiliateJson(
  c: { env: Env; req: { url: string } },
  row: AffiliateRowWithToken,
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
    link: affiliateLink(origin, row.code),
    created_at: row.createdAt,
  }
}
