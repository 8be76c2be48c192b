/**
 * The count of pending applications beside "Applications" in the navigation (and on the
 * Applications page), kept live by the `application` message founders' sockets receive.
 */
import type { LiveMessage } from '../../shared'
import { setText } from './dom'

type ApplicationMessage = Extract<LiveMessage, { type: 'application' }>

export function applyApplication(message: ApplicationMessage): void {
  document.querySelectorAll<HTMLElement>('[data-pending-count]').forEach((badge) => {
    const value = badge.querySelector('[data-pending-value]')
    if (value) setText(value, String(message.pending))
    badge.hidden = message.pending === 0
  })
  const count = document.getElementById('pending-count')
  if (count) setText(count, String(message.pending))
}
