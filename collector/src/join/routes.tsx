/**
 * The public join page: `GET /join/:slug` shows the application form of a program whose join
 * page is open, `POST /join/:slug` takes an application and creates a `pending` affiliate (or an
 * `active` one when the program approves automatically). A closed or unknown page is a 404.
 *
 * Everything here is an outsider's input: the body is bounded, every field is checked and bounded,
 * unknown fields are refused by name, applications are limited per IP (429 with Retry-After), a
 * honeypot field drops bots quietly, and a second application with the same email adds nothing.
 */
import { type Context, Hono } from 'hono'
import { z } from 'zod'
import { insertAffiliate } from '../affiliates/service'
import type { AppEnv } from '../lib/env'
import { ApiError } from '../lib/errors'
import { hashEmail } from '../lib/ip-hash'
import { clientIp, JOIN, withinLimit } from '../lib/rate-limit'
import { pageHeaders } from '../pages/layout'
import { programBySlug } from '../program/data'
import type { Program } from '../shared'
import { announceApplication, approveNewAffiliate } from './applications'
import { EMPTY_VALUES, JoinConfirmation, JoinForm, type JoinValues } from './page'

export const joinRoutes = new Hono<AppEnv>()

/** A form of five short fields needs far less than the API's 32 KB. */
const MAX_FORM_BYTES = 16 * 1024

const text = (max: number, what: string) =>
  z.string().trim().max(max, `${what} must be at most ${max} characters`)

/** Lets "example.com" through as https://example.com, as people type it. */
function withScheme(value: string): string {
  return value && !/^[a-z][a-z0-9+.-]*:/i.test(value) ? `https://${value}` : value
}

const application = z
  .strictObject({
    name: text(200, 'Your name').min(1, 'Please give your name'),
    email: z
      .string()
      .trim()
      .max(320, 'The email must be at most 320 characters')
      .pipe(z.email({ error: 'Please give a valid email address' })),
    website: text(2048, 'The website')
      .transform(withScheme)
      .pipe(
        z.union([
          z.literal(''),
          z.url({ protocol: /^https?$/, error: 'Please give a web address such as https://example.com' }),
        ]),
      ),
    promotion: text(1000, 'This answer'),
    terms: z.literal('on', { error: 'Please accept the terms to apply' }).optional(),
    fax: z.string().max(200).optional(),
  })
  .superRefine((v, ctx) => {
    if (v.terms !== 'on')
      ctx.addIssue({ code: 'custom', path: ['terms'], message: 'Please accept the terms to apply' })
    if (!v.website && !v.promotion)
      ctx.addIssue({
        code: 'custom',
        path: ['promotion'],
        message: 'Give your website or tell us how you will promote us',
      })
  })

async function openProgram(c: Context<AppEnv>): Promise<Program> {
  const slug = c.req.param('slug') ?? ''
  const program = /^[a-z0-9-]{1,63}$/i.test(slug) ? await programBySlug(c.env.DB, slug) : null
  if (!program?.join.enabled || !program.slug) throw new ApiError('not_found', 'No join page here')
  return program
}

/** The form body as text, refused past MAX_FORM_BYTES however it arrives. */
async function readForm(c: Context<AppEnv>): Promise<URLSearchParams | null> {
  const type = (c.req.header('content-type') ?? '').split(';')[0]?.trim().toLowerCase()
  if (type !== 'application/x-www-form-urlencoded') return null
  if (Number(c.req.header('content-length') ?? '0') > MAX_FORM_BYTES)
    throw new ApiError('payload_too_large', 'The form is too large')
  const reader = c.req.raw.body?.getReader()
  let size = 0
  const chunks: Uint8Array[] = []
  while (reader) {
    const { done, value } = await reader.read()
    if (done) break
    size += value.byteLength
    if (size > MAX_FORM_BYTES) {
      await reader.cancel().catch(() => {})
      throw new ApiError('payload_too_large', 'The form is too large')
    }
    chunks.push(value)
  }
  const bytes = new Uint8Array(size)
  let at = 0
  for (const chunk of chunks) {
    bytes.set(chunk, at)
    at += chunk.byteLength
  }
  return new URLSearchParams(new TextDecoder().decode(bytes))
}

function render(
  c: Context<AppEnv>,
  program: Program,
  values: JoinValues,
  errors: Record<string, string>,
  status: 200 | 400 | 429,
) {
  pageHeaders(c)
  return c.html(
    <JoinForm
      programName={program.name}
      slug={program.slug ?? ''}
      termsUrl={program.join.terms_url}
      values={values}
      errors={errors}
    />,
    status,
  )
}

joinRoutes.get('/join/:slug', async (c) => {
  const program = await openProgram(c)
  return render(c, program, EMPTY_VALUES, {}, 200)
})

joinRoutes.post('/join/:slug', async (c) => {
  const program = await openProgram(c)
  if (!(await withinLimit(c.env, JOIN, `join:${clientIp(c)}`))) {
    c.header('Retry-After', String(JOIN.period))
    return render(
      c,
      program,
      EMPTY_VALUES,
      { _form: 'Too many applications from your network; try again in a minute.' },
      429,
    )
  }
  const form = await readForm(c)
  if (!form) return render(c, program, EMPTY_VALUES, { _form: 'Send the form from this page.' }, 400)
  const raw: Record<string, string> = {}
  for (const [key, value] of form) if (!(key in raw)) raw[key] = value
  const values: JoinValues = {
    name: (raw.name ?? '').slice(0, 200),
    email: (raw.email ?? '').slice(0, 320),
    website: (raw.website ?? '').slice(0, 2048),
    promotion: (raw.promotion ?? '').slice(0, 1000),
    terms: raw.terms === 'on',
  }
  const parsed = application.safeParse({ name: '', email: '', website: '', promotion: '', ...raw })
  if (!parsed.success) {
    const errors: Record<string, string> = {}
    for (const issue of parsed.error.issues) {
      if (issue.code === 'unrecognized_keys') {
        errors._form = `Unknown field ${issue.keys.map((k) => `"${k.slice(0, 40)}"`).join(', ')}`
        continue
      }
      const field = String(issue.path[0] ?? '_form')
      errors[field] ??= issue.message
    }
    return render(c, program, values, errors, 400)
  }
  const body = parsed.data
  const done = (active: boolean, portalUrl: string | null, link: string | null) => {
    pageHeaders(c)
    return c.html(
      <JoinConfirmation programName={program.name} active={active} portalUrl={portalUrl} link={link} />,
      200,
    )
  }
  // A bot filled in the hidden field: thank it and keep nothing.
  if (body.fax) return done(false, null, null)
  // One application per email: a second one (a double submit, or someone else's address) adds nothing.
  const emailHash = await hashEmail(program.id, body.email)
  const known = await c.env.DB.prepare(
    'SELECT 1 FROM affiliates WHERE program_id = ? AND email_hash = ? LIMIT 1',
  )
    .bind(program.id, emailHash)
    .first()
  if (known) return done(false, null, null)
  const active = program.join.auto_approve
  const row = await insertAffiliate(
    c,
    program.id,
    'live',
    { name: body.name, email: body.email },
    {
      status: active ? 'active' : 'pending',
      website: body.website || null,
      promotion: body.promotion || null,
    },
  )
  await announceApplication(c.env, row)
  if (!active) return done(false, null, null)
  const affiliate = await approveNewAffiliate(c, row)
  return done(true, affiliate.portal_url, affiliate.link)
})
