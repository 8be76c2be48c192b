/**
 * The founder's payouts page, `/dashboard/payouts`: make a payout up to a period end, review its
 * lines, download the PayPal and export CSVs, and mark it paid behind a confirmation step. The
 * page follows one filter, the data mode (live or test); the client script
 * (client/payouts.ts) fills the frames from `/dashboard/api/payouts`.
 */
import type { Mode } from '../shared'
import { Layout, Logo } from './layout'
import { DashboardNav } from './nav'

export interface PayoutsPageProps {
  csrf: string
  programs: Array<{ id: string; name: string }>
  programId: string
  mode: Mode
  /** Applications waiting for a decision, beside Applications in the navigation. */
  pending?: number
  /** Today in UTC, `YYYY-MM-DD`: the default period end. */
  today: string
}

const href = (path: string, programId: string, mode: Mode) =>
  `${path}?program=${encodeURIComponent(programId)}&mode=${mode}`

export function PayoutsPage(p: PayoutsPageProps) {
  const program = p.programs.find((x) => x.id === p.programId)
  const scope = `${program?.name ?? 'Program'} · ${p.mode === 'test' ? 'test' : 'live'} data · every affiliate`
  return (
    <Layout title={`Payouts · ${program?.name ?? 'Refline'}`} script="payouts" csrf={p.csrf}>
      <header class="topbar">
        <Logo />
        <span class="topbar-title">
          {program?.name} <span class="muted">payouts</span>
        </span>
        <DashboardNav
          programId={p.programId}
          current="payouts"
          mode={p.mode}
          {...(p.pending === undefined ? {} : { pending: p.pending })}
        />
        <nav class="seg" aria-label="Data mode">
          <a
            href={href('/dashboard/payouts', p.programId, 'live')}
            aria-current={p.mode === 'live' ? 'page' : undefined}
          >
            Live
          </a>
          <a
            href={href('/dashboard/payouts', p.programId, 'test')}
            aria-current={p.mode === 'test' ? 'page' : undefined}
          >
            Test data
          </a>
        </nav>
      </header>
      <main id="app" class="wrap" data-program={p.programId} data-mode={p.mode}>
        {p.mode === 'test' ? <p class="banner">Viewing test data: payouts of test commissions.</p> : null}
        <section class="grid-main">
          <div class="panel">
            <h2>Payouts</h2>
            <p class="scope">{`${scope} · newest 50`}</p>
            <section class="table-wrap scroll" tabindex={0} aria-label="Payouts list">
              <table id="payout-list" class="data" data-empty="No payouts yet." aria-label="Payouts">
                <thead>
                  <tr>
                    <th scope="col">Created</th>
                    <th scope="col">Period to</th>
                    <th scope="col">Status</th>
                    <th scope="col" class="num">
                      Total
                    </th>
                    <th scope="col" class="num">
                      Lines
                    </th>
                    <th scope="col">
                      <span class="sr-only">Actions</span>
                    </th>
                  </tr>
                </thead>
                <tbody />
              </table>
            </section>
          </div>
          <div class="side">
            <div class="panel">
              <h2>New payout</h2>
              <form id="new-payout" class="stack">
                <label>
                  Period end <span class="muted">(end of that day, UTC)</span>
                  <input type="date" name="period_end" value={p.today} max={p.today} required />
                </label>
                <button type="submit" class="primary">
                  Create payout
                </button>
                <p class="error" role="alert" hidden />
              </form>
              <p class="scope">
                Gathers each affiliate's approved commissions created up to the period end and in no payout
                yet, netted with unpaid clawbacks. A balance below the program's minimum payout, or not above
                zero, waits for a later payout.
              </p>
              <p id="new-payout-result" class="scope" role="status" />
            </div>
          </div>
        </section>
        <section id="payout-detail" class="panel" hidden aria-labelledby="payout-title">
          <div class="panel-head">
            <h2 id="payout-title">Payout</h2>
            <span id="payout-status-pill" />
          </div>
          <p id="payout-summary" class="scope" />
          <section class="table-wrap scroll" tabindex={0} aria-label="Payout lines">
            <table id="payout-items" class="data" data-empty="No lines." aria-label="Payout lines">
              <thead>
                <tr>
                  <th scope="col">Affiliate</th>
                  <th scope="col">Email</th>
                  <th scope="col" class="num">
                    Amount
                  </th>
                  <th scope="col" class="num">
                    Commissions
                  </th>
                </tr>
              </thead>
              <tbody />
            </table>
          </section>
          <p id="payout-downloads" class="actions" />
          <div id="payout-actions" class="actions" />
          <p id="payout-message" class="sr-only" role="status" />
        </section>
      </main>
    </Layout>
  )
}
