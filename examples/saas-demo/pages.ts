/** The demo's HTML. Plain template strings: nothing here is specific to Refline except the script tag. */

export interface PageUser {
  email: string
  plan: 'free' | 'pro'
  /** Paid through the simulated Stripe checkout (refunds then go through Stripe too). */
  stripeSale?: unknown
}

const escapeHtml = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!)

function layout(refline: { baseUrl: string; publishableKey: string }, title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>${escapeHtml(title)} · Acme Analytics</title>
  <!-- Refline: reads ?ref=, sets the rl_click cookie, fills refline_click_id inputs. -->
  <script defer src="${escapeHtml(refline.baseUrl)}/r.js" data-key="${escapeHtml(refline.publishableKey)}"></script>
  <style>
    body { font: 16px/1.5 system-ui, sans-serif; max-width: 40rem; margin: 3rem auto; padding: 0 1rem; color: #1a1a2e; }
    input, button { font: inherit; padding: .5rem .75rem; }
    button { cursor: pointer; }
    .notice { background: #eef6ff; border-left: 4px solid #3b82f6; padding: .5rem 1rem; }
    .error { background: #fff1f0; border-color: #ef4444; }
    small { color: #555; }
  </style>
</head>
<body>
${body}
</body>
</html>`
}

type Refline = { baseUrl: string; publishableKey: string }

export function landingPage(refline: Refline, signedIn: boolean, clickId: string | undefined): string {
  return layout(
    refline,
    'Analytics for busy founders',
    `<h1>Acme Analytics</h1>
<p>Dashboards your team will actually open. Free to start, $49 a month for Pro.</p>
${
  signedIn
    ? '<p><a href="/pricing">Go to your account →</a></p>'
    : `<form method="post" action="/signup">
  <label>Work email <input type="email" name="email" required placeholder="you@company.com"></label>
  <!-- Filled by r.js with the visitor's click id, so the signup is attributed to the affiliate. -->
  <input type="hidden" name="refline_click_id">
  <button type="submit">Start free</button>
</form>`
}
<p><small>Referral cookie seen by the server: <code id="click-id">${clickId ? escapeHtml(clickId) : 'none'}</code></small></p>`,
  )
}

export function pricingPage(
  refline: Refline,
  user: PageUser,
  flash?: { text: string; error: boolean },
): string {
  return layout(
    refline,
    'Pricing',
    `<h1>Pricing</h1>
<p>Signed in as <strong id="email">${escapeHtml(user.email)}</strong> · plan: <strong id="plan">${user.plan}</strong></p>
${flash ? `<p class="notice${flash.error ? ' error' : ''}" id="flash">${escapeHtml(flash.text)}</p>` : ''}
${
  user.plan === 'free'
    ? `<h2>Pro — $49</h2>
<form method="post" action="/upgrade"><button type="submit" id="upgrade">Upgrade</button></form>
<form method="post" action="/stripe-checkout"><button type="submit" id="stripe-upgrade">Pay with Stripe (simulated)</button>
<small>No code: Stripe's signed webhooks tell Refline.</small></form>`
    : `<p>Thanks for upgrading! Changed your mind?</p>
<form method="post" action="${user.stripeSale ? '/stripe-refund' : '/refund'}"><button type="submit" id="refund">Refund</button></form>`
}
<form method="post" action="/logout"><button type="submit">Sign out</button></form>`,
  )
}
