/**
 * The dashboard's Programs page and its actions (session cookie; CSRF token and same origin on
 * every post): create a program through the same validation and code as the admin API's
 * `POST /v1/programs`, and issue a program's keys anew. Both answer with the page itself, the only
 * place the new keys are ever shown. That answer cannot be a redirect (the keys would have to be
 * kept to show them after it), so a reload re-posts the form: each rendering of either form
 * carries a one-time token, and a token that already made a program, or already rolled a
 * program's keys, does nothing more.
 */
import { type Context, Hono } from 'hono'
import { pendingApplications } from '../join/applications'
import { randomToken } from '../lib/crypto'
import { publicOrigin } from '../lib/env'
import { ApiError } from '../lib/errors'
import { programInput } from '../lib/schemas'
import { requireCsrf, requireSession, type SessionEnv } from '../lib/session'
import { parseWith } from '../lib/validate'
import { createProgramOnce, type EarlierRoll, rollKeysOnce } from '../program/create'
import { programJson } from '../program/data'
import type { Program, ProgramCreated } from '../shared'
import { checklistState } from './checklist'
import { type ProgramRow, ProgramsPage, type ProgramsPageProps } from './programs-page'

export const programDashboardRoutes = new Hono<SessionEnv>()

programDashboardRoutes.use('/dashboard/programs', requireSession('page'), requireCsrf)
programDashboardRoutes.use('/dashboard/programs/*', requireSession('page'), requireCsrf)

/**
 * The one-time token of a "New program" or a "New keys" form: random letters and digits
 * (lib/crypto's randomToken).
 */
const FORM_TOKEN_LENGTH = 22
const FORM_TOKEN = new RegExp(`^[A-Za-z0-9]{${FORM_TOKEN_LENGTH}}$`)

async function page(
  c: Context<SessionEnv>,
  opts: {
    created?: ProgramsPageProps['created']
    /** The program this form already created: the answer to it posted again. */
    again?: Program
    /** The roll this New keys form already made: the answer to it posted again. */
    keysAgain?: EarlierRoll
    values?: Record<string, string>
    errors?: Record<string, string>
    status?: 200 | 201 | 400
  } = {},
) {
  const { results } = await c.env.DB.prepare(
    'SELECT id, name, currency, created_at FROM programs ORDER BY created_at',
  ).all<Omit<ProgramRow, 'checklist'>>()
  // A deployment has a handful of programs: one hub call and one small query each.
  const programs = await Promise.all(
    results.map(async (r) => ({ ...r, checklist: await checklistState(c.env, r.id) })),
  )
  const current =
    opts.created?.program.id ??
    opts.again?.id ??
    opts.keysAgain?.programId ??
    programs.find((p) => p.id === c.req.query('program'))?.id ??
    programs[0]?.id
  const pending = current ? await pendingApplications(c.env.DB, current) : undefined
  const rolled = opts.keysAgain
  const keysAgain = rolled
    ? {
        id: rolled.programId,
        name: programs.find((p) => p.id === rolled.programId)?.name ?? rolled.programId,
        current: rolled.current,
      }
    : null
  return c.html(
    <ProgramsPage
      csrf={c.get('csrf')}
      origin={publicOrigin(c.env, c.req.url)}
      programs={programs}
      programId={current ?? null}
      {...(pending === undefined ? {} : { pending })}
      created={opts.created ?? null}
      again={opts.again ? { id: opts.again.id, name: opts.again.name } : null}
      keysAgain={keysAgain}
      formToken={randomToken(FORM_TOKEN_LENGTH)}
      keysTokens={Object.fromEntries(programs.map((p) => [p.id, randomToken(FORM_TOKEN_LENGTH)]))}
      values={opts.values ?? { currency: 'USD', commission_percent: '30' }}
      errors={opts.errors ?? {}}
    />,
    opts.status ?? 200,
  )
}

programDashboardRoutes.get('/dashboard/programs', (c) => page(c))

/** The form's fields as a `POST /v1/programs` body; empty optional fields are left out. */
function bodyFromForm(form: Record<string, string>): Record<string, unknown> {
  const body: Record<string, unknown> = { name: (form.name ?? '').trim() }
  const currency = (form.currency ?? '').trim().toUpperCase()
  if (currency) body.currency = currency
  const landing = (form.landing_url ?? '').trim()
  if (landing) body.landing_url = landing
  const percent = (form.commission_percent ?? '').trim()
  if (percent) body.commission = { type: 'percent', percent: Number(percent) }
  return body
}

function formField(field: string | undefined): string {
  if (!field) return '_form'
  if (field.startsWith('commission')) return 'commission_percent'
  return ['name', 'currency', 'landing_url'].includes(field) ? field : '_form'
}

programDashboardRoutes.post('/dashboard/programs', async (c) => {
  const raw = await c.req.parseBody()
  const form: Record<string, string> = {}
  for (const [k, v] of Object.entries(raw))
    if (typeof v === 'string' && k !== '_csrf' && k !== 'form_token') form[k] = v
  const token = typeof raw.form_token === 'string' ? raw.form_token : ''
  // Only the page's own form posts here, and it always carries a token.
  if (!FORM_TOKEN.test(token)) {
    const message = 'This form is out of date: check the fields below and press Create program again.'
    return page(c, { values: form, errors: { _form: message }, status: 400 })
  }
  let outcome: { created: ProgramCreated } | { earlier: Program }
  try {
    outcome = await createProgramOnce(c.env.DB, parseWith(programInput, bodyFromForm(form)), token)
  } catch (err) {
    if (!(err instanceof ApiError) || err.status >= 500) throw err
    return page(c, { values: form, errors: { [formField(err.field)]: err.message }, status: 400 })
  }
  if ('earlier' in outcome) return page(c, { again: outcome.earlier })
  const checklist = await checklistState(c.env, outcome.created.program.id)
  return page(c, { created: { ...outcome.created, checklist }, status: 201 })
})

programDashboardRoutes.post('/dashboard/programs/:id/keys', async (c) => {
  const id = c.req.param('id')
  const raw = await c.req.parseBody()
  const token = typeof raw.form_token === 'string' ? raw.form_token : ''
  // Only the page's own New keys forms post here, and each carries its token.
  if (!FORM_TOKEN.test(token)) {
    const message = 'That New keys form was out of date, so no key was changed: press New keys again.'
    return page(c, { errors: { _keys: message }, status: 400 })
  }
  const outcome = await rollKeysOnce(c.env.DB, id, token)
  if ('earlier' in outcome) return page(c, { keysAgain: outcome.earlier })
  const row = await c.env.DB.prepare('SELECT * FROM programs WHERE id = ?').bind(id).first()
  const program = programJson(row ?? {})
  const checklist = await checklistState(c.env, id)
  return page(c, { created: { program, keys: outcome.keys, rolled: true, checklist } })
})
