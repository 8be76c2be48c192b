/**
 * The Applications page: a live socket (live data, founders only) that keeps the pending count
 * current and says when new applications have come in since the page was loaded.
 */
import { setConnection, setText } from './dom'
import { connectLive } from './live'
import { applyApplication } from './pending'

const main = document.getElementById('applications-page')
const program = main?.dataset.program ?? ''
const notice = document.getElementById('new-applications')
let arrived = 0

connectLive({
  path: `/v1/live?${new URLSearchParams({ program, mode: 'live' })}`,
  onMessage(message) {
    if (message.type !== 'application') return
    applyApplication(message)
    if (message.affiliate.status !== 'pending' || !notice) return
    arrived++
    const text = notice.querySelector('[data-text]')
    if (text)
      setText(
        text,
        arrived === 1
          ? `New application from ${message.affiliate.name}.`
          : `${arrived} new applications since this page was loaded.`,
      )
    notice.hidden = false
  },
  onState: setConnection,
})
