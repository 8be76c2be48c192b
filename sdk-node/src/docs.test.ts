/** Keeps docs/node-sdk.md honest: its snippets are the tested code, and every method is documented. */
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { Refline } from './client.js'

const read = (path: string) => readFileSync(new URL(path, import.meta.url), 'utf8')
const doc = read('../../docs/node-sdk.md')

/** Code blocks of a ```ts fence under the given heading. */
function blocksUnder(heading: string): string[] {
  const section = doc.slice(doc.indexOf(heading)).split(/\n#{2,3} /)[0]!
  return [...section.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]!)
}

/** Lines of `code`, without indentation, blank lines and comments-only lines. */
const lines = (code: string) =>
  code
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('//') && !l.startsWith('/*') && !l.startsWith('*'))

describe('docs/node-sdk.md', () => {
  it('shows the Hono app exactly as the workerd test runs it', () => {
    const snippet = read('../test/snippets/hono-app.ts').split('\n').slice(1).join('\n')
    expect(blocksUnder('### Hono on Cloudflare Workers')[0]).toBe(snippet.trimStart())
  })

  it('shows the node:http signup route as the demo has it', () => {
    const demo = lines(read('../../examples/saas-demo/server.ts')).join('\n')
    const shown = lines(blocksUnder('### node:http')[0]!).join('\n')
    expect(demo).toContain(shown)
  })

  it('documents every public method', () => {
    const methods = Object.getOwnPropertyNames(Refline.prototype).filter((m) => m !== 'constructor')
    const statics = ['clickIdFrom', 'verifyWebhook']
    for (const name of [...methods, ...statics]) expect(doc).toContain(`${name}(`)
  })
})
