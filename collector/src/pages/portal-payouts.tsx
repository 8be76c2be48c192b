/**
 * The portal's money-out panel: the affiliate's balance (pending, approved, paid, per currency),
 * what can be said about the next payout, and their payout history. Server-rendered frames that
 * client/portal-payouts.ts fills from the portal's `data.json` and refreshes on live messages.
 */

export function PortalPayouts() {
  return (
    <section class="grid2" aria-label="Balance and payouts">
      <div class="panel">
        <h2>Your balance</h2>
        <p class="scope">All time · the same figures as the program's commission records</p>
        <div class="table-wrap">
          <table id="balance" class="data" data-empty="No commissions yet.">
            <thead>
              <tr>
                <th scope="col">Status</th>
                <th scope="col" class="num">
                  Amount
                </th>
              </tr>
            </thead>
            <tbody />
          </table>
        </div>
        <p id="next-payout" class="scope" role="status" />
      </div>
      <div class="panel">
        <h2>Payouts</h2>
        <p class="scope">Newest 20 · your own payout lines</p>
        <section class="table-wrap scroll" tabindex={0} aria-label="Payouts">
          <table
            id="payouts"
            class="data"
            data-empty="No payouts yet. Approved commissions are paid out in batches; they will be listed here."
          >
            <thead>
              <tr>
                <th scope="col">Period to</th>
                <th scope="col" class="num">
                  Amount
                </th>
                <th scope="col">Status</th>
                <th scope="col">Paid on</th>
              </tr>
            </thead>
            <tbody />
          </table>
        </section>
      </div>
    </section>
  )
}
