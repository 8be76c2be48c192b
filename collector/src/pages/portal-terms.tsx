/**
 * What an affiliate is told about their deal, on the portal: the terms in plain sentences (rate,
 * recurring, hold, cookie window, signup reward, promotions running now, minimum payout), their
 * promotion codes, and which link to use where. Built by `portalTerms()` from the program's
 * settings and the affiliate's override (pure, tested without a runtime), rendered by
 * `PortalTerms`. Only what concerns this affiliate is said: a promotion limited to other
 * affiliates is left out, and no other affiliate is named.
 */
import type { CommissionRule, CommissionStatus, Promotion } from '../shared'
import { formatMoney } from './format'

export interface TermsInput {
  currency: string
  commission: CommissionRule
  /** The affiliate's own rule, when the founder set one. */
  override: CommissionRule | null
  recurringMonths: number | null
  holdDays: number
  cookieDays: number
  attribution: 'last_click' | 'first_click'
  bonus: { amount: number; currency: string; within_hours: number } | null
  signupReward: { amount: number; currency: string; within_hours?: number } | null
  promotions: Promotion[]
  minPayout: Record<string, number>
  affiliateId: string
  now: number
}

export interface PortalTermsView {
  rate: string
  recurring: string
  hold: string
  cookie: string
  extras: string[]
  promotions: string[]
  minPayout: string | null
}

function ruleText(rule: CommissionRule): string {
  return rule.type === 'percent'
    ? `${rule.percent}% of each payment`
    : `${formatMoney(rule.amount, rule.currency)} per payment`
}

/** "1 Dec 2026": one date style for the whole portal (UTC, so the server and browser agree). */
export function portalDate(iso: string): string {
  return new Date(iso).toLocaleDateString('en-GB', {
    day: 'numeric',
    month: 'short',
    year: 'numeric',
    timeZone: 'UTC',
  })
}

export function portalTerms(t: TermsInput): PortalTermsView {
  const rule = t.override ?? t.commission
  const recurring =
    t.recurringMonths === null
      ? 'on every payment the customer makes, for as long as they pay'
      : t.recurringMonths === 0
        ? "on the customer's first payment only"
        : `on every payment in the customer's first ${t.recurringMonths} month${t.recurringMonths === 1 ? '' : 's'}`
  const extras: string[] = []
  if (t.bonus)
    extras.push(
      `A bonus of ${formatMoney(t.bonus.amount, t.bonus.currency)} when the payment comes within ${t.bonus.within_hours} hours of the click.`,
    )
  if (t.signupReward)
    extras.push(
      `${formatMoney(t.signupReward.amount, t.signupReward.currency)} for every signup you refer${
        t.signupReward.within_hours ? ` within ${t.signupReward.within_hours} hours of the click` : ''
      }.`,
    )
  const promotions = t.promotions
    .filter((p) => Date.parse(p.starts_at) <= t.now && t.now < Date.parse(p.ends_at))
    .filter((p) => !p.affiliates?.length || p.affiliates.includes(t.affiliateId))
    .map((p) => {
      const parts = [
        p.commission ? ruleText(p.commission) : null,
        p.bonus ? `${formatMoney(p.bonus.amount, p.bonus.currency)} extra per payment` : null,
      ].filter(Boolean)
      return `${p.name}: ${parts.join(' plus ') || 'special terms'}, until ${portalDate(p.ends_at)}.`
    })
  const min = Object.entries(t.minPayout).filter(([, v]) => v > 0)
  return {
    rate: `${ruleText(rule)}${t.override ? ' (your own rate)' : ''}`,
    recurring: `Paid ${recurring}.`,
    hold: `Each commission becomes payable ${t.holdDays} day${t.holdDays === 1 ? '' : 's'} after the payment; a refund in that time cancels it.`,
    cookie: `A visitor who clicks your link counts as yours for ${t.cookieDays} day${t.cookieDays === 1 ? '' : 's'}${
      t.attribution === 'first_click'
        ? ' (the first partner they clicked keeps them)'
        : ' (the last link they clicked wins)'
    }.`,
    extras,
    promotions,
    minPayout: min.length
      ? `Payouts start once you are owed at least ${min.map(([cur, v]) => formatMoney(v, cur)).join(' or ')}.`
      : null,
  }
}

/**
 * What the affiliate may read about a commission's status: never the rule that held it
 * (`self_referral`, `click_flood`, `paid_traffic`), a dispute, or anything naming a customer.
 */
export function commissionNote(status: CommissionStatus, reason: string | null): string | null {
  switch (status) {
    case 'on_hold':
      return 'on hold: under review'
    case 'reversed':
      return reason?.startsWith('refund') || reason === null
        ? 'reversed: the payment was refunded'
        : 'reversed'
    case 'rejected':
      return 'not approved'
    default:
      return null
  }
}

export interface PortalLink {
  label: string
  url: string
  /** One sentence: where this link is the one to use. */
  use: string
}

function Sentence({ text }: { text: string }) {
  return <li>{text}</li>
}

export function PortalTerms({ terms, promoCodes }: { terms: PortalTermsView; promoCodes: string[] }) {
  return (
    <section class="panel terms" aria-labelledby="terms-title">
      <h2 id="terms-title">Your terms</h2>
      <dl class="terms-list">
        <dt>Commission</dt>
        <dd>{terms.rate}</dd>
        <dt>Recurring</dt>
        <dd>{terms.recurring}</dd>
        <dt>Hold</dt>
        <dd>{terms.hold}</dd>
        <dt>Cookie window</dt>
        <dd>{terms.cookie}</dd>
        {terms.minPayout ? (
          <>
            <dt>Payouts</dt>
            <dd>{terms.minPayout}</dd>
          </>
        ) : null}
      </dl>
      {terms.extras.length ? (
        <ul class="terms-extras">
          {terms.extras.map((t) => (
            <Sentence text={t} />
          ))}
        </ul>
      ) : null}
      <h3>Promotions running now</h3>
      {terms.promotions.length ? (
        <ul id="promotions">
          {terms.promotions.map((t) => (
            <Sentence text={t} />
          ))}
        </ul>
      ) : (
        <p id="promotions" class="muted">
          No promotion is running right now.
        </p>
      )}
      <h3>Your promotion codes</h3>
      {promoCodes.length ? (
        <>
          <p class="muted">
            Give a code where a link cannot go (a podcast, a video, print): a checkout that uses it is
            credited to you.
          </p>
          <ul id="promo-codes" class="codes">
            {promoCodes.map((code) => (
              <li>
                <code>{code}</code>
              </li>
            ))}
          </ul>
        </>
      ) : (
        <p id="promo-codes" class="muted">
          You have no promotion code yet; ask the program for one if your audience shops with codes.
        </p>
      )}
    </section>
  )
}
