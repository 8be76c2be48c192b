/**
 * D1 schema (drizzle): the system of record for reporting, admin and payouts.
 * Migrations in ../../drizzle/migrations are generated from this file by drizzle-kit.
 * Every event table carries `mode` ('live' | 'test') so test data never reaches live totals.
 */
import { index, integer, primaryKey, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core'

export const programs = sqliteTable('programs', {
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
  createdAt: text('created_at').notNull(),
})

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
  },
  (t) => [uniqueIndex('api_keys_hash').on(t.hash), index('api_keys_program').on(t.programId)],
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
    status: text('status', { enum: ['active', 'disabled'] })
      .notNull()
      .default('active'),
    portalToken: text('portal_token').notNull(),
    mode: text('mode', { enum: ['live', 'test'] }).notNull(),
    createdAt: text('created_at').notNull(),
    updatedAt: text('updated_at').notNull(),
  },
  (t) => [
    uniqueIndex('affiliates_code').on(t.code),
    uniqueIndex('affiliates_portal_token').on(t.portalToken),
    index('affiliates_program').on(t.programId),
  ],
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
    createdAt: text('created_at').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.programId, t.clickId] }),
    index('clicks_affiliate').on(t.programId, t.affiliateId, t.createdAt),
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
    conversionId: text('conversion_id').notNull(),
    kind: text('kind', { enum: ['conversion', 'clawback'] }).notNull(),
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
    createdAt: text('created_at').notNull(),
    updatedAt: text('updated_at').notNull(),
  },
  (t) => [
    index('commissions_status').on(t.programId, t.mode, t.status, t.dueAt),
    index('commissions_affiliate').on(t.programId, t.affiliateId),
    index('commissions_conversion').on(t.conversionId),
  ],
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
    kind: text('kind', { enum: ['signup', 'conversion', 'refund'] }).notNull(),
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
  (t) => [primaryKey({ columns: [t.programId, t.mode, t.affiliateId, t.sub, t.hour, t.currency] })],
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
