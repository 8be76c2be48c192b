/**
 * Which rule produced a commission, in words, for the dashboard's commissions page: "Program
 * rule", "Affiliate override · recurring month 2", "Promotion “weekend” · bonus $10.00",
 * "Signup reward (affiliate override)". Pure, shared by the page's script and its tests.
 */
import { formatMoney } from '../pages/format'
import type { CommissionKind, CommissionRuleSource } from '../shared'

export function ruleLabel(kind: CommissionKind, rule: CommissionRuleSource | null, currency: string): string {
  if (kind === 'clawback') return 'Clawback of a paid commission'
  if (!rule) return 'Rule not recorded (made before rules were kept)'
  const parts: string[] = []
  switch (rule.source) {
    case 'program':
      parts.push('Program rule')
      break
    case 'affiliate':
      parts.push('Affiliate override')
      break
    case 'promotion':
      parts.push(`Promotion “${rule.promotion ?? '?'}”`)
      break
    case 'signup_reward':
      parts.push(rule.affiliate_override ? 'Signup reward (affiliate override)' : 'Signup reward (program)')
      break
  }
  if (rule.recurring_month !== undefined) parts.push(`recurring month ${rule.recurring_month}`)
  // A promotion that only added a bonus leaves the usual rule as the source.
  if (rule.promotion && rule.source !== 'promotion') parts.push(`in promotion “${rule.promotion}”`)
  if (rule.bonus) parts.push(`bonus ${formatMoney(rule.bonus, currency)}`)
  return parts.join(' · ')
}
