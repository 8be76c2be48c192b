/** The dashboard's sign-in page: the deployment's admin token, posted with a CSRF field. */
import { Layout, Logo } from './layout'

export function SignInPage({ csrf, error }: { csrf: string; error?: string }) {
  return (
    <Layout title="Sign in · Refline">
      <main class="signin">
        <form method="post" action="/dashboard/sign-in" class="panel signin-card">
          <Logo />
          <h1>Sign in to your dashboard</h1>
          <p class="muted">Use the admin token of this deployment (the ADMIN_TOKEN secret).</p>
          <input type="hidden" name="_csrf" value={csrf} />
          <label for="token">Admin token</label>
          <input
            id="token"
            name="token"
            type="password"
            autocomplete="current-password"
            required
            autofocus
            aria-invalid={error ? 'true' : undefined}
            aria-describedby={error ? 'signin-error' : undefined}
          />
          {error ? (
            <p id="signin-error" class="error" role="alert">
              {error}
            </p>
          ) : null}
          <button type="submit" class="primary">
            Sign in
          </button>
        </form>
      </main>
    </Layout>
  )
}
