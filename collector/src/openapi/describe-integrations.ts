/**
 * The document's entries for the live channel, outgoing webhooks, Stripe (reconciliation
 * included) and the document itself. Request bodies are the routes' own validators.
 */
import { z } from 'zod'
import { liveTokenInput } from '../lib/schemas'
import { stripeIntegrationInput } from '../stripe/routes'
import { endpointInput, endpointPatch } from '../webhooks/routes'
import { describeRoute } from './registry'
import * as r from './responses'

const q = (description: string) => z.string().optional().describe(description)
const endpoint = z.object({ endpoint: r.webhookEndpoint })

const affiliateRef = z.object({ id: z.string(), code: z.string() })
const journey = z.string().describe('The customer’s journey: /v1/customers/<id>/journey')
const reconciliation = z.object({
  reconciliation: z.object({
    from: z.string(),
    to: z.string(),
    paid_without_conversion: z.array(
      z.object({
        customer_id: z.string(),
        affiliate: affiliateRef,
        invoice_id: z.string(),
        amount: z.number().int(),
        currency: z.string(),
        paid_at: z.string(),
        journey,
      }),
    ),
    conversions_without_payment: z.array(
      z.object({
        customer_id: z.string().nullable(),
        affiliate: affiliateRef.nullable(),
        conversion_id: z.string(),
        invoice_id: z.string(),
        amount: z.number().int(),
        currency: z.string(),
        occurred_at: z.string(),
        stripe_status: z.string().nullable().describe('null: Stripe has no such invoice in this mode'),
        journey: journey.nullable(),
      }),
    ),
    refunds_after_payout: z.array(
      z.object({
        customer_id: z.string().nullable(),
        affiliate: affiliateRef.nullable(),
        refund_id: z.string(),
        refund_event_id: z.string(),
        amount: z.number().int(),
        currency: z.string(),
        refunded_at: z.string(),
        conversion_event_id: z.string(),
        stripe: z.object({
          charge_id: z.string().nullable(),
          invoice_id: z.string().nullable(),
          payment_intent_id: z.string().nullable(),
        }),
        clawback: z.object({ amount: z.number().int(), currency: z.string() }),
        commission: z
          .object({ id: z.string(), status: z.string(), payout_id: z.string().nullable() })
          .nullable(),
        journey: journey.nullable(),
      }),
    ),
    checked: z.object({ invoices: z.number().int(), conversions: z.number().int() }),
    truncated: z.boolean(),
  }),
})

describeRoute(
  {
    method: 'get',
    path: '/v1/openapi.json',
    tag: 'meta',
    auth: 'none',
    summary: 'This document: the OpenAPI 3.1 description of v1, generated from the validators',
    responses: { 200: { description: 'The OpenAPI document', schema: r.anyObject } },
  },
  {
    method: 'post',
    path: '/v1/live/tokens',
    tag: 'live',
    auth: 'secret',
    summary: 'A short-lived token (10 minutes) for GET /v1/live',
    body: liveTokenInput,
    bodyOptional: true,
    responses: { 201: { description: 'The token and the socket URL', schema: r.liveToken } },
  },
  {
    method: 'get',
    path: '/v1/live',
    tag: 'live',
    auth: 'live_channel',
    summary: 'The live channel (WebSocket)',
    description:
      'Upgrade with `Upgrade: websocket`. The first message is `{"type":"snapshot","totals":…}`, then one message per event. An `Origin` other than the collector’s own is refused (403). Without an upgrade the answer is 400.',
    query: z.object({
      token: q('An affiliate portal token or a live token'),
      program: q('With the session cookie: the program id'),
      mode: q('With the session cookie: live (default) or test'),
    }),
    responses: { 101: { description: 'Switching to the WebSocket protocol' } },
    errors: [400, 404],
  },
  {
    method: 'post',
    path: '/v1/webhook-endpoints',
    tag: 'webhooks',
    auth: 'secret',
    summary: 'Add an endpoint for outgoing webhooks (its whsec_ secret is shown once)',
    body: endpointInput,
    responses: { 201: { description: 'The endpoint with its secret', schema: endpoint } },
  },
  {
    method: 'get',
    path: '/v1/webhook-endpoints',
    tag: 'webhooks',
    auth: 'secret',
    summary: "The key's mode's endpoints",
    responses: {
      200: { description: 'The endpoints', schema: z.object({ endpoints: z.array(r.webhookEndpoint) }) },
    },
  },
  {
    method: 'get',
    path: '/v1/webhook-endpoints/:id',
    tag: 'webhooks',
    auth: 'secret',
    summary: 'One endpoint',
    params: { id: 'The endpoint id' },
    responses: { 200: { description: 'The endpoint', schema: endpoint } },
    errors: [404],
  },
  {
    method: 'patch',
    path: '/v1/webhook-endpoints/:id',
    tag: 'webhooks',
    auth: 'secret',
    summary: 'Change an endpoint: url, events, enabled',
    params: { id: 'The endpoint id' },
    body: endpointPatch,
    responses: { 200: { description: 'The changed endpoint', schema: endpoint } },
    errors: [404],
  },
  {
    method: 'delete',
    path: '/v1/webhook-endpoints/:id',
    tag: 'webhooks',
    auth: 'secret',
    summary: 'Delete an endpoint',
    params: { id: 'The endpoint id' },
    responses: {
      200: { description: 'Deleted', schema: z.object({ deleted: z.literal(true), id: z.string() }) },
    },
    errors: [404],
  },
  {
    method: 'get',
    path: '/v1/webhook-endpoints/:id/deliveries',
    tag: 'webhooks',
    auth: 'secret',
    summary: "An endpoint's delivery log, newest first",
    params: { id: 'The endpoint id' },
    query: z.object({ status: q('pending, delivered or failed'), limit: q('1 to 100 (default 50)') }),
    responses: {
      200: { description: 'The deliveries', schema: z.object({ deliveries: z.array(r.webhookDelivery) }) },
    },
    errors: [400, 404],
  },
  {
    method: 'post',
    path: '/v1/webhook-endpoints/:id/deliveries/:delivery_id/resend',
    tag: 'webhooks',
    auth: 'secret',
    summary: 'Send a delivered or failed delivery again',
    params: { id: 'The endpoint id', delivery_id: 'The delivery id' },
    responses: { 202: { description: 'Queued again', schema: z.object({ delivery: r.webhookDelivery }) } },
    errors: [404, 409],
  },
  {
    method: 'put',
    path: '/v1/integrations/stripe',
    tag: 'stripe',
    auth: 'live_secret',
    summary: "Store the Stripe endpoint's signing secrets and restricted read-only keys (never returned)",
    description:
      '`restricted_key` (`rk_live_…`) and `test_restricted_key` (`rk_test_…`) are read-only Stripe keys for `GET /v1/reconciliation`; left out, the stored ones stay; null removes them. Answers show only whether one is set and its last four characters.',
    body: stripeIntegrationInput,
    responses: { 200: { description: 'The integration', schema: r.stripeIntegration } },
  },
  {
    method: 'get',
    path: '/v1/integrations/stripe',
    tag: 'stripe',
    auth: 'live_secret',
    summary: 'The Stripe integration: connected, the URL to paste into Stripe, the last event',
    responses: { 200: { description: 'The integration', schema: r.stripeIntegration } },
  },
  {
    method: 'delete',
    path: '/v1/integrations/stripe',
    tag: 'stripe',
    auth: 'live_secret',
    summary: 'Disconnect Stripe (forget the secrets)',
    responses: { 200: { description: 'The integration, disconnected', schema: r.stripeIntegration } },
  },
  {
    method: 'get',
    path: '/v1/reconciliation',
    tag: 'stripe',
    auth: 'secret',
    summary:
      "Refline's records against Stripe's: paid invoices with no conversion, conversions with no payment, refunds after payout",
    description:
      'Reads Stripe with the restricted key of the key’s mode (`restricted_key`, or `test_restricted_key` for a test key): the paid invoices created in the range (at most 2,000; `truncated` says when there were more). Paid invoices of referred customers that no conversion records; conversions in the range under an invoice id (`in_…`) that Stripe does not have as paid; refunds in the range that clawed back a commission already paid out. No restricted key stored: 409 naming the field. Stripe unreachable: 502.',
    query: z.object({
      from: q('Start: an ISO 8601 date or date-time with a zone (default 30 days before `to`)'),
      to: q(
        'End: an ISO 8601 date (the end of that UTC day) or date-time (default now); at most 93 days after `from`',
      ),
    }),
    responses: { 200: { description: 'The three lists', schema: reconciliation } },
    errors: [400, 409, 429, 502],
  },
  {
    method: 'post',
    path: '/v1/integrations/stripe/:program_id',
    tag: 'stripe',
    auth: 'stripe_signature',
    summary: 'The URL pasted into Stripe: a signed Stripe event',
    description:
      'Verified with the official `stripe` package (300 s tolerance); a bad or old signature is 400 and writes nothing. Every event is idempotent on its id; unknown types answer `{"ignored": true}`. Bodies up to 256 KB.',
    params: { program_id: 'The program id (prg_…)' },
    body: r.anyObject.describe('A Stripe event, exactly as Stripe sends it'),
    idempotent: true,
    responses: { 200: { description: 'What the event did', schema: r.anyObject } },
    errors: [400, 413],
  },
)
