/**
 * D1 schema (drizzle): the system of record for reporting, admin and payouts.
 * Migrations in ../../drizzle/migrations are generated from this file by drizzle-kit.
 * Every event table carries `mode` ('live' | 'test') so test data never reaches live totals.
 */
import { index, integer, primaryKey, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core'

export const programs = sqliteTable(
  'programs',
  {
    id: text('id').primaryKey(),
    name: text('name').notNull(),
    currency: text('currency').notNull(),
    cookieDays: integer('cookie_days').notNull(),
    attribution: text('attribution', { enum: ['last_click', 'first_click'] }).notNull(),
    /** CommissionRule as JSON. */
    commission: text('commission').notNull(),
    recurringMonths: integer('recurring_months'),
    holdDays: integer('hold_days').notNull(),
    bonus: text('bonus'),
    landingUrl: text('landing_url'),
    allowedOrigins: text('allowed_origins').notNull().default('[]'),
    /** Smallest payout per currency, `{<CUR>: minor units}` as JSON; `{}` = no minimum. */
    minPayout: text('min_payout').notNull().default('{}'),
    /** Lower-case `[a-z0-9-]`, unique: the address of the join page, `/join/<slug>`; null = none yet. */
    slug: text('slug'),
    /** The public join page is open (`join.enabled`). */
    joinEnabled: integer('join_enabled', { mode: 'boolean' }).notNull().default(false),
    /** Applications from the join page start `active` instead of `pending`. */
    joinAutoApprove: integer('join_auto_approve', { mode: 'boolean' }).notNull().default(false),
    joinTermsUrl: text('join_terms_url'),
    /** `forbidden`: commissions of clicks from paid ads (gclid, fbclid, msclkid, ttclid) start on hold. */
    paidTraffic: text('paid_traffic', { enum: ['allowed', 'forbidden'] })
      .notNull()
      .default('allowed'),
    /** Fraud thresholds as JSON (FraudSettings); `{}` = the defaults. */
    fraud: text('fraud').notNull().default('{}'),
    /** `{amount, currency, within_hours?}` as JSON: a flat reward per attributed signup; null = none. */
    signupReward: text('signup_reward'),
    /** `[{name, starts_at, ends_at, affiliates?, commission?, bonus?}]` as JSON. */
    promotions: text('promotions').notNull().default('[]'),
    /** Raw clicks older than this many days are deleted (rollups are kept); null = kept. */
    clickRetentionDays: integer('click_retention_days'),
    /**
     * The one-time token of the dashboard form that created the program (null when the API did):
     * the same form posted again, as a reload does, finds the program instead of making another.
     */
    formToken: text('form_token'),
    createdAt: text('created_at').notNull(),
  },
  (t) => [uniqueIndex('programs_slug').on(t.slug), uniqueIndex('programs_form_token').on(t.formToken)],
)

export const apiKeys = sqliteTable(
  'api_keys',
  {
    id: text('id').primaryKey(),
    programId: text('program_id').notNull(),
    kind: text('kind', { enum: ['publishable', 'secret'] }).notNull(),
    mode: text('mode', { enum: ['live', 'test'] }).notNull(),
    /** sha256 of the key; the key itself is shown once and never stored. */
    hash: text('hash').notNull(),
    prefix: text('prefix').notNull(),
    createdAt: text('created_at').notNull(),
    revokedAt: text('revoked_at'),
    /**
     * The one-time token of the dashboard's New keys form that issued the key (null otherwise),
     * the same on the four keys of one roll: the same form posted again, as a reload does, finds
     * the keys it issued instead of revoking them.
     */
    formToken: text('form_token'),
  },
  (t) => [
    uniqueIndex('api_keys_hash').on(t.hash),
    index('api_keys_program').on(t.programId),
    // One key of each kind and mode per form: a second roll with the same token cannot be stored.
    uniqueIndex('api_keys_form_token').on(t.formToken, t.kind, t.mode),
  ],
)

export const affiliates = sqliteTable(
  'affiliates',
  {
    id: text('id').primaryKey(),
    programId: text('program_id').notNull(),
    /** Unique across the deployment so `/go/:code` needs no program in the path. */
    code: text('code').notNull(),
    name: text('name').notNull(),
    email: text('email').notNull(),
    emailHash: text('email_hash').notNull(),
    commission: text('commission'),
    /**
     * The affiliate's own signup reward, JSON `{amount, currency, within_hours?}`, replacing the
     * program's; amount 0 pays this affiliate none. Null: the program's reward applies.
     */
    signupReward: text('signup_reward'),
    /** `pending` and `rejected`: applications from the join page, which earn nothing. */
    status: text('status', { enum: ['pending', 'active', 'rejected', 'disabled'] })
      .notNull()
      .default('active'),
    /** From the join page: the applicant's website and how they promote (shown to the founder only). */
    website: text('website'),
    promotion: text('promotion'),
    /**
     * Legacy plaintext portal token of affiliates created before tokens were hashed; the collector
     * hashes it on first use (and in the hourly maintenance) and clears it. Null for every new row.
     */
    portalToken: text('portal_token'),
    /** sha256 of the portal token, like API keys: the link is shown once and can be rotated. */
    portalTokenHash: text('portal_token_hash'),
    mode: text('mode', { enum: ['live', 'test'] }).notNull(),
    createdAt: text('created_at').notNull(),
    updatedAt: text('updated_at').notNull(),
  },
  (t) => [
    uniqueIndex('affiliates_code').on(t.code),
    uniqueIndex('affiliates_portal_token').on(t.portalToken),
    uniqueIndex('affiliates_portal_token_hash').on(t.portalTokenHash),
    index('affiliates_program').on(t.programId),
  ],
)

/**
 * Dashboard sessions, so signing out ends a session on the server: the cookie carries a signed
 * random id and only its sha256 is stored here. A row is deleted on sign-out; expired rows are
 * swept when someone signs in.
 */
export const sessions = sqliteTable(
  'sessions',
  {
    idHash: text('id_hash').primaryKey(),
    createdAt: text('created_at').notNull(),
    expiresAt: text('expires_at').notNull(),
  },
  (t) => [index('sessions_expires').on(t.expiresAt)],
)

export const clicks = sqliteTable(
  'clicks',
  {
    programId: text('program_id').notNull(),
    clickId: text('click_id').notNull(),
    mode: text('mode', { enum: ['live', 'test'] }).notNull(),
    affiliateId: text('affiliate_id'),
    ref: text('ref').notNull(),
    sub: text('sub'),
    url: text('url'),
    referrer: text('referrer'),
    ipHash: text('ip_hash').notNull(),
    isUnique: integer('is_unique').notNull(),
    firstClickId: text('first_click_id'),
    source: text('source', { enum: ['script', 'link'] }).notNull(),
    /** The visitor's country (ISO 3166-1 alpha-2) as Cloudflare saw it (`request.cf.country`); null when unknown. */
    country: text('country'),
    /** Fraud flags of the click, comma-separated (`click_flood`, `paid_traffic`); null when none. */
    flag: text('flag'),
    createdAt: text('created_at').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.programId, t.clickId] }),
    index('clicks_affiliate').on(t.programId, t.affiliateId, t.createdAt),
    index('clicks_created').on(t.programId, t.createdAt),
  ],
)

export const customers = sqliteTable(
  'customers',
  {
    programId: text('program_id').notNull(),
    mode: text('mode', { enum: ['live', 'test'] }).notNull(),
    customerId: text('customer_id').notNull(),
    affiliateId: text('affiliate_id'),
    clickId: text('click_id'),
    sub: text('sub'),
    emailHash: text('email_hash'),
    signedUpAt: text('signed_up_at'),
    firstConversionAt: text('first_conversion_at'),
    createdAt: text('created_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.programId, t.mode, t.customerId] })],
)

export const signups = sqliteTable(
  'signups',
  {
    id: text('id').primaryKey(),
    programId: text('program_id').notNull(),
    mode: text('mode', { enum: ['live', 'test'] }).notNull(),
    eventId: text('event_id').notNull(),
    customerId: text('customer_id').notNull(),
    affiliateId: text('affiliate_id'),
    clickId: text('click_id'),
    sub: text('sub'),
    occurredAt: text('occurred_at').notNull(),
    createdAt: text('created_at').notNull(),
  },
  (t) => [uniqueIndex('signups_event').on(t.programId, t.mode, t.eventId)],
)

export const conversions = sqliteTable(
  'conversions',
  {
    id: text('id').primaryKey(),
    programId: text('program_id').notNull(),
    mode: text('mode', { enum: ['live', 'test'] }).notNull(),
    eventId: text('event_id').notNull(),
    customerId: text('customer_id'),
    affiliateId: text('affiliate_id'),
    clickId: text('click_id'),
    sub: text('sub'),
    amount: integer('amount').notNull(),
    currency: text('currency').notNull(),
    refundedAmount: integer('refunded_amount').notNull().default(0),
    metadata: text('metadata'),
    occurredAt: text('occurred_at').notNull(),
    createdAt: text('created_at').notNull(),
  },
  (t) => [
    uniqueIndex('conversions_event').on(t.programId, t.mode, t.eventId),
    index('conversions_customer').on(t.programId, t.mode, t.customerId),
  ],
)

export const commissions = sqliteTable(
  'commissions',
  {
    id: text('id').primaryKey(),
    programId: text('program_id').notNull(),
    mode: text('mode', { enum: ['live', 'test'] }).notNull(),
    affiliateId: text('affiliate_id').notNull(),
    /** The conversion it was earned on; for kind `signup`, the signup's id. */
    conversionId: text('conversion_id').notNull(),
    kind: text('kind', { enum: ['conversion', 'clawback', 'signup'] }).notNull(),
    /** Current amount (0 once reversed). */
    amount: integer('amount').notNull(),
    originalAmount: integer('original_amount').notNull(),
    bonus: integer('bonus').notNull().default(0),
    /** Sum of clawback commissions raised against this one after it was paid (≤ 0). */
    clawedBack: integer('clawed_back').notNull().default(0),
    currency: text('currency').notNull(),
    status: text('status', {
      enum: ['pending', 'approved', 'on_hold', 'paid', 'reversed', 'rejected'],
    }).notNull(),
    reason: text('reason'),
    dueAt: text('due_at').notNull(),
    payoutId: text('payout_id'),
    /** Which rule produced it (`CommissionRuleSource` as JSON); null on commissions made before it was recorded. */
    rule: text('rule'),
    createdAt: text('created_at').notNull(),
    updatedAt: text('updated_at').notNull(),
  },
  (t) => [
    index('commissions_status').on(t.programId, t.mode, t.status, t.dueAt),
    index('commissions_affiliate').on(t.programId, t.affiliateId),
    index('commissions_conversion').on(t.conversionId),
    index('commissions_payout').on(t.payoutId),
  ],
)

/**
 * A commission's status history: one row per change, written in the same hub batch as the
 * change itself, so the history never disagrees with the commission.
 */
export const commissionEvents = sqliteTable(
  'commission_events',
  {
    id: text('id').primaryKey(),
    programId: text('program_id').notNull(),
    mode: text('mode', { enum: ['live', 'test'] }).notNull(),
    commissionId: text('commission_id').notNull(),
    type: text('type', {
      enum: [
        'created',
        'approved',
        'rejected',
        'on_hold',
        'reversed',
        'reduced',
        'restored',
        'clawback',
        'paid',
      ],
    }).notNull(),
    /** The status after the change. */
    status: text('status', {
      enum: ['pending', 'approved', 'on_hold', 'paid', 'reversed', 'rejected'],
    }).notNull(),
    /** The commission's amount after the change. */
    amount: integer('amount').notNull(),
    reason: text('reason'),
    /** Who or what changed it: `founder`, `hold_end`, `refund`, `payout`, `dispute`, `event`. */
    actor: text('actor').notNull(),
    /** The refund, payout or clawback commission behind the change. */
    refId: text('ref_id'),
    /** Orders changes made in one batch (same `at`). */
    seq: integer('seq').notNull().default(0),
    at: text('at').notNull(),
  },
  (t) => [index('commission_events_commission').on(t.commissionId, t.at, t.seq)],
)

export const refunds = sqliteTable(
  'refunds',
  {
    id: text('id').primaryKey(),
    programId: text('program_id').notNull(),
    mode: text('mode', { enum: ['live', 'test'] }).notNull(),
    eventId: text('event_id').notNull(),
    conversionId: text('conversion_id').notNull(),
    amount: integer('amount').notNull(),
    commissionDelta: integer('commission_delta').notNull(),
    createdAt: text('created_at').notNull(),
  },
  (t) => [uniqueIndex('refunds_event').on(t.programId, t.mode, t.eventId)],
)

/** Idempotency records: the first answer to every server event, replayed on a repeat. */
export const events = sqliteTable(
  'events',
  {
    programId: text('program_id').notNull(),
    mode: text('mode', { enum: ['live', 'test'] }).notNull(),
    /** Money events, and `commission` for a hand-made status change (its id is generated). */
    kind: text('kind', {
      enum: ['signup', 'conversion', 'refund', 'commission', 'dispute', 'alert'],
    }).notNull(),
    eventId: text('event_id').notNull(),
    bodyHash: text('body_hash').notNull(),
    status: integer('status').notNull(),
    response: text('response').notNull(),
    createdAt: text('created_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.programId, t.mode, t.kind, t.eventId] })],
)

/**
 * Hourly rollups per program × mode × affiliate × sub × hour × currency. Counts live in the
 * row with currency '' and money in the row of its currency, so stats never scan raw events.
 * '' stands for "no affiliate" / "no sub" because NULLs would defeat the primary key.
 */
export const rollups = sqliteTable(
  'rollups',
  {
    programId: text('program_id').notNull(),
    mode: text('mode', { enum: ['live', 'test'] }).notNull(),
    affiliateId: text('affiliate_id').notNull(),
    sub: text('sub').notNull(),
    /** UTC hour, 'YYYY-MM-DDTHH'. */
    hour: text('hour').notNull(),
    currency: text('currency').notNull(),
    clicks: integer('clicks').notNull().default(0),
    uniqueClicks: integer('unique_clicks').notNull().default(0),
    botClicks: integer('bot_clicks').notNull().default(0),
    signups: integer('signups').notNull().default(0),
    conversions: integer('conversions').notNull().default(0),
    refunds: integer('refunds').notNull().default(0),
    revenue: integer('revenue').notNull().default(0),
    commission: integer('commission').notNull().default(0),
  },
  (t) => [
    primaryKey({ columns: [t.programId, t.mode, t.affiliateId, t.sub, t.hour, t.currency] }),
    // The edges of a range (hours before the first whole day) across every affiliate.
    index('rollups_by_hour').on(t.programId, t.mode, t.hour),
    // Each affiliate's last active hour in a range: one seek per affiliate, whatever its subs.
    index('rollups_by_affiliate_hour').on(t.programId, t.mode, t.affiliateId, t.hour),
    // A sub-id's hours across every affiliate (`?sub=` without `affiliate`); with an affiliate
    // too, the primary key serves.
    index('rollups_by_sub_hour').on(t.programId, t.mode, t.sub, t.hour),
  ],
)

/** The sums every rollup grain carries, in the same columns as `rollups`. */
function rollupSums() {
  return {
    clicks: integer('clicks').notNull().default(0),
    uniqueClicks: integer('unique_clicks').notNull().default(0),
    botClicks: integer('bot_clicks').notNull().default(0),
    signups: integer('signups').notNull().default(0),
    conversions: integer('conversions').notNull().default(0),
    refunds: integer('refunds').notNull().default(0),
    revenue: integer('revenue').notNull().default(0),
    commission: integer('commission').notNull().default(0),
  }
}

/**
 * Coarser grains of `rollups`, kept equal to it by SQLite triggers (migration
 * 0009_rollup_grain_triggers) in the very statement that writes the hourly row, so they are
 * exactly-once with it and no writer can forget them. Stats read the coarsest grain that fits
 * a range and `rollups` only for its edges (see docs/architecture.md, "Reporting at scale").
 * Day and month are UTC: `rollups` still answers the hours at the edges of a time zone's day.
 */
export const rollupDays = sqliteTable(
  'rollup_days',
  {
    programId: text('program_id').notNull(),
    mode: text('mode', { enum: ['live', 'test'] }).notNull(),
    /** UTC day, 'YYYY-MM-DD'. */
    day: text('day').notNull(),
    affiliateId: text('affiliate_id').notNull(),
    sub: text('sub').notNull(),
    currency: text('currency').notNull(),
    ...rollupSums(),
  },
  (t) => [
    primaryKey({ columns: [t.programId, t.mode, t.day, t.affiliateId, t.sub, t.currency] }),
    // A sub-id filter's days (the key starts with the day, so a range of it held every affiliate
    // and sub-id: a year with `?sub=` read 563,000 rows); with an affiliate too, its own.
    index('rollup_days_by_sub').on(t.programId, t.mode, t.sub, t.day),
    index('rollup_days_by_affiliate_sub').on(t.programId, t.mode, t.affiliateId, t.sub, t.day),
  ],
)

export const rollupMonths = sqliteTable(
  'rollup_months',
  {
    programId: text('program_id').notNull(),
    mode: text('mode', { enum: ['live', 'test'] }).notNull(),
    /** UTC month, 'YYYY-MM'. */
    month: text('month').notNull(),
    affiliateId: text('affiliate_id').notNull(),
    sub: text('sub').notNull(),
    currency: text('currency').notNull(),
    ...rollupSums(),
  },
  (t) => [
    primaryKey({ columns: [t.programId, t.mode, t.month, t.affiliateId, t.sub, t.currency] }),
    index('rollup_months_by_sub').on(t.programId, t.mode, t.sub, t.month),
    index('rollup_months_by_affiliate_sub').on(t.programId, t.mode, t.affiliateId, t.sub, t.month),
  ],
)

/** The whole program's hourly totals (every affiliate and sub): the unfiltered series in any time zone. */
export const rollupProgramHours = sqliteTable(
  'rollup_program_hours',
  {
    programId: text('program_id').notNull(),
    mode: text('mode', { enum: ['live', 'test'] }).notNull(),
    /** UTC hour, 'YYYY-MM-DDTHH'. */
    hour: text('hour').notNull(),
    currency: text('currency').notNull(),
    ...rollupSums(),
  },
  (t) => [primaryKey({ columns: [t.programId, t.mode, t.hour, t.currency] })],
)

/**
 * The same grains without the sub-id, for the views that do not filter by it (the API's default
 * answer, the dashboard, the portal): a year's per-affiliate table reads about 5,000 month rows
 * instead of 20,000, and its day series 730 program-day rows instead of 17,520 program hours.
 * Kept equal to `rollups` by the triggers of migration 0015, and stored WITHOUT ROWID there
 * (clustered by the key), so a range is one sequential read.
 */
export const rollupAffiliateDays = sqliteTable(
  'rollup_affiliate_days',
  {
    programId: text('program_id').notNull(),
    mode: text('mode', { enum: ['live', 'test'] }).notNull(),
    /** UTC day, 'YYYY-MM-DD'. */
    day: text('day').notNull(),
    affiliateId: text('affiliate_id').notNull(),
    currency: text('currency').notNull(),
    /** How many hourly rows this row sums: a range read as a coarser row less others still knows
     * whether any hourly row of a currency lies in it (lib/stats-query.ts). */
    hourRows: integer('hour_rows').notNull().default(0),
    ...rollupSums(),
  },
  (t) => [
    primaryKey({ columns: [t.programId, t.mode, t.day, t.affiliateId, t.currency] }),
    // One affiliate's days (the portal, the affiliate page, `?affiliate=`) without the others'.
    index('rollup_affiliate_days_by_affiliate').on(t.programId, t.mode, t.affiliateId, t.day),
  ],
)

export const rollupAffiliateMonths = sqliteTable(
  'rollup_affiliate_months',
  {
    programId: text('program_id').notNull(),
    mode: text('mode', { enum: ['live', 'test'] }).notNull(),
    /** UTC month, 'YYYY-MM'. */
    month: text('month').notNull(),
    affiliateId: text('affiliate_id').notNull(),
    currency: text('currency').notNull(),
    /** How many hourly rows this row sums: a range read as a coarser row less others still knows
     * whether any hourly row of a currency lies in it (lib/stats-query.ts). */
    hourRows: integer('hour_rows').notNull().default(0),
    ...rollupSums(),
  },
  (t) => [
    primaryKey({ columns: [t.programId, t.mode, t.month, t.affiliateId, t.currency] }),
    index('rollup_affiliate_months_by_affiliate').on(t.programId, t.mode, t.affiliateId, t.month),
  ],
)

/** The whole program's daily totals (UTC days): the unfiltered day series in UTC. */
export const rollupProgramDays = sqliteTable(
  'rollup_program_days',
  {
    programId: text('program_id').notNull(),
    mode: text('mode', { enum: ['live', 'test'] }).notNull(),
    /** UTC day, 'YYYY-MM-DD'. */
    day: text('day').notNull(),
    currency: text('currency').notNull(),
    ...rollupSums(),
  },
  (t) => [primaryKey({ columns: [t.programId, t.mode, t.day, t.currency] })],
)

/** Applied click batches, so a retried flush from the hub never counts a click twice. */
export const clickBatches = sqliteTable(
  'click_batches',
  {
    programId: text('program_id').notNull(),
    batchId: text('batch_id').notNull(),
    rows: integer('rows').notNull(),
    createdAt: text('created_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.programId, t.batchId] })],
)

/** Daily salts for IP hashing; deleted after 48 hours by the cron trigger. */
export const salts = sqliteTable('salts', {
  day: text('day').primaryKey(),
  salt: text('salt').notNull(),
  createdAt: text('created_at').notNull(),
})

// --- Stripe, with no code (collector/src/stripe/) ------------------------------------------

/**
 * A program's Stripe webhook endpoint: the signing secrets (never returned or logged) and the
 * outcome of the last delivery, for the settings page.
 */
export const stripeIntegrations = sqliteTable('stripe_integrations', {
  programId: text('program_id').primaryKey(),
  webhookSecret: text('webhook_secret').notNull(),
  testWebhookSecret: text('test_webhook_secret'),
  connectedAt: text('connected_at').notNull(),
  updatedAt: text('updated_at').notNull(),
  /** The last verified event that was processed. */
  lastEventAt: text('last_event_at'),
  /** The last delivery, verified or not, and its error message when it was refused. */
  lastDeliveryAt: text('last_delivery_at'),
  lastDeliveryError: text('last_delivery_error'),
  /**
   * Restricted read-only API keys (`rk_live_…`, `rk_test_…`) for reconciliation against Stripe
   * (collector/src/reconciliation/); never returned or logged, only their last four characters shown.
   */
  restrictedKey: text('restricted_key'),
  testRestrictedKey: text('test_restricted_key'),
})

/** Stripe events already processed, with the answer given, so a redelivery changes nothing. */
export const stripeEvents = sqliteTable(
  'stripe_events',
  {
    programId: text('program_id').notNull(),
    mode: text('mode', { enum: ['live', 'test'] }).notNull(),
    eventId: text('event_id').notNull(),
    type: text('type').notNull(),
    response: text('response').notNull(),
    createdAt: text('created_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.programId, t.mode, t.eventId] })],
)

/** Which payment intent paid which invoice (`invoice_payment.paid`), so refunds find their conversion. */
export const stripeInvoicePayments = sqliteTable(
  'stripe_invoice_payments',
  {
    programId: text('program_id').notNull(),
    mode: text('mode', { enum: ['live', 'test'] }).notNull(),
    paymentIntentId: text('payment_intent_id').notNull(),
    invoiceId: text('invoice_id').notNull(),
    createdAt: text('created_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.programId, t.mode, t.paymentIntentId] })],
)

/**
 * One row per cumulative `amount_refunded` seen on a charge: its amount is the growth since the
 * highest one before it, decided by one INSERT … SELECT so concurrent deliveries cannot both count it.
 */
export const stripeRefundSteps = sqliteTable(
  'stripe_refund_steps',
  {
    programId: text('program_id').notNull(),
    mode: text('mode', { enum: ['live', 'test'] }).notNull(),
    chargeId: text('charge_id').notNull(),
    cumulative: integer('cumulative').notNull(),
    amount: integer('amount').notNull(),
    conversionEventId: text('conversion_event_id').notNull(),
    createdAt: text('created_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.programId, t.mode, t.chargeId, t.cumulative] })],
)

/** Disputes and the commission status each one interrupted, to restore it when the dispute is won. */
export const stripeDisputes = sqliteTable(
  'stripe_disputes',
  {
    programId: text('program_id').notNull(),
    mode: text('mode', { enum: ['live', 'test'] }).notNull(),
    disputeId: text('dispute_id').notNull(),
    commissionId: text('commission_id').notNull(),
    previousStatus: text('previous_status').notNull(),
    previousReason: text('previous_reason'),
    status: text('status', { enum: ['open', 'won', 'lost'] }).notNull(),
    createdAt: text('created_at').notNull(),
    updatedAt: text('updated_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.programId, t.mode, t.disputeId] })],
)

/**
 * A first subscription invoice paid before its checkout session arrived: held for a few minutes
 * so the session (which carries the click) attributes it, then recorded as it is.
 */
export const stripeDeferredInvoices = sqliteTable(
  'stripe_deferred_invoices',
  {
    programId: text('program_id').notNull(),
    mode: text('mode', { enum: ['live', 'test'] }).notNull(),
    invoiceId: text('invoice_id').notNull(),
    /** The conversion to record, as JSON. */
    conversion: text('conversion').notNull(),
    dueAt: text('due_at').notNull(),
    createdAt: text('created_at').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.programId, t.mode, t.invoiceId] }),
    index('stripe_deferred_due').on(t.dueAt),
  ],
)

/** Ended subscriptions (`customer.subscription.deleted`): the customer's churn, for journeys and stats. */
export const churns = sqliteTable(
  'churns',
  {
    programId: text('program_id').notNull(),
    mode: text('mode', { enum: ['live', 'test'] }).notNull(),
    customerId: text('customer_id').notNull(),
    subscriptionId: text('subscription_id').notNull(),
    churnedAt: text('churned_at').notNull(),
    createdAt: text('created_at').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.programId, t.mode, t.subscriptionId] }),
    index('churns_customer').on(t.programId, t.mode, t.customerId),
  ],
)

/**
 * Affiliates' promotion codes, unique per program and matched case-insensitively (as Stripe does):
 * `code` is stored lower-cased. The Stripe ids are learned from `promotion_code.*` events, one per mode.
 */
export const promoCodes = sqliteTable(
  'promo_codes',
  {
    programId: text('program_id').notNull(),
    code: text('code').notNull(),
    /** As the founder wrote it, for display. */
    display: text('display').notNull(),
    affiliateId: text('affiliate_id').notNull(),
    stripeId: text('stripe_id'),
    testStripeId: text('test_stripe_id'),
    createdAt: text('created_at').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.programId, t.code] }),
    index('promo_codes_affiliate').on(t.affiliateId),
    index('promo_codes_stripe').on(t.programId, t.stripeId),
    index('promo_codes_test_stripe').on(t.programId, t.testStripeId),
  ],
)

/**
 * Outgoing webhook endpoints, one program and mode each (a test endpoint gets test events only).
 * `secret` is the `whsec_…` signing key kept as is: the dispatcher needs it to sign, and it is shown
 * only in the answer that creates the endpoint (see docs/webhooks.md for why it is not encrypted).
 */
export const webhookEndpoints = sqliteTable(
  'webhook_endpoints',
  {
    id: text('id').primaryKey(),
    programId: text('program_id').notNull(),
    mode: text('mode', { enum: ['live', 'test'] }).notNull(),
    url: text('url').notNull(),
    /** JSON array of event types; `[]` = every type. */
    events: text('events').notNull().default('[]'),
    secret: text('secret').notNull(),
    status: text('status', { enum: ['enabled', 'disabled'] })
      .notNull()
      .default('enabled'),
    /** Why it was disabled, e.g. `gone` when it answered 410. */
    disabledReason: text('disabled_reason'),
    createdAt: text('created_at').notNull(),
    updatedAt: text('updated_at').notNull(),
  },
  (t) => [index('webhook_endpoints_program').on(t.programId, t.mode)],
)

/**
 * The durable outbox and delivery log of outgoing webhooks: one row per event × endpoint, inserted
 * in the same D1 batch as the event that causes it. `payload` is fixed at insert so the body is
 * byte-identical on every attempt. Times the dispatcher compares are ms since the epoch.
 */
export const webhookDeliveries = sqliteTable(
  'webhook_deliveries',
  {
    id: text('id').primaryKey(),
    endpointId: text('endpoint_id').notNull(),
    programId: text('program_id').notNull(),
    mode: text('mode', { enum: ['live', 'test'] }).notNull(),
    /** The body's `id` and the `webhook-id` header, the same on every retry. */
    eventId: text('event_id').notNull(),
    type: text('type').notNull(),
    payload: text('payload').notNull(),
    status: text('status', { enum: ['pending', 'delivered', 'failed'] })
      .notNull()
      .default('pending'),
    attempts: integer('attempts').notNull().default(0),
    lastStatusCode: integer('last_status_code'),
    lastError: text('last_error'),
    /** When the retry window started (first send, or the last resend), ms. */
    windowStartedAt: integer('window_started_at'),
    nextAttemptAt: integer('next_attempt_at'),
    lastAttemptAt: integer('last_attempt_at'),
    deliveredAt: integer('delivered_at'),
    createdAt: text('created_at').notNull(),
  },
  (t) => [
    uniqueIndex('webhook_deliveries_event').on(t.endpointId, t.eventId),
    index('webhook_deliveries_due').on(t.programId, t.status, t.nextAttemptAt),
    index('webhook_deliveries_endpoint').on(t.endpointId, t.createdAt),
    // The hourly cron: programs with due deliveries, and finished deliveries past retention,
    // found by range scans instead of reading the whole log.
    index('webhook_deliveries_pending').on(t.status, t.nextAttemptAt),
    index('webhook_deliveries_finished').on(t.status, t.createdAt),
  ],
)

// --- Payouts (collector/src/payouts/) -------------------------------------------------------

/**
 * A payout: the approved commissions (netted with unpaid clawbacks) gathered per affiliate and
 * currency up to `period_end`, decided by the hub. Its commissions carry `payout_id` and are
 * locked while it is `pending`; marking it paid marks them `paid`.
 */
export const payouts = sqliteTable(
  'payouts',
  {
    id: text('id').primaryKey(),
    programId: text('program_id').notNull(),
    mode: text('mode', { enum: ['live', 'test'] }).notNull(),
    status: text('status', { enum: ['pending', 'paid'] }).notNull(),
    periodEnd: text('period_end').notNull(),
    createdAt: text('created_at').notNull(),
    paidAt: text('paid_at'),
  },
  (t) => [index('payouts_program').on(t.programId, t.mode, t.createdAt)],
)

/** One line of a payout: what one affiliate is paid in one currency, fixed when the payout is made. */
export const payoutItems = sqliteTable(
  'payout_items',
  {
    payoutId: text('payout_id').notNull(),
    affiliateId: text('affiliate_id').notNull(),
    currency: text('currency').notNull(),
    amount: integer('amount').notNull(),
    /** How many commissions (clawbacks included) the amount nets. */
    commissionCount: integer('commission_count').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.payoutId, t.affiliateId, t.currency] }),
    index('payout_items_affiliate').on(t.affiliateId),
  ],
)

/**
 * Alerts for the founder (fraud rules, tracking health, failing deliveries). Written in the
 * hub's batch when the hub raises them; `dedupe_key` makes a rule that keeps firing (a click
 * flood, a failing endpoint) one alert per key. Never shown to affiliates.
 */
export const alerts = sqliteTable(
  'alerts',
  {
    id: text('id').primaryKey(),
    programId: text('program_id').notNull(),
    mode: text('mode', { enum: ['live', 'test'] }).notNull(),
    type: text('type').notNull(),
    severity: text('severity', { enum: ['info', 'warning', 'critical'] }).notNull(),
    affiliateId: text('affiliate_id'),
    message: text('message').notNull(),
    /** Details as JSON (the rule's figures, the commission or endpoint concerned). */
    data: text('data').notNull().default('{}'),
    dedupeKey: text('dedupe_key'),
    createdAt: text('created_at').notNull(),
  },
  (t) => [
    index('alerts_program').on(t.programId, t.mode, t.createdAt),
    uniqueIndex('alerts_dedupe').on(t.programId, t.mode, t.dedupeKey),
  ],
)
