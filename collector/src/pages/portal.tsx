/**
 * The affiliate's portal, server-rendered: their referral links with copy buttons, live
 * counters from the hub, and the frames the client script fills and keeps live (chart, recent
 * signups, conversions, commissions), and the balance and payout history (portal-payouts.tsx).
 */
import type { Totals } from '../shared'
import { ChartPanels, Counters } from './dashboard'
import { Layout, Logo } from './layout'
import { PortalPayouts } from './portal-payouts'
import { type PortalLink, PortalTerms, type PortalTermsView } from './portal-terms'

export interface PortalProps {
  token: string
  affiliateName: string
  programName: string
  links: PortalLink[]
  totals: Totals
  test: boolean
  terms: PortalTermsView
  promoCodes: string[]
}

function ListPanel({ id, title, empty }: { id: string; title: string; empty: string }) {
  return (
    <div class="panel">
      <h2>{title}</h2>
      <section class="table-wrap scroll" tabindex={0} aria-label={title}>
        <table id={id} class="data" data-empty={empty}>
          <tbody />
        </table>
      </section>
    </div>
  )
}

export function PortalPage(p: PortalProps) {
  return (
    <Layout title={`${p.programName} partner portal · Refline`} script="portal">
      <header class="topbar">
        <Logo />
        <span class="topbar-title">
          {p.programName} <span class="muted">partner portal</span>
        </span>
        <span id="conn" class="conn" role="status" data-state="connecting">
          Connecting…
        </span>
      </header>
      <main id="app" class="wrap" data-token={p.token}>
        <h1 class="greeting">Welcome, {p.affiliateName}</h1>
        {p.test ? <p class="banner">Test affiliate: figures come from test-mode events.</p> : null}
        <section class="panel links" aria-label="Your referral links">
          <h2>Your referral links</h2>
          {p.links.map((l, i) => (
            <div class="link-row">
              <label class="link-label" for={`link-${i}`}>
                {l.label}
              </label>
              {/* A textarea wraps a long link on a phone instead of cutting it off; copy reads its value. */}
              <textarea
                id={`link-${i}`}
                class="link-url"
                readonly
                rows={2}
                aria-describedby={`link-use-${i}`}
              >
                {l.url}
              </textarea>
              <button type="button" class="copy" data-copy={`link-${i}`}>
                Copy
              </button>
              <p id={`link-use-${i}`} class="link-use muted">
                {l.use}
              </p>
            </div>
          ))}
        </section>
        <PortalTerms terms={p.terms} promoCodes={p.promoCodes} />
        <Counters totals={p.totals} label="Your all-time totals, updated live" />
        <ChartPanels
          subject="Your clicks, signups and conversions"
          dayTitle={
            <>
              Last 30 days <span class="muted">by day</span>
            </>
          }
        />
        <section class="grid3">
          <ListPanel
            id="signups"
            title="Recent signups"
            empty="No signups yet: share your link to get started."
          />
          <ListPanel id="conversions" title="Conversions" empty="No conversions yet." />
          <ListPanel id="commissions" title="Commissions" empty="No commissions yet." />
        </section>
        <PortalPayouts />
      </main>
    </Layout>
  )
}
