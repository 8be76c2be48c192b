/**
 * The public join page, server-rendered and complete without JavaScript (no script at all, so
 * the dashboard's strict CSP holds as it is): the application form in the program's name, the
 * same form again with the fields named when something is wrong, and the confirmation.
 */
import { Layout } from '../pages/layout'

export interface JoinValues {
  name: string
  email: string
  website: string
  promotion: string
  terms: boolean
}

export interface JoinFormProps {
  programName: string
  slug: string
  termsUrl: string | null
  values: JoinValues
  /** Field name → message. */
  errors: Record<string, string>
}

export const EMPTY_VALUES: JoinValues = { name: '', email: '', website: '', promotion: '', terms: false }

function FieldError({ id, message }: { id: string; message: string | undefined }) {
  return message ? (
    <p id={`${id}-error`} class="error" role="alert">
      {message}
    </p>
  ) : null
}

function invalid(errors: Record<string, string>, field: string) {
  return errors[field] ? { 'aria-invalid': 'true' as const, 'aria-describedby': `${field}-error` } : {}
}

export function JoinForm({ programName, slug, termsUrl, values, errors }: JoinFormProps) {
  const general = errors._form
  return (
    <Layout title={`Become a partner · ${programName}`}>
      <main class="signin join">
        <form method="post" action={`/join/${slug}`} class="panel signin-card" novalidate>
          <h1>Become a {programName} partner</h1>
          <p class="muted">Tell us who you are and how you would promote {programName}.</p>
          {general ? (
            <p id="_form-error" class="error" role="alert">
              {general}
            </p>
          ) : null}
          <label for="name">Your name</label>
          <input
            id="name"
            name="name"
            autocomplete="name"
            maxlength={200}
            required
            value={values.name}
            {...invalid(errors, 'name')}
          />
          <FieldError id="name" message={errors.name} />
          <label for="email">Email</label>
          <input
            id="email"
            name="email"
            type="email"
            autocomplete="email"
            maxlength={320}
            required
            value={values.email}
            {...invalid(errors, 'email')}
          />
          <FieldError id="email" message={errors.email} />
          <label for="website">Website (optional)</label>
          <input
            id="website"
            name="website"
            type="url"
            inputmode="url"
            maxlength={2048}
            placeholder="https://"
            value={values.website}
            {...invalid(errors, 'website')}
          />
          <FieldError id="website" message={errors.website} />
          <label for="promotion">How will you promote us?</label>
          <textarea
            id="promotion"
            name="promotion"
            rows={4}
            maxlength={1000}
            {...invalid(errors, 'promotion')}
          >
            {values.promotion}
          </textarea>
          <FieldError id="promotion" message={errors.promotion} />
          {/* A field people never see: bots fill it in, and their application is dropped. */}
          <div hidden aria-hidden="true">
            <label for="fax">Leave this empty</label>
            <input id="fax" name="fax" tabindex={-1} autocomplete="off" value="" />
          </div>
          <label class="checkbox" for="terms">
            <input
              id="terms"
              name="terms"
              type="checkbox"
              value="on"
              checked={values.terms}
              {...invalid(errors, 'terms')}
            />{' '}
            I accept the{' '}
            {termsUrl ? (
              <a href={termsUrl} rel="noopener noreferrer" target="_blank">
                partner terms
              </a>
            ) : (
              'partner terms'
            )}
          </label>
          <FieldError id="terms" message={errors.terms} />
          <button type="submit" class="primary">
            Apply
          </button>
        </form>
      </main>
    </Layout>
  )
}

export function JoinConfirmation({
  programName,
  active,
  portalUrl,
  link,
}: {
  programName: string
  active: boolean
  portalUrl: string | null
  link: string | null
}) {
  return (
    <Layout title={`Thank you · ${programName}`}>
      <main class="signin join">
        <section class="panel signin-card" aria-live="polite">
          <h1>Thank you for applying</h1>
          {active ? (
            <>
              <p>You are in: you can start sharing your link now.</p>
              {link ? (
                <p>
                  Your link: <code>{link}</code>
                </p>
              ) : null}
              {portalUrl ? (
                <p>
                  Your private portal (keep it to yourself): <a href={portalUrl}>open your portal</a>
                </p>
              ) : null}
            </>
          ) : (
            <p>
              The {programName} team will review your application. You will hear from them at the email
              address you gave.
            </p>
          )}
        </section>
      </main>
    </Layout>
  )
}
