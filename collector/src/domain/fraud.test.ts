import { describe, expect, it } from 'vitest'
import {
  clickFloodAlertKey,
  DEFAULT_THRESHOLDS,
  emailDomain,
  fraudThresholds,
  ipBlocked,
  isAmountOutlier,
  isClickFlood,
  isConversionBurst,
  isDisposableEmail,
  isDuplicateCustomer,
  isRefundSpike,
  isSelfReferral,
  isTrackingGap,
  isUnattributedShareHigh,
  isValidBlocklistEntry,
  isWebhookFailing,
  median,
  paidClickIds,
  reasonText,
  trackingGapDueAt,
  windowBucket,
} from './fraud'

describe('fraud thresholds', () => {
  it('fills what a program did not set with the defaults', () => {
    const t = fraudThresholds({ click_flood: { max_clicks: 5, window_minutes: 60 } })
    expect(t.click_flood.max_clicks).toBe(5)
    expect(t.amount_outlier).toEqual(DEFAULT_THRESHOLDS.amount_outlier)
    expect(fraudThresholds(null).click_flood.max_clicks).toBe(30)
  })
})

describe('click flood', () => {
  it('lets 30 clicks from one IP hash through and flags the 31st and later', () => {
    const t = DEFAULT_THRESHOLDS.click_flood
    expect(isClickFlood(29, t)).toBe(false)
    expect(isClickFlood(30, t)).toBe(true)
    expect(isClickFlood(45, t)).toBe(true)
  })
  it('keys the alert by affiliate and clock hour', () => {
    const h = Date.UTC(2026, 0, 1, 10)
    expect(clickFloodAlertKey('aff_1', h)).toBe(clickFloodAlertKey('aff_1', h + 3_599_999))
    expect(clickFloodAlertKey('aff_1', h)).not.toBe(clickFloodAlertKey('aff_1', h + 3_600_000))
    expect(clickFloodAlertKey('aff_1', h)).not.toBe(clickFloodAlertKey('aff_2', h))
  })
})

describe('self-referral', () => {
  const base = { emailHash: null, affiliateEmailHash: 'a', clickIpHash: null, portalIpHashes: [] }
  it('fires on the affiliate’s own email', () => {
    expect(isSelfReferral({ ...base, emailHash: 'a' })).toBe(true)
    expect(isSelfReferral({ ...base, emailHash: 'b' })).toBe(false)
  })
  it('fires on a click from the browser the affiliate’s portal is opened from', () => {
    expect(isSelfReferral({ ...base, clickIpHash: 'ip1', portalIpHashes: ['ip0', 'ip1'] })).toBe(true)
    expect(isSelfReferral({ ...base, clickIpHash: 'ip2', portalIpHashes: ['ip0', 'ip1'] })).toBe(false)
  })
})

describe('duplicate customer', () => {
  it('fires only for one-time commissions when another customer has the email', () => {
    expect(isDuplicateCustomer(0, 1)).toBe(true)
    expect(isDuplicateCustomer(0, 0)).toBe(false)
    expect(isDuplicateCustomer(12, 1)).toBe(false)
    expect(isDuplicateCustomer(null, 3)).toBe(false)
  })
})

describe('disposable email', () => {
  it('knows throw-away mailboxes and their subdomains, not ordinary ones', async () => {
    expect(emailDomain('Jane@Mailinator.COM.')).toBe('mailinator.com')
    expect(await isDisposableEmail('x@mailinator.com')).toBe(true)
    expect(await isDisposableEmail('x@sub.10mail.org')).toBe(true)
    expect(await isDisposableEmail('jane@gmail.com')).toBe(false)
    expect(await isDisposableEmail('not-an-email')).toBe(false)
  })
})

describe('paid traffic', () => {
  it('finds the ad networks’ click ids in the landing URL', () => {
    expect(paidClickIds('https://a.example/?ref=x&gclid=abc&fbclid=d')).toEqual(['gclid', 'fbclid'])
    expect(paidClickIds('https://a.example/?ref=x&msclkid=1&ttclid=2')).toEqual(['msclkid', 'ttclid'])
    expect(paidClickIds('https://a.example/?gclid=')).toEqual([])
    expect(paidClickIds('not a url')).toEqual([])
  })
})

describe('IP blocklist', () => {
  it('matches addresses and CIDR ranges, IPv4 and IPv6', () => {
    const list = ['203.0.113.0/24', '198.51.100.7', '2001:db8::/32']
    expect(ipBlocked('203.0.113.99', list)).toBe(true)
    expect(ipBlocked('203.0.114.1', list)).toBe(false)
    expect(ipBlocked('198.51.100.7', list)).toBe(true)
    expect(ipBlocked('198.51.100.8', list)).toBe(false)
    expect(ipBlocked('2001:db8:1::5', list)).toBe(true)
    expect(ipBlocked('2001:db9::5', list)).toBe(false)
    expect(ipBlocked('::ffff:203.0.113.5', list)).toBe(true)
    expect(ipBlocked('garbage', list)).toBe(false)
    expect(ipBlocked('0.0.0.1', ['0.0.0.0/0'])).toBe(true)
  })
  it('accepts only well-formed entries', () => {
    expect(isValidBlocklistEntry('10.0.0.0/8')).toBe(true)
    expect(isValidBlocklistEntry('::1')).toBe(true)
    expect(isValidBlocklistEntry('10.0.0.0/33')).toBe(false)
    expect(isValidBlocklistEntry('10.0.0.256')).toBe(false)
    expect(isValidBlocklistEntry('10.0.0.0/8/1')).toBe(false)
    expect(isValidBlocklistEntry('example.com')).toBe(false)
  })
})

describe('conversion amount and burst', () => {
  const t = DEFAULT_THRESHOLDS.amount_outlier
  it('computes the median', () => {
    expect(median([3, 1, 2])).toBe(2)
    expect(median([4, 1, 2, 3])).toBe(2.5)
    expect(median([])).toBeNull()
  })
  it('flags an amount more than 10× the median once there are enough earlier ones', () => {
    const usual = [4900, 4900, 5000, 4800, 4900]
    expect(isAmountOutlier(49_001, usual, t).outlier).toBe(true)
    expect(isAmountOutlier(49_000, usual, t).outlier).toBe(false)
    expect(isAmountOutlier(1_000_000, usual.slice(0, 4), t).outlier).toBe(false)
  })
  it('flags the 11th conversion from one affiliate within the window', () => {
    const b = DEFAULT_THRESHOLDS.conversion_burst
    expect(isConversionBurst(9, b)).toBe(false)
    expect(isConversionBurst(10, b)).toBe(true)
  })
})

describe('reason text', () => {
  it('lists the reasons in a fixed order, once each', () => {
    expect(reasonText(['click_flood', 'self_referral', 'click_flood'])).toBe('self_referral,click_flood')
    expect(reasonText([])).toBeNull()
  })
})

describe('tracking health rules', () => {
  const H = 3_600_000
  it('finds a tracking gap only in a busy program, from the hour it is due', () => {
    const t = { hours: 24, min_clicks_7d: 50 }
    expect(isTrackingGap(0, 50, 24 * H - 1, t)).toBe(false)
    expect(isTrackingGap(0, 50, 24 * H, t)).toBe(true)
    expect(isTrackingGap(0, 49, 48 * H, t)).toBe(false)
    expect(isTrackingGap(null, 500, 48 * H, t)).toBe(false)
    expect(isTrackingGap(0, 500, 48 * H, { ...t, hours: 0 })).toBe(false)
    expect(trackingGapDueAt(1_000, t)).toBe(1_000 + 24 * H)
    expect(trackingGapDueAt(1_000, { ...t, hours: 0 })).toBeNull()
  })
  it('counts the unattributed share and refund spikes at their edges', () => {
    const u = { max_share: 0.5, min_conversions: 4, window_hours: 24 }
    expect(isUnattributedShareHigh({ conversions: 3, unattributed: 3 }, u)).toBe(false)
    expect(isUnattributedShareHigh({ conversions: 4, unattributed: 2 }, u)).toBe(false)
    expect(isUnattributedShareHigh({ conversions: 4, unattributed: 3 }, u)).toBe(true)
    const r = { min_refunds: 2, max_share: 0.5, window_hours: 24 }
    expect(isRefundSpike({ conversions: 0, refunds: 1 }, r)).toBe(false)
    expect(isRefundSpike({ conversions: 4, refunds: 2 }, r)).toBe(false)
    expect(isRefundSpike({ conversions: 4, refunds: 3 }, r)).toBe(true)
    expect(isRefundSpike({ conversions: 0, refunds: 2 }, r)).toBe(true)
  })
  it('alerts on a failing webhook at the threshold, or when given up or disabled', () => {
    const t = { failures: 3 }
    expect(isWebhookFailing({ attempts: 2, given_up: false, disabled: false }, t)).toBe(false)
    expect(isWebhookFailing({ attempts: 3, given_up: false, disabled: false }, t)).toBe(true)
    expect(isWebhookFailing({ attempts: 1, given_up: true, disabled: false }, t)).toBe(true)
    expect(isWebhookFailing({ attempts: 1, given_up: false, disabled: true }, t)).toBe(true)
    expect(windowBucket(24 * H - 1, 24)).toBe(0)
    expect(windowBucket(24 * H, 24)).toBe(1)
  })
})
