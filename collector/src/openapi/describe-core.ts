/**
 * The document's entries for the endpoints of the first version: programs, clicks and links,
 * money events, affiliates, commissions and stats. Request bodies are the routes' own validators
 * (lib/schemas.ts); answers are the schemas of responses.ts.
 */
import { z } from 'zod'
import {
  affiliateInput,
  affiliatePatch,
  clickInput,
  conversionInput,
  programInput,
  refundInput,
  signupInput,
} from '../lib/schemas'
import { programPatch } from '../program/input'
import { describeRoute } from './registry'
import * as r from './responses'

/** Every field of a create schema, optional and without its default: a patch (absent = unchanged). */
export function patchOf(schema: z.ZodObject): z.ZodObject {
  return z.strictObject(
    Object.fromEntries(
      Object.entries(schema.shape).map(([name, field]) => [
        name,
        ((field instanceof z.ZodDefault ? field.unwrap() : field) as z.ZodType).optional(),
      ]),
    ),
  )
}

const q = (description: string) => z.string().optional().describe(description)

describeRoute(
  {
    method: 'get',
    path: '/healthz',
    tag: 'meta',
    auth: 'none',
    summary: 'Health check',
    responses: {
      200: { description: 'The collector answers', schema: z.object({ status: z.literal('ok') }) },
    },
  },
  {
    method: 'post',
    path: '/v1/programs',
    tag: 'programs',
    auth: 'admin',
    summary: 'Create a program and its four API keys (shown once)',
    body: programInput,
    responses: { 201: { description: 'The program and its keys', schema: r.programCreated } },
  },
  {
    method: 'get',
    path: '/v1/programs',
    tag: 'programs',
    auth: 'admin',
    summary: "List the deployment's programs",
    responses: { 200: { description: 'Every program', schema: z.object({ programs: z.array(r.program) }) } },
  },
  {
    method: 'post',
    path: '/v1/programs/:id/keys/roll',
    tag: 'programs',
    auth: 'admin',
    summary: 'Revoke every key of a program and issue four new ones (shown once)',
    params: { id: 'The program id (prg_…)' },
    responses: { 201: { description: 'The new keys', schema: r.keysRolled } },
    errors: [404],
  },
  {
    method: 'get',
    path: '/v1/program',
    tag: 'programs',
    auth: 'secret',
    summary: "The key's own program and its settings",
    responses: { 200: { description: 'The program', schema: z.object({ program: r.program }) } },
  },
  {
    method: 'patch',
    path: '/v1/program',
    tag: 'programs',
    auth: 'live_secret',
    summary: 'Change program settings (live secret key only); applies to events after it',
    body: programPatch,
    responses: { 200: { description: 'The changed program', schema: z.object({ program: r.program }) } },
  },
  {
    method: 'post',
    path: '/v1/clicks',
    tag: 'clicks',
    auth: 'publishable',
    summary: "The browser script's click beacon",
    description:
      'Sent as `text/plain` by r.js (a simple request: no CORS preflight); `application/json` works too. A repeated `click_id` is the same click. Unknown `ref` codes are recorded unattributed.',
    body: clickInput,
    bodyTypes: ['text/plain', 'application/json'],
    responses: {
      202: {
        description: 'The click was recorded',
        schema: r.clickResult,
        headers: {
          'Set-Cookie': {
            description:
              'With `COOKIE_DOMAIN` set and the request coming from a page on that domain: `rl_click` and `rl_ref`, first-party, set by the server',
            schema: { type: 'string' },
          },
        },
      },
    },
  },
  {
    method: 'get',
    path: '/go/:code',
    tag: 'clicks',
    auth: 'none',
    summary: "An affiliate's redirect link: records the click and sends the visitor on",
    params: { code: "The affiliate's code" },
    query: z.object({
      to: q("A path on the landing site, or a URL on one of the program's allowed_origins"),
      sub: q('A sub-id (campaign, placement), at most 128 characters'),
    }),
    responses: {
      302: {
        description: 'To the destination, with `ref` and `rl_click` added',
        headers: {
          Location: { description: 'The destination', schema: { type: 'string' } },
          'Set-Cookie': {
            description:
              'With `COOKIE_DOMAIN` set and the link served on that domain: `rl_click` and `rl_ref`',
            schema: { type: 'string' },
          },
        },
      },
    },
    errors: [404],
  },
  {
    method: 'get',
    path: '/go/:code/:sub',
    tag: 'clicks',
    auth: 'none',
    summary: 'A redirect link with a sub-id in the path',
    params: { code: "The affiliate's code", sub: 'A sub-id, at most 128 characters' },
    query: z.object({
      to: q("A path on the landing site, or a URL on one of the program's allowed_origins"),
    }),
    responses: {
      302: {
        description: 'To the destination, with `ref` and `rl_click` added',
        headers: { Location: { description: 'The destination', schema: { type: 'string' } } },
      },
    },
    errors: [404],
  },
  {
    method: 'post',
    path: '/v1/signups',
    tag: 'events',
    auth: 'secret',
    summary: 'Record a signup (event_id defaults to signup:<customer_id>)',
    body: signupInput,
    idempotent: true,
    responses: {
      201: { description: 'The signup', schema: r.signupResult },
      200: { description: 'A replay of the same event_id: the first result', schema: r.signupResult },
    },
    errors: [409],
  },
  {
    method: 'post',
    path: '/v1/conversions',
    tag: 'events',
    auth: 'secret',
    summary: 'Record a conversion (a payment) and its commission',
    body: conversionInput,
    idempotent: true,
    responses: {
      201: { description: 'The conversion', schema: r.conversionResult },
      200: { description: 'A replay of the same event_id: the first result', schema: r.conversionResult },
    },
    errors: [409],
  },
  {
    method: 'post',
    path: '/v1/refunds',
    tag: 'events',
    auth: 'secret',
    summary: 'Record a refund of a conversion (in full when amount is left out)',
    body: refundInput,
    idempotent: true,
    responses: {
      201: { description: 'The refund', schema: r.refundResult },
      200: { description: 'A replay of the same event_id: the first result', schema: r.refundResult },
    },
    errors: [404, 409],
  },
  {
    method: 'post',
    path: '/v1/affiliates',
    tag: 'affiliates',
    auth: 'secret',
    summary: 'Create an affiliate (the answer holds its portal link, shown once)',
    body: affiliateInput,
    responses: { 201: { description: 'The affiliate', schema: z.object({ affiliate: r.affiliate }) } },
    errors: [409],
  },
  {
    method: 'get',
    path: '/v1/affiliates',
    tag: 'affiliates',
    auth: 'secret',
    summary: 'List affiliates (every status unless status filters), or export them (format=csv)',
    query: z.object({
      status: q('One status: pending, active, rejected or disabled'),
      format: q('json (default) or csv: the key’s own mode, oldest first'),
    }),
    responses: {
      200: {
        description: 'Every affiliate the key may see',
        schema: z.object({ affiliates: z.array(r.affiliate) }),
      },
    },
  },
  {
    method: 'get',
    path: '/v1/affiliates/:id',
    tag: 'affiliates',
    auth: 'secret',
    summary: 'One affiliate, by id or code',
    params: { id: 'An affiliate id (aff_…) or code' },
    responses: { 200: { description: 'The affiliate', schema: z.object({ affiliate: r.affiliate }) } },
    errors: [404],
  },
  {
    method: 'patch',
    path: '/v1/affiliates/:id',
    tag: 'affiliates',
    auth: 'secret',
    summary: 'Change an affiliate (a test key cannot change a live one)',
    params: { id: 'An affiliate id (aff_…) or code' },
    body: affiliatePatch,
    responses: {
      200: { description: 'The changed affiliate', schema: z.object({ affiliate: r.affiliate }) },
    },
    errors: [404, 409],
  },
  {
    method: 'post',
    path: '/v1/affiliates/:id/portal-link',
    tag: 'affiliates',
    auth: 'live_secret',
    summary: 'A new portal link; the old one stops working at once',
    params: { id: 'An affiliate id (aff_…) or code' },
    responses: { 201: { description: 'The new link', schema: r.portalLink } },
    errors: [400, 404],
  },
  ...(['approve', 'reject'] as const).map((action) => ({
    method: 'post' as const,
    path: `/v1/affiliates/:id/${action}`,
    tag: 'affiliates',
    auth: 'secret' as const,
    summary:
      action === 'approve'
        ? 'Approve an application from the join page: active, with a new portal link (in this answer and the affiliate.approved webhook)'
        : 'Reject an application from the join page',
    params: { id: 'An affiliate id (aff_…) or code' },
    responses: { 200: { description: 'The affiliate', schema: z.object({ affiliate: r.affiliate }) } },
    errors: [400, 403, 404, 409],
  })),
  {
    method: 'get',
    path: '/v1/commissions',
    tag: 'commissions',
    auth: 'secret',
    summary: 'List commissions, newest first',
    query: z.object({
      status: q(
        'One status or several, comma-separated: pending, approved, on_hold, paid, reversed, rejected',
      ),
      affiliate: q('An affiliate id or code (an unknown one is a 400 naming affiliate)'),
      from: q('Created at or after (ISO 8601 date or date-time)'),
      to: q('Created at or before (a date means the end of that UTC day)'),
      limit: q('1 to 500 (default 100)'),
      format: q('json (default) or csv: every match, streamed, oldest first'),
    }),
    responses: {
      200: { description: 'The commissions', schema: z.object({ commissions: z.array(r.commission) }) },
    },
    errors: [400],
  },
  ...(['approve', 'reject'] as const).map((action) => ({
    method: 'post' as const,
    path: `/v1/commissions/:id/${action}`,
    tag: 'commissions',
    auth: 'secret' as const,
    summary:
      action === 'approve' ? 'Approve a commission (also before its hold ends)' : 'Reject a commission',
    params: { id: 'The commission id' },
    responses: { 200: { description: 'The commission', schema: z.object({ commission: r.commission }) } },
    errors: [404, 409],
  })),
  {
    method: 'get',
    path: '/v1/stats',
    tag: 'stats',
    auth: 'secret',
    summary: 'Totals, a series and a per-affiliate table, from the hourly rollups',
    query: z.object({
      from: q('ISO 8601 date or date-time (default 30 days ago)'),
      to: q('ISO 8601 date (end of that day) or date-time (default now)'),
      affiliate: q('An affiliate id or code (an unknown one is a 400 naming affiliate)'),
      sub: q('A sub-id'),
      interval: q('hour or day'),
      tz: q('An IANA time zone for day buckets, e.g. Europe/Paris'),
    }),
    responses: { 200: { description: 'The stats of the key’s mode', schema: r.stats } },
    errors: [400],
  },
)
