import { describe, expect, it } from 'vitest'
import { ruleLabel } from './rule-label'

describe('ruleLabel', () => {
  it('names each source, the recurring month, a promotion’s bonus and the signup reward’s owner', () => {
    expect(ruleLabel('conversion', { source: 'program' }, 'USD')).toBe('Program rule')
    expect(ruleLabel('conversion', { source: 'affiliate', recurring_month: 2 }, 'USD')).toBe(
      'Affiliate override · recurring month 2',
    )
    expect(ruleLabel('conversion', { source: 'promotion', promotion: 'weekend', bonus: 1000 }, 'USD')).toBe(
      'Promotion “weekend” · bonus $10.00',
    )
    expect(ruleLabel('conversion', { source: 'program', promotion: 'jane-bonus', bonus: 500 }, 'USD')).toBe(
      'Program rule · in promotion “jane-bonus” · bonus $5.00',
    )
    expect(ruleLabel('signup', { source: 'signup_reward' }, 'USD')).toBe('Signup reward (program)')
    expect(ruleLabel('signup', { source: 'signup_reward', affiliate_override: true }, 'USD')).toBe(
      'Signup reward (affiliate override)',
    )
    expect(ruleLabel('clawback', null, 'USD')).toBe('Clawback of a paid commission')
    expect(ruleLabel('conversion', null, 'USD')).toBe('Rule not recorded (made before rules were kept)')
  })
})
