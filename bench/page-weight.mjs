/**
 * Page weight of the dashboard on first load: the HTML, JS and CSS a signed-in browser fetches,
 * each gzipped (level 9 here; Cloudflare compresses on the wire with gzip or brotli). Target:
 * <= 100 KB gzipped in total.
 *
 * Run: `node bench/page-weight.mjs` (starts its own collector), or via `run({ collector })`.
 */
import { pathToFileURL } from 'node:url'
import { gzipSync } from 'node:zlib'

async function signIn(url, adminToken) {
  const form = await fetch(`${url}/dashboard/sign-in`)
  const cookie = form.headers.getSetCookie().map((c) => c.split(';')[0])
  const csrf = /name="_csrf" value="([^"]+)"/.exec(await form.text())?.[1] ?? ''
  const res = await fetch(`${url}/dashboard/sign-in`, {
    method: 'POST',
    redirect: 'manual',
    headers: {
      cookie: cookie.join('; '),
      'content-type': 'application/x-www-form-urlencoded',
      'sec-fetch-site': 'same-origin',
    },
    body: new URLSearchParams({ _csrf: csrf, token: adminToken }),
  })
  const session = res.headers.getSetCookie().find((c) => c.startsWith('rl_session='))
  if (!session) throw new Error(`sign-in failed: ${res.status}`)
  return session.split(';')[0]
}

export async function run({ collector }) {
  await collector.createProgram({ name: 'Page weight bench' })
  const cookie = await signIn(collector.url, collector.adminToken)
  const html = await (await fetch(`${collector.url}/dashboard`, { headers: { cookie } })).text()
  const assets = [...html.matchAll(/(?:src|href)="(\/assets\/[^"]+)"/g)].map((m) => m[1])
  const rows = [
    { name: '/dashboard (HTML)', raw: Buffer.byteLength(html), gz: gzipSync(html, { level: 9 }).length },
  ]
  for (const path of assets) {
    const body = Buffer.from(await (await fetch(`${collector.url}${path}`)).arrayBuffer())
    rows.push({ name: path, raw: body.length, gz: gzipSync(body, { level: 9 }).length })
  }
  const total = rows.reduce((a, r) => a + r.gz, 0)
  console.log('dashboard page weight, first load (bytes)')
  for (const r of rows)
    console.log(`  ${r.name.padEnd(36)} ${String(r.raw).padStart(8)} raw ${String(r.gz).padStart(8)} gzipped`)
  console.log(
    `  total gzipped: ${total} bytes (${(total / 1024).toFixed(1)} KB), target <= 100 KB: ${total <= 100 * 1024 ? 'met' : 'NOT met'}`,
  )
  return { total, rows }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { startCollector } = await import('../scripts/local-collector.mjs')
  const collector = await startCollector()
  try {
    await run({ collector })
  } finally {
    await collector.stop()
  }
}
