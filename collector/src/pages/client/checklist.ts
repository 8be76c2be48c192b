/**
 * Ticks the first-run checklist (`#checklist`, rendered by programs/checklist.tsx) from live
 * messages: a click from the script ticks "Install the script" and "First click", any click the
 * latter, a signup and a conversion their steps. A snapshot ticks what its totals already show
 * (events that came while the socket was reconnecting).
 */
import type { LiveMessage } from '../../shared'
import { setText } from './dom'

type Step = 'script' | 'click' | 'signup' | 'conversion'

function stepsOf(message: LiveMessage): Step[] {
  if (message.type === 'snapshot') {
    const t = message.totals
    return [
      ...(t.clicks > 0 ? (['click'] as const) : []),
      ...(t.signups > 0 ? (['signup'] as const) : []),
      ...(t.conversions > 0 ? (['conversion'] as const) : []),
    ]
  }
  if (message.type === 'click') return message.source === 'script' ? ['script', 'click'] : ['click']
  if (message.type === 'signup') return ['signup']
  if (message.type === 'conversion') return ['conversion']
  return []
}

/** Applies one live message to the checklist, if the page has one. */
export function tickChecklist(message: LiveMessage): void {
  const root = document.getElementById('checklist')
  if (!root || root.dataset.complete === 'true') return
  const ticked: string[] = []
  for (const step of stepsOf(message)) {
    const item = root.querySelector<HTMLElement>(`[data-step="${step}"]`)
    if (!item || item.dataset.done === 'true') continue
    item.dataset.done = 'true'
    const state = item.querySelector('.check-state')
    if (state) setText(state, 'Done')
    ticked.push(item.querySelector('strong')?.textContent ?? step)
  }
  if (!ticked.length) return
  const items = [...root.querySelectorAll<HTMLElement>('[data-step]')]
  const done = items.filter((i) => i.dataset.done === 'true').length
  const count = document.getElementById('checklist-count')
  if (count) setText(count, String(done))
  const status = document.getElementById('checklist-status')
  if (status) setText(status, `${ticked.join(', ')}: done.`)
  if (done === items.length) {
    root.dataset.complete = 'true'
    const complete = document.getElementById('checklist-done')
    if (complete) complete.hidden = false
  }
}
