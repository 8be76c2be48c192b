/**
 * The HTML frame shared by the dashboard, the sign-in page and the affiliate portal: one
 * stylesheet and one deferred script from `/assets` (content-hashed, cached for a year), no
 * inline script or style, so the strict Content-Security-Policy below holds.
 */
import type { Context } from 'hono'
import type { Child } from 'hono/jsx'
import { ASSET_PATHS } from '../generated/assets'

export const PAGE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ')

/** Security headers of every page; the portal's URL is a credential, so no Referer leaves it. */
export function pageHeaders(c: Context): void {
  c.header('Content-Security-Policy', PAGE_CSP)
  c.header('Referrer-Policy', 'no-referrer')
  c.header('X-Content-Type-Options', 'nosniff')
  c.header('Cache-Control', 'no-store')
}

export interface LayoutProps {
  title: string
  script?:
    | 'dashboard'
    | 'portal'
    | 'payouts'
    | 'affiliate'
    | 'programs'
    | 'applications'
    | 'copy'
    | 'commissions'
  csrf?: string
  children: Child
}

export function Layout({ title, script, csrf, children }: LayoutProps) {
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="robots" content="noindex" />
        {csrf ? <meta name="csrf-token" content={csrf} /> : null}
        <title>{title}</title>
        <link rel="stylesheet" href={ASSET_PATHS['app.css']} />
        {script ? <script defer src={ASSET_PATHS[`${script}.js`]} /> : null}
      </head>
      <body>{children}</body>
    </html>
  )
}

/** The product mark, an inline SVG (no request, no inline script). */
export function Logo() {
  return (
    <span class="logo">
      <svg width="22" height="22" viewBox="0 0 24 24" aria-hidden="true">
        <rect width="24" height="24" rx="6" fill="currentColor" />
        <path
          d="M7 17V7h5.2a3.3 3.3 0 0 1 .6 6.5L16 17h-2.6l-2.9-3.3H9.3V17Zm2.3-5.3h2.8a1.3 1.3 0 0 0 0-2.7H9.3Z"
          fill="#fff"
        />
      </svg>
      Refline
    </span>
  )
}
