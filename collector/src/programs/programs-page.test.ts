/**
 * The dashboard's Programs page in the Workers runtime: a founder creates a program with the
 * form and gets its keys once with the snippets filled in; a refused field is named next to it;
 * the first-run checklist starts from what the program already has; the overview shows the
 * checklist until it is done; and each New keys form rolls a program's keys once.
 */
import { env } from 'cloudflare:test'
import { describe, expect, it } from 'vitest'
import { fetchPage, postForm, signIn } from '../../test/dashboard-session'
import { BROWSER_UA, call, clickId, createAffiliate, createProgram, sendClick } from '../../test/helpers'

const stepDone = (html: string, step: string) => new RegExp(`data-step="${step}" data-done="true"`).test(html)

/**
 * The hidden fields of one of the page's forms, as a browser would post them: the "New program"
 * form unless `attribute` (e.g. `action="/dashboard/programs/prg_…/keys"`) names another.
 */
function hiddenFields(html: string, attribute = 'id="new-program"'): Record<string, string> {
  const open = html.split('<form').find((f) => f.slice(0, f.indexOf('>')).includes(attribute)) ?? ''
  const form = open.split('</form>')[0] ?? ''
  const fields: Record<string, string> = {}
  for (const input of form.match(/<input[^>]*type="hidden"[^>]*>/g) ?? []) {
    const name = /name="([^"]*)"/.exec(input)?.[1]
    if (name) fields[name] = /value="([^"]*)"/.exec(input)?.[1] ?? ''
  }
  return fields
}

/** The hidden fields of the "New keys" form on a program's row. */
const keysForm = (html: string, programId: string) =>
  hiddenFields(html, `action="/dashboard/programs/${programId}/keys"`)

const shownKey = (html: string, id: string) =>
  new RegExp(`id="${id}" class="link-url" readonly="" value="([^"]+)"`).exec(html)?.[1] ?? ''

async function activeKeys(programId: string): Promise<{ active: number; all: number }> {
  const row = await env.DB.prepare(
    'SELECT count(*) AS all_keys, sum(revoked_at IS NULL) AS active FROM api_keys WHERE program_id = ?',
  )
    .bind(programId)
    .first<{ all_keys: number; active: number }>()
  return { active: row?.active ?? 0, all: row?.all_keys ?? 0 }
}

async function programsNamed(name: string): Promise<number> {
  const list = (await call('GET', '/v1/programs', { token: 'test-admin-token' })).body.programs
  return list.filter((p: { name: string }) => p.name === name).length
}

describe('dashboard programs page', () => {
  it('creates a program from the form and shows its four keys once, in the snippets too', async () => {
    const session = await signIn()
    const form = await fetchPage('/dashboard/programs', { headers: { cookie: session.cookie } })
    const created = await postForm(session, '/dashboard/programs', {
      ...hiddenFields(form.text),
      name: 'Form Made',
      currency: 'eur',
      landing_url: 'https://formmade.example/pricing',
      commission_percent: '25',
    })
    expect(created.status).toBe(201)
    const pk = /id="key-publishable" class="link-url" readonly="" value="(pk_live_[^"]+)"/.exec(
      created.text,
    )?.[1]
    const sk = /id="key-secret" class="link-url" readonly="" value="(sk_live_[^"]+)"/.exec(created.text)?.[1]
    expect(pk).toBeTruthy()
    expect(sk).toBeTruthy()
    expect(created.text).toContain('shown once and cannot be shown again')
    expect(created.text).toContain(`data-key=&quot;${pk}&quot;`)
    expect(created.text).toContain(`REFLINE_SECRET_KEY=${sk}`)
    expect(created.text).toContain('http://collector.test/r.js')
    expect(created.text).toMatch(/data-step="script" data-done="false"/)

    // The keys work: the program is the one the form described.
    const program = (await call('GET', '/v1/program', { token: sk })).body.program
    expect(program).toMatchObject({
      name: 'Form Made',
      currency: 'EUR',
      landing_url: 'https://formmade.example/pricing',
      commission: { type: 'percent', percent: 25 },
    })
    // Shown once: the page never shows them again.
    const later = await fetchPage(`/dashboard/programs?program=${program.id}`, {
      headers: { cookie: session.cookie },
    })
    expect(later.status).toBe(200)
    expect(later.text).toContain('Form Made')
    expect(later.text).not.toContain(sk ?? 'missing')
    expect(later.text).not.toContain(pk ?? 'missing')
  })

  it('creates one program when the form is posted twice (a reload re-posts it), keys shown once', async () => {
    const session = await signIn()
    const form = await fetchPage('/dashboard/programs', { headers: { cookie: session.cookie } })
    const fields = {
      ...hiddenFields(form.text),
      name: 'Posted Twice',
      currency: 'USD',
      commission_percent: '20',
    }
    const first = await postForm(session, '/dashboard/programs', fields)
    expect(first.status).toBe(201)
    const sk = /id="key-secret" class="link-url" readonly="" value="(sk_live_[^"]+)"/.exec(first.text)?.[1]
    expect(sk).toBeTruthy()

    const again = await postForm(session, '/dashboard/programs', fields)
    expect(await programsNamed('Posted Twice')).toBe(1)
    expect(again.status).toBe(200)
    expect(again.text).toContain('id="already-created"')
    expect(again.text).toContain('Posted Twice was already created')
    expect(again.text).toContain('New keys')
    expect(again.text).not.toContain('id="new-keys"')
    expect(again.text).not.toMatch(/sk_live_|pk_live_|sk_test_|pk_test_/)
    // The first program's keys still work: nothing was rolled either.
    expect((await call('GET', '/v1/program', { token: sk })).status).toBe(200)

    // The answer's own form is a new one: it creates the next program.
    const next = await postForm(session, '/dashboard/programs', {
      ...hiddenFields(first.text),
      name: 'Posted Twice',
      currency: 'USD',
    })
    expect(next.status).toBe(201)
    expect(await programsNamed('Posted Twice')).toBe(2)

    // A double click posts one form twice at once: still one program, and one answer with keys.
    const clicked = { ...hiddenFields(next.text), name: 'Clicked Twice', currency: 'USD' }
    const answers = await Promise.all([
      postForm(session, '/dashboard/programs', clicked),
      postForm(session, '/dashboard/programs', clicked),
    ])
    expect(answers.map((a) => a.status).sort()).toEqual([200, 201])
    expect(await programsNamed('Clicked Twice')).toBe(1)
  })

  it('rolls a program’s keys once per New keys form: posted again (a reload), it rolls nothing', async () => {
    const { program, keys: old } = await createProgram({ name: 'Rolled Once' })
    const session = await signIn()
    const list = await fetchPage('/dashboard/programs', { headers: { cookie: session.cookie } })
    const fields = keysForm(list.text, program.id)
    const path = `/dashboard/programs/${program.id}/keys`

    const first = await postForm(session, path, fields)
    expect(first.status).toBe(200)
    expect(first.text).toContain('id="new-keys"')
    const sk = shownKey(first.text, 'key-secret')
    const testSk = shownKey(first.text, 'key-test-secret')
    expect(sk).toMatch(/^sk_live_/)
    expect((await call('GET', '/v1/program', { token: old.secret })).status).toBe(401)

    // The browser posts the same form again: nothing is rolled, no key is shown, and it says why.
    const again = await postForm(session, path, fields)
    expect((await call('GET', '/v1/program', { token: sk })).status).toBe(200)
    expect((await call('GET', '/v1/program', { token: testSk })).status).toBe(200)
    expect(await activeKeys(program.id)).toEqual({ active: 4, all: 8 })
    expect(again.status).toBe(200)
    expect(again.text).toContain('id="keys-already-issued"')
    expect(again.text).toContain('New keys for Rolled Once were already issued')
    expect(again.text).not.toContain('id="new-keys"')
    expect(again.text).not.toMatch(/sk_live_|pk_live_|sk_test_|pk_test_/)

    // Lost them after all? The answer's own New keys form is a new one, and it rolls them.
    const next = await postForm(session, path, keysForm(again.text, program.id))
    expect(next.status).toBe(200)
    const nextSk = shownKey(next.text, 'key-secret')
    expect(nextSk).toMatch(/^sk_live_/)
    expect((await call('GET', '/v1/program', { token: sk })).status).toBe(401)
    expect((await call('GET', '/v1/program', { token: nextSk })).status).toBe(200)
    // The first form once more (back, then reload): still nothing rolled, and it says its keys are gone.
    const stale = await postForm(session, path, fields)
    expect(stale.text).toContain('have since been replaced by newer ones')
    expect((await call('GET', '/v1/program', { token: nextSk })).status).toBe(200)

    // A double click posts one form twice at once: one roll, one answer with keys, and they work.
    const clicked = keysForm(next.text, program.id)
    const answers = await Promise.all([postForm(session, path, clicked), postForm(session, path, clicked)])
    const withKeys = answers.filter((a) => a.text.includes('id="new-keys"'))
    expect(withKeys).toHaveLength(1)
    expect(await activeKeys(program.id)).toEqual({ active: 4, all: 16 })
    const clickedSk = shownKey(withKeys[0]?.text ?? '', 'key-secret')
    expect((await call('GET', '/v1/program', { token: clickedSk })).status).toBe(200)
  })

  it('refuses a New keys post without the page’s one-time token and rolls nothing', async () => {
    const { program, keys } = await createProgram({ name: 'No Keys Token' })
    const session = await signIn()
    const refused = await postForm(session, `/dashboard/programs/${program.id}/keys`, {})
    expect((await call('GET', '/v1/program', { token: keys.secret })).status).toBe(200)
    expect(await activeKeys(program.id)).toEqual({ active: 4, all: 4 })
    expect(refused.status).toBe(400)
    expect(refused.text).not.toContain('id="new-keys"')
    expect(refused.text).toContain('press New keys again')
  })

  it('names a refused field next to it, keeps what was typed and creates nothing', async () => {
    const session = await signIn()
    const before = (await call('GET', '/v1/programs', { token: 'test-admin-token' })).body.programs.length
    const form = await fetchPage('/dashboard/programs', { headers: { cookie: session.cookie } })
    const hidden = hiddenFields(form.text)
    const refused = await postForm(session, '/dashboard/programs', {
      ...hidden,
      name: 'Bad Rate',
      currency: 'USD',
      commission_percent: '140',
    })
    expect(refused.status).toBe(400)
    expect(refused.text).toMatch(/id="pe-commission_percent"[^>]*>[^<]*commission\.percent/)
    expect(refused.text).toContain('value="Bad Rate"')
    const noName = await postForm(session, '/dashboard/programs', { ...hidden, name: '', currency: 'USD' })
    expect(noName.status).toBe(400)
    expect(noName.text).toMatch(/id="pe-name"/)
    // A post that did not come from the page's form (no one-time token) is refused too.
    const noToken = await postForm(session, '/dashboard/programs', { name: 'No Token', currency: 'USD' })
    expect(noToken.status).toBe(400)
    expect(noToken.text).toContain('data-field="_form"')
    expect(noToken.text).toContain('value="No Token"')
    expect((await call('GET', '/v1/programs', { token: 'test-admin-token' })).body.programs.length).toBe(
      before,
    )
    // Without the CSRF token nothing is created.
    const forged = await postForm(
      session,
      '/dashboard/programs',
      { form_token: hidden.form_token ?? '', name: 'Forged' },
      { csrf: false },
    )
    expect(forged.status).toBe(403)
    expect((await call('GET', '/v1/programs', { token: 'test-admin-token' })).body.programs.length).toBe(
      before,
    )
  })

  it('ticks the checklist from what the program already has, and the overview shows it until done', async () => {
    const { program, keys } = await createProgram({ name: 'Half Way' })
    const aff = await createAffiliate(keys.secret)
    const session = await signIn()
    const overview = () =>
      fetchPage(`/dashboard?program=${program.id}`, { headers: { cookie: session.cookie } })
    let page = await overview()
    expect(page.text).toContain('id="checklist"')
    expect(stepDone(page.text, 'click')).toBe(false)

    const click = await sendClick(
      keys.publishable,
      { click_id: clickId(), ref: aff.code, url: 'https://halfway.example/' },
      { 'user-agent': BROWSER_UA },
    )
    expect(click.status).toBe(202)
    await call('POST', '/v1/signups', {
      token: keys.secret,
      body: { customer_id: 'cus_half', ref: aff.code },
    })
    page = await overview()
    expect(stepDone(page.text, 'click')).toBe(true)
    expect(stepDone(page.text, 'signup')).toBe(true)
    expect(stepDone(page.text, 'conversion')).toBe(false)

    // The script's click reaches D1 with the hub's next flush (within about a second).
    for (let i = 0; i < 50 && !stepDone(page.text, 'script'); i++) {
      await new Promise((r) => setTimeout(r, 100))
      page = await overview()
    }
    expect(stepDone(page.text, 'script')).toBe(true)
    const programs = await fetchPage('/dashboard/programs', { headers: { cookie: session.cookie } })
    expect(programs.text).toMatch(new RegExp(`data-program="${program.id}"[\\s\\S]*?<td>3 of 4</td>`))

    await call('POST', '/v1/conversions', {
      token: keys.secret,
      body: { event_id: 'inv_half', customer_id: 'cus_half', amount: 1000, currency: 'USD' },
    })
    page = await overview()
    expect(page.text).not.toContain('id="checklist"')
    const done = await fetchPage('/dashboard/programs', { headers: { cookie: session.cookie } })
    expect(done.text).toMatch(new RegExp(`data-program="${program.id}"[\\s\\S]*?<td>Done</td>`))
  })
})
