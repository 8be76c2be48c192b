/**
 * The dashboard's page navigation, one component so every page lists the same pages, and the
 * count of pending applications beside Applications (kept live by client/pending.ts where the
 * page has a live socket).
 */
import type { Mode } from '../shared'

export type DashboardPageName =
  | 'dashboard'
  | 'commissions'
  | 'payouts'
  | 'applications'
  | 'settings'
  | 'health'
  | 'programs'
  /** Not in the navigation: a customer's journey, reached from a conversion or commission. */
  | 'journey'

export interface DashboardNavProps {
  programId: string
  current: DashboardPageName
  /** Carried by the Dashboard, Commissions, Payouts and Health links (they have a test-data view). */
  mode?: Mode
  /** Applications waiting for a decision; omitted, no count is shown. */
  pending?: number
}

export function DashboardNav({ programId, current, mode, pending }: DashboardNavProps) {
  const program = `program=${encodeURIComponent(programId)}`
  const withMode = mode ? `${program}&mode=${mode}` : program
  const link = (name: DashboardPageName, href: string, label: string, extra?: unknown) => (
    <a href={href} aria-current={current === name ? 'page' : undefined}>
      {label}
      {extra}
    </a>
  )
  return (
    <nav class="seg" aria-label="Pages">
      {link('dashboard', `/dashboard?${withMode}`, 'Dashboard')}
      {link('commissions', `/dashboard/commissions?${withMode}`, 'Commissions')}
      {link('payouts', `/dashboard/payouts?${withMode}`, 'Payouts')}
      {link(
        'applications',
        `/dashboard/applications?${program}`,
        'Applications',
        pending === undefined ? null : (
          <span class="nav-count" data-pending-count hidden={pending === 0}>
            {' '}
            <span data-pending-value>{pending}</span>
            <span class="sr-only"> pending</span>
          </span>
        ),
      )}
      {link('health', `/dashboard/health?${withMode}`, 'Health')}
      {link('settings', `/dashboard/settings?${program}`, 'Settings')}
      {link('programs', `/dashboard/programs?${program}`, 'Programs')}
    </nav>
  )
}
