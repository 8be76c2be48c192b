/**
 * Floods a real local collector (wrangler dev) from one address with sign-in guesses, unknown
 * secret keys and clicks, and prints how it answered and how fast: with the rate limits, all but
 * the first few are `429` with `Retry-After`. `REFLINE_SCRIPTS=<dir>` points at another checkout's
 * scripts/ to measure that code instead.
 */
const scripts = process.env.REFLINE_SCRIPTS ?? new URL('../scripts/', import.meta.url).pathname
const { startCollector } = await import(`${scripts.replace(/\/$/, '')}/local-collector.mjs`)

const IN_FLIGHT = 20

async function flood(n, make) {
  const counts = {}
  const t0 = performance.now()
  for (let i = 0; i < n; i += IN_FLIGHT) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(IN_FLIGHT, n - i) }, (_, j) =>
        make(i + j).then(async (r) => {
          await r.arrayBuffer()
          return r.status
        }),
      ),
    )
    for (const status of batch) counts[status] = (counts[status] ?? 0) + 1
  }
  return { answers: counts, 'per second': Math.round(n / ((performance.now() - t0) / 1000)) }
}

const collector = await startCollector()
const url = collector.url
try {
  const { keys } = await collector.createProgram({ name: 'Flood' })
  const page = await fetch(`${url}/dashboard/sign-in`)
  const cookie = (page.headers.get('set-cookie') ?? '').split(';')[0]
  const csrf = /name="_csrf" value="([^"]+)"/.exec(await page.text())?.[1] ?? ''
  const rows = {
    '300 sign-in guesses': await flood(300, (i) =>
      fetch(`${url}/dashboard/sign-in`, {
        method: 'POST',
        redirect: 'manual',
        headers: {
          cookie,
          'content-type': 'application/x-www-form-urlencoded',
          'sec-fetch-site': 'same-origin',
        },
        body: new URLSearchParams({ _csrf: csrf, token: `guess-${i}-xxxxxxxxxxxxxxxx` }).toString(),
      }),
    ),
    '500 unknown secret keys': await flood(500, (i) =>
      fetch(`${url}/v1/stats`, {
        headers: { authorization: `Bearer sk_live_guess${String(i).padStart(20, '0')}` },
      }),
    ),
    '400 clicks, one publishable key': await flood(400, (i) =>
      fetch(`${url}/v1/clicks`, {
        method: 'POST',
        headers: { 'content-type': 'text/plain' },
        body: JSON.stringify({
          key: keys.publishable,
          ref: 'nobody',
          url: 'https://x.example/',
          click_id: `flood${String(i).padStart(17, '0')}`,
        }),
      }),
    ),
  }
  console.table(
    Object.entries(rows).map(([flood, r]) => ({ flood, ...r, answers: JSON.stringify(r.answers) })),
  )
  const limited = await fetch(`${url}/v1/stats`, { headers: { authorization: 'Bearer sk_live_guess' } })
  console.log('next failed auth: %d, Retry-After: %s', limited.status, limited.headers.get('retry-after'))
  const good = await fetch(`${url}/v1/stats`, { headers: { authorization: `Bearer ${keys.secret}` } })
  console.log('the valid secret key from the same address meanwhile: %d', good.status)
} finally {
  await collector.stop()
}
