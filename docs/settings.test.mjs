/**
 * Runs every `sh` example of docs/settings.md and docs/join-page.md, in order, one shell per
 * guide, against a real local collector, and checks what they print.
 */
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import { startCollector } from '../scripts/local-collector.mjs'

let collector
const dirs = []
before(async () => {
  collector = await startCollector()
})
after(async () => {
  await collector?.stop()
  for (const d of dirs) rmSync(d, { recursive: true, force: true })
})

/** The guide's examples in one shell, each program with its own slug; the outputs, one per block. */
async function runGuide(name) {
  const { program, keys } = await collector.createProgram({ name: `Docs ${name}` })
  const cwd = mkdtempSync(join(tmpdir(), `refline-${name}-docs-`))
  dirs.push(cwd)
  mkdirSync(join(cwd, '.refline'))
  writeFileSync(join(cwd, '.refline', 'dev.json'), JSON.stringify({ program, keys }))
  const doc = readFileSync(new URL(`./${name}.md`, import.meta.url), 'utf8')
  const blocks = [...doc.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) =>
    m[1].replaceAll('http://127.0.0.1:8787', collector.url).replaceAll('acme-partners', `acme-${name}`),
  )
  const script = blocks.map((b, i) => `${b}\necho "--- end of example ${i}"`).join('\n')
  const out = execFileSync('bash', ['-c', `set -eo pipefail\n${script}`], { cwd, encoding: 'utf8' })
  return out.split(/--- end of example \d+\n?/).map((s) => s.trim())
}

test('docs/settings.md examples run and print what the guide says', async () => {
  const [, opened, refused] = await runGuide('settings')
  assert.equal(
    opened,
    '{"commission":{"type":"percent","percent":35},"slug":"acme-settings","join":{"enabled":true,"auto_approve":false,"terms_url":"https://acme.example/partner-terms"}}',
  )
  assert.equal(refused, '"cookie_days"\n"join.open"\n"forbidden"')
})

test('docs/join-page.md examples run: open, apply, approve', async () => {
  const [opened, applied, approved] = await runGuide('join-page')
  assert.equal(
    opened,
    '{"enabled":true,"auto_approve":false,"terms_url":"https://acme.example/partner-terms"}',
  )
  assert.equal(applied, 'Thank you for applying')
  assert.equal(approved, 'active')
})
