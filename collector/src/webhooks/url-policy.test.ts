import { describe, expect, it } from 'vitest'
import { checkWebhookUrl, isBlockedIpv4, isBlockedIpv6 } from './url-policy'

describe('webhook URL policy in production', () => {
  it.each([
    'https://hooks.example.com/refline',
    'https://api.example.co.uk:8443/in?x=1',
    'https://8.8.8.8/hook',
    'https://[2606:4700:4700::1111]/hook',
    'https://hooks.example.com./trailing-dot',
  ])('allows the public https URL %s', (url) => {
    expect(checkWebhookUrl(url, false)).toMatchObject({ ok: true })
  })

  it.each([
    ['http://hooks.example.com/', /https/],
    ['ftp://hooks.example.com/', /https/],
    ['not a url', /absolute/],
    ['https://localhost/hook', /public host/],
    ['https://LOCALHOST./hook', /public host/],
    ['https://api.localhost/hook', /public host/],
    ['https://printer.local/hook', /public host/],
    ['https://metadata.google.internal/computeMetadata/v1/', /public host/],
    ['https://intranet/hook', /public host/],
    ['https://router.home.arpa/', /public host/],
    ['https://127.0.0.1/hook', /private/],
    ['https://127.1/hook', /private/],
    ['https://2130706433/hook', /private/],
    ['https://0x7f000001/hook', /private/],
    ['https://0.0.0.0/hook', /private/],
    ['https://10.1.2.3/hook', /private/],
    ['https://172.16.0.1/hook', /private/],
    ['https://172.31.255.255/hook', /private/],
    ['https://192.168.1.1/hook', /private/],
    ['https://100.64.0.1/hook', /private/],
    ['https://100.100.100.200/latest/meta-data', /private/],
    ['https://169.254.169.254/latest/meta-data/', /private/],
    ['https://224.0.0.1/', /private/],
    ['https://255.255.255.255/', /private/],
    ['https://[::1]/hook', /private/],
    ['https://[::]/hook', /private/],
    ['https://[::ffff:127.0.0.1]/hook', /private/],
    ['https://[::ffff:10.0.0.1]/hook', /private/],
    ['https://[64:ff9b::a9fe:a9fe]/hook', /private/],
    ['https://[fc00::1]/hook', /private/],
    ['https://[fd00:ec2::254]/hook', /private/],
    ['https://[fe80::1]/hook', /private/],
    ['https://[ff02::1]/hook', /private/],
    [`https://example.com/${'a'.repeat(2100)}`, /2048/],
    ['https://example.com/#frag', /fragment/],
  ])('refuses %s', (url, reason) => {
    const verdict = checkWebhookUrl(url, false)
    expect(verdict.ok).toBe(false)
    if (!verdict.ok) expect(verdict.reason).toMatch(reason)
  })

  it('keeps 172.15.x and 172.32.x, which are public, apart from 172.16/12', () => {
    expect(isBlockedIpv4('172.15.255.255')).toBe(false)
    expect(isBlockedIpv4('172.32.0.0')).toBe(false)
    expect(isBlockedIpv4('172.16.0.0')).toBe(true)
  })

  it('reads every IPv6 spelling of the same address alike', () => {
    expect(isBlockedIpv6('0:0:0:0:0:0:0:1')).toBe(true)
    expect(isBlockedIpv6('::ffff:7f00:1')).toBe(true)
    expect(isBlockedIpv6('::ffff:808:808')).toBe(false)
    expect(isBlockedIpv6('2001:4860:4860::8888')).toBe(false)
    expect(isBlockedIpv6('not:an:address')).toBe(true)
  })
})

describe('webhook URL policy in local development', () => {
  it('allows http and private hosts when WEBHOOKS_ALLOW_PRIVATE is set', () => {
    expect(checkWebhookUrl('http://127.0.0.1:4000/hook', true)).toEqual({
      ok: true,
      url: 'http://127.0.0.1:4000/hook',
    })
    expect(checkWebhookUrl('http://localhost:3000/', true)).toMatchObject({ ok: true })
  })

  it('still refuses other schemes', () => {
    expect(checkWebhookUrl('file:///etc/passwd', true)).toMatchObject({ ok: false })
  })
})
