/**
 * Which URLs an endpoint may have (SSRF protection). Outside local development only `https` URLs
 * whose host is a public name or a public IP address literal; loopback, private, carrier-grade
 * NAT, link-local, unspecified, multicast, reserved and cloud-metadata addresses, and names that
 * only resolve inside a network (`localhost`, `*.local`, `*.internal`, single labels…) are refused.
 * Checked when an endpoint is created and again before every send. Local development sets
 * `WEBHOOKS_ALLOW_PRIVATE=true`, which allows `http` and every host (never set in wrangler.jsonc).
 *
 * The WHATWG URL parser already turns `http://2130706433/`, `http://0x7f.1/` and `[::ffff:127.0.0.1]`
 * into their canonical forms, so the checks below see `127.0.0.1` and `[::ffff:7f00:1]`.
 */

export const MAX_URL_LENGTH = 2048

export type UrlVerdict = { ok: true; url: string } | { ok: false; reason: string }

/** Names that never point at the public internet (RFC 6761, RFC 8375, common internal zones). */
const LOCAL_SUFFIXES = ['localhost', 'local', 'internal', 'intranet', 'lan', 'home.arpa', 'corp', 'private']

/** IPv4 ranges that are not publicly routable: [network, prefix length]. */
const IPV4_BLOCKED: Array<[string, number]> = [
  ['0.0.0.0', 8], // "this network", includes the unspecified address
  ['10.0.0.0', 8],
  ['100.64.0.0', 10], // carrier-grade NAT (also Alibaba's metadata 100.100.100.200)
  ['127.0.0.0', 8],
  ['169.254.0.0', 16], // link-local, includes 169.254.169.254 (cloud metadata)
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.88.99.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved and broadcast
]

function ipv4ToNumber(ip: string): number | null {
  const parts = ip.split('.')
  if (parts.length !== 4) return null
  let n = 0
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p) || Number(p) > 255) return null
    n = n * 256 + Number(p)
  }
  return n
}

export function isBlockedIpv4(ip: string): boolean {
  const n = ipv4ToNumber(ip)
  if (n === null) return true
  return IPV4_BLOCKED.some(([base, bits]) => {
    const b = ipv4ToNumber(base) as number
    const size = 2 ** (32 - bits)
    return n >= b && n < b + size
  })
}

/** Eight 16-bit groups of an IPv6 address (with `::` and an embedded IPv4 tail), or null. */
function ipv6Groups(ip: string): number[] | null {
  let text = ip
  const tail: number[] = []
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text)
  if (v4) {
    const n = ipv4ToNumber(v4[1] as string)
    if (n === null) return null
    tail.push(Math.floor(n / 65536), n % 65536)
    text = `${text.slice(0, -(v4[1] as string).length)}0:0`
  }
  const halves = text.split('::')
  if (halves.length > 2) return null
  const parse = (s: string) => (s ? s.split(':') : [])
  const head = parse(halves[0] as string)
  const rest = halves.length === 2 ? parse(halves[1] as string) : []
  const missing = 8 - head.length - rest.length
  if (halves.length === 2 ? missing < 0 : missing !== 0) return null
  const all = [...head, ...Array(halves.length === 2 ? missing : 0).fill('0'), ...rest]
  const groups: number[] = []
  for (const g of all) {
    if (!/^[0-9a-f]{1,4}$/i.test(g)) return null
    groups.push(Number.parseInt(g, 16))
  }
  if (tail.length) groups.splice(6, 2, ...tail)
  return groups.length === 8 ? groups : null
}

export function isBlockedIpv6(ip: string): boolean {
  const g = ipv6Groups(ip)
  if (!g) return true
  const [a = 0, b = 0, c = 0, d = 0, e = 0, f = 0, h = 0, i = 0] = g
  const zeroHead = a === 0 && b === 0 && c === 0 && d === 0 && e === 0
  if (zeroHead && f === 0) return true // ::, ::1 and the deprecated IPv4-compatible ::a.b.c.d
  const v4 = `${h >> 8}.${h & 255}.${i >> 8}.${i & 255}`
  if (zeroHead && f === 0xffff) return isBlockedIpv4(v4) // IPv4-mapped
  if (a === 0x64 && b === 0xff9b && c === 0 && d === 0 && e === 0 && f === 0) return isBlockedIpv4(v4) // NAT64
  if ((a & 0xfe00) === 0xfc00) return true // unique local fc00::/7 (includes AWS fd00:ec2::254)
  if ((a & 0xffc0) === 0xfe80) return true // link-local fe80::/10
  if ((a & 0xffc0) === 0xfec0) return true // deprecated site-local fec0::/10
  if ((a & 0xff00) === 0xff00) return true // multicast
  if (a === 0x2001 && b === 0x0db8) return true // documentation
  if (a === 0x0100 && b === 0 && c === 0 && d === 0) return true // discard-only 100::/64
  return false
}

function isLocalName(host: string): boolean {
  if (!host.includes('.')) return true // single label: resolved by a local search domain, never public
  return LOCAL_SUFFIXES.some((s) => host === s || host.endsWith(`.${s}`))
}

/**
 * Whether `raw` may be a webhook endpoint. Returns the normalised URL (as the URL parser writes it)
 * so the stored URL is exactly the one that was checked.
 */
export function checkWebhookUrl(raw: string, allowPrivate: boolean): UrlVerdict {
  if (raw.length > MAX_URL_LENGTH)
    return { ok: false, reason: `url must be at most ${MAX_URL_LENGTH} characters` }
  let url: URL
  try {
    url = new URL(raw)
  } catch {
    return { ok: false, reason: 'url must be an absolute URL' }
  }
  if (url.protocol !== 'https:' && !(allowPrivate && url.protocol === 'http:')) {
    return { ok: false, reason: allowPrivate ? 'url must be http or https' : 'url must use https' }
  }
  if (url.hash) return { ok: false, reason: 'url must not have a #fragment' }
  const normalised = url.toString()
  if (allowPrivate) return { ok: true, url: normalised }
  const host = url.hostname.toLowerCase().replace(/\.$/, '')
  if (host.startsWith('[')) {
    if (isBlockedIpv6(host.slice(1, -1))) {
      return { ok: false, reason: 'url must not point at a private, loopback or link-local address' }
    }
  } else if (/^[\d.]+$/.test(host)) {
    if (isBlockedIpv4(host)) {
      return { ok: false, reason: 'url must not point at a private, loopback or link-local address' }
    }
  } else if (isLocalName(host)) {
    return { ok: false, reason: 'url must name a public host (not localhost, *.local, *.internal…)' }
  }
  return { ok: true, url: normalised }
}
