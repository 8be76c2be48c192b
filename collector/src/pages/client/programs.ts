/**
 * The Programs page: copy buttons for the keys and snippets shown once, and, right after a
 * program is created, a live socket (live data) that ticks its first-run checklist.
 */
import { tickChecklist } from './checklist'
import { setConnection, wireCopyButtons } from './dom'
import { connectLive } from './live'

wireCopyButtons()
const program = document.getElementById('programs-page')?.dataset.liveProgram
if (program) {
  connectLive({
    path: `/v1/live?${new URLSearchParams({ program, mode: 'live' })}`,
    onMessage: tickChecklist,
    onState: setConnection,
  })
}
