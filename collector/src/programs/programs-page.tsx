/**
 * The dashboard's Programs page, `/dashboard/programs`: every program with its first-run progress,
 * and a form that creates one. The answer to that form is the only place the new program's keys
 * are ever shown (they are stored hashed), with the install snippets filled in and the live
 * first-run checklist. The same form posted again (a reload) says so instead, and points to
 * "New keys"; a New keys form posted again rolls nothing and says so too.
 */
import type { Child } from 'hono/jsx'
import { Layout, Logo } from '../pages/layout'
import { DashboardNav } from '../pages/nav'
import type { ProgramCreated } from '../shared'
import { CHECKLIST_STEPS, Checklist, type ChecklistState } from './checklist'
import { envSnippet, nodeSnippet, scriptSnippet } from './snippets'

export interface ProgramRow {
  id: string
  name: string
  currency: string
  created_at: string
  checklist: ChecklistState
}

export interface ProgramsPageProps {
  csrf: string
  origin: string
  programs: ProgramRow[]
  /** The program the navigation points at. */
  programId: string | null
  pending?: number
  /** Just created (or its keys just rolled): shown once, in this answer only. */
  created: (ProgramCreated & { checklist: ChecklistState; rolled?: boolean }) | null
  /** The program the posted form had already created (a reload re-posts it): no keys, a note. */
  again: { id: string; name: string } | null
  /** The roll the posted New keys form had already made (a reload re-posts it): no keys, a note. */
  keysAgain: { id: string; name: string; current: boolean } | null
  /** The one-time token of the "New program" form: one program per token. */
  formToken: string
  /** The one-time token of each program's "New keys" form, by program id: one roll per token. */
  keysTokens: Record<string, string>
  values: Record<string, string>
  errors: Record<string, string>
}

function CopyRow({ id, label, value, rows }: { id: string; label: string; value: string; rows?: number }) {
  return (
    <div class="link-row">
      <label class="link-label" for={id}>
        {label}
      </label>
      {rows ? (
        <textarea id={id} class="link-url snippet" readonly rows={rows}>
          {value}
        </textarea>
      ) : (
        <input id={id} class="link-url" readonly value={value} />
      )}
      <button type="button" class="copy" data-copy={id}>
        Copy
      </button>
    </div>
  )
}

function Field(p: {
  name: string
  label: string
  hint?: string
  values: Record<string, string>
  errors: Record<string, string>
  required?: boolean
}) {
  const error = p.errors[p.name]
  return (
    <div class="field">
      <label for={`p-${p.name}`}>{p.label}</label>
      <input
        id={`p-${p.name}`}
        name={p.name}
        value={p.values[p.name] ?? ''}
        required={p.required}
        aria-invalid={error ? 'true' : undefined}
        aria-describedby={error ? `pe-${p.name}` : p.hint ? `ph-${p.name}` : undefined}
      />
      {p.hint ? (
        <small id={`ph-${p.name}`} class="muted">
          {p.hint}
        </small>
      ) : null}
      {error ? (
        <p id={`pe-${p.name}`} class="error" role="alert" data-field={p.name}>
          {error}
        </p>
      ) : null}
    </div>
  )
}

function Created({
  created,
  origin,
}: {
  created: NonNullable<ProgramsPageProps['created']>
  origin: string
}) {
  const { program, keys } = created
  return (
    <>
      <section class="panel keys" id="new-keys" aria-labelledby="keys-title">
        <h2 id="keys-title">
          {created.rolled ? `New keys for ${program.name}` : `${program.name} is created`}
        </h2>
        <p class="banner warn" role="alert">
          Copy these keys now: they are shown once and cannot be shown again (Refline stores only their
          hashes). {created.rolled ? 'The old keys no longer work.' : ''} Keep the secret keys on your server,
          never in a web page.
        </p>
        <CopyRow id="key-publishable" label="Publishable key" value={keys.publishable} />
        <CopyRow id="key-secret" label="Secret key" value={keys.secret} />
        <CopyRow id="key-test-publishable" label="Test publishable" value={keys.test_publishable} />
        <CopyRow id="key-test-secret" label="Test secret" value={keys.test_secret} />
      </section>
      <section class="panel" aria-labelledby="install-title">
        <h2 id="install-title">Install</h2>
        <p class="link-use">1. On every page of your marketing site, before &lt;/head&gt;:</p>
        <CopyRow
          id="snippet-script"
          label="Script tag"
          value={scriptSnippet(origin, keys.publishable)}
          rows={2}
        />
        <p class="link-use">
          2. On your server, with <code>npm install @refline/node</code> (see docs/node-sdk.md):
        </p>
        <CopyRow id="snippet-env" label="Environment" value={envSnippet(keys.secret)} rows={1} />
        <CopyRow id="snippet-node" label="Node SDK" value={nodeSnippet(origin)} rows={11} />
        <p class="muted">
          Or take payments with Stripe and write no code: connect it in{' '}
          <a href={`/dashboard/settings?program=${encodeURIComponent(program.id)}`}>Settings</a>.
        </p>
      </section>
      <Checklist programId={program.id} state={created.checklist} />
    </>
  )
}

function AlreadyCreated({ again }: { again: NonNullable<ProgramsPageProps['again']> }) {
  return (
    <section class="panel" id="already-created" aria-labelledby="again-title">
      <h2 id="again-title">{again.name} was already created</h2>
      <p class="banner warn" role="status">
        This form had already been sent (a reload sends it again), so no second program was created. The keys
        of {again.name} were shown once, in the answer that created it, and are not shown again. If you did
        not copy them, use <strong>New keys</strong> on its row below: it issues four new keys and the old
        ones stop working.
      </p>
    </section>
  )
}

function KeysAlreadyIssued({ again }: { again: NonNullable<ProgramsPageProps['keysAgain']> }) {
  return (
    <section class="panel" id="keys-already-issued" aria-labelledby="keys-again-title">
      <h2 id="keys-again-title">New keys for {again.name} were already issued</h2>
      <p class="banner warn" role="status">
        This form had already been sent (a reload sends it again), so no key was changed:{' '}
        {again.current
          ? 'the keys shown in the answer to it still work.'
          : 'the keys shown in the answer to it have since been replaced by newer ones.'}{' '}
        Keys are shown once and are not shown again. If you lost them, press <strong>New keys</strong> on its
        row below: it issues four new keys and the ones shown before stop working.
      </p>
    </section>
  )
}

export function ProgramsPage(p: ProgramsPageProps) {
  const f = { values: p.values, errors: p.errors }
  const progress = (s: ChecklistState): Child => {
    const n = CHECKLIST_STEPS.filter((k) => s[k]).length
    return n === CHECKLIST_STEPS.length ? 'Done' : `${n} of ${CHECKLIST_STEPS.length}`
  }
  return (
    <Layout title="Programs · Refline" script="programs" csrf={p.csrf}>
      <header class="topbar">
        <Logo />
        <span class="topbar-title">Programs</span>
        {p.programId ? (
          <DashboardNav
            programId={p.programId}
            current="programs"
            {...(p.pending === undefined ? {} : { pending: p.pending })}
          />
        ) : null}
        {p.created ? (
          <span id="conn" class="conn" role="status" data-state="connecting">
            Connecting…
          </span>
        ) : null}
      </header>
      <main class="wrap" id="programs-page" data-live-program={p.created?.program.id ?? ''}>
        {p.created ? <Created created={p.created} origin={p.origin} /> : null}
        {p.again ? <AlreadyCreated again={p.again} /> : null}
        {p.keysAgain ? <KeysAlreadyIssued again={p.keysAgain} /> : null}
        <section class="panel" aria-labelledby="list-title">
          <h2 id="list-title">Programs</h2>
          {p.errors._keys ? (
            <p class="error" role="alert" data-field="_keys">
              {p.errors._keys}
            </p>
          ) : null}
          {p.programs.length ? (
            <section class="table-wrap" tabindex={0} aria-label="Programs list">
              <table class="data" id="programs">
                <thead>
                  <tr>
                    <th scope="col">Program</th>
                    <th scope="col">Currency</th>
                    <th scope="col">Created</th>
                    <th scope="col">Get started</th>
                    <th scope="col">
                      <span class="sr-only">Links</span>
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {p.programs.map((row) => (
                    <tr data-program={row.id}>
                      <th scope="row">
                        <span class="aff-name">{row.name}</span>
                        <span class="aff-code">{row.id}</span>
                      </th>
                      <td>{row.currency}</td>
                      <td>{row.created_at.slice(0, 10)}</td>
                      <td>{progress(row.checklist)}</td>
                      <td class="actions">
                        <a href={`/dashboard?program=${encodeURIComponent(row.id)}`}>Dashboard</a>
                        {' · '}
                        <a href={`/dashboard/settings?program=${encodeURIComponent(row.id)}`}>Settings</a>
                        <form
                          method="post"
                          action={`/dashboard/programs/${encodeURIComponent(row.id)}/keys`}
                          class="inline-form"
                        >
                          <input type="hidden" name="_csrf" value={p.csrf} />
                          <input type="hidden" name="form_token" value={p.keysTokens[row.id] ?? ''} />
                          <button type="submit" class="danger" aria-label={`Issue new keys for ${row.name}`}>
                            New keys
                          </button>
                        </form>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </section>
          ) : (
            <p class="muted">No program yet: create the first one below.</p>
          )}
          <p class="muted">
            New keys revokes all four keys of that program at once and shows new ones once; update your site
            and server right after.
          </p>
        </section>
        <section class="panel" aria-labelledby="create-title">
          <h2 id="create-title">New program</h2>
          {p.errors._form ? (
            <p class="error" role="alert" data-field="_form">
              {p.errors._form}
            </p>
          ) : null}
          <form method="post" action="/dashboard/programs" class="settings stack" id="new-program" novalidate>
            <input type="hidden" name="_csrf" value={p.csrf} />
            <input type="hidden" name="form_token" value={p.formToken} />
            <Field name="name" label="Name" required {...f} />
            <Field name="currency" label="Currency (ISO 4217)" hint="e.g. USD, EUR, JPY" {...f} />
            <Field
              name="landing_url"
              label="Landing URL (optional)"
              hint="where /go/ links send visitors, e.g. https://example.com/pricing"
              {...f}
            />
            <Field
              name="commission_percent"
              label="Commission (percent of each payment)"
              hint="change it and everything else later in Settings"
              {...f}
            />
            <button type="submit" class="primary">
              Create program
            </button>
          </form>
        </section>
      </main>
    </Layout>
  )
}
