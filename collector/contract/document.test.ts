/**
 * The OpenAPI document as served by a real collector: valid under an independent validator
 * (@apidevtools/swagger-parser, OpenAPI 3.1 schema and references), and rendered in docs/api.md
 * exactly as it is now (regenerate with `node collector/contract/write-reference.mjs`).
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import SwaggerParser from '@apidevtools/swagger-parser'
import { describe, expect, inject, it } from 'vitest'
import { collectorDir } from '../../scripts/local-collector.mjs'
import { BEGIN, END, renderReference } from './reference.mjs'

// biome-ignore lint/suspicious/noExplicitAny: JSON answers and the document, read as they come
type Json = any

declare module 'vitest' {
  export interface ProvidedContext {
    contract: { url: string; prismUrl: string; adminToken: string; persistTo: string; docPath: string }
  }
}

const { url } = inject('contract')

async function served(): Promise<Json> {
  // A local wrangler dev restarts its worker when a source file changes; one retry covers that.
  const res = await fetch(`${url}/v1/openapi.json`).catch(() =>
    new Promise((r) => setTimeout(r, 1_000)).then(() => fetch(`${url}/v1/openapi.json`)),
  )
  expect(res.status).toBe(200)
  return res.json()
}

describe('the OpenAPI document', () => {
  it('is a valid OpenAPI 3.1 document under swagger-parser', async () => {
    const doc = await served()
    const api = (await SwaggerParser.validate(structuredClone(doc) as never)) as Json
    expect(api.openapi).toBe('3.1.0')
    expect(Object.keys(api.paths).length).toBeGreaterThan(25)
  })

  it('fails swagger-parser when broken (the check is real)', async () => {
    const doc = await served()
    doc.paths['/v1/conversions'].post.responses['201'].content['application/json'].schema = {
      $ref: '#/components/schemas/Missing',
    }
    await expect(SwaggerParser.validate(doc as never)).rejects.toThrow(/Missing/)
  })

  it('is what docs/api.md renders, byte for byte', async () => {
    const doc = await served()
    const md = readFileSync(join(collectorDir, '..', 'docs', 'api.md'), 'utf8')
    const start = md.indexOf(BEGIN)
    const end = md.indexOf(END)
    expect(
      start,
      'docs/api.md has no generated reference: run node collector/contract/write-reference.mjs',
    ).toBeGreaterThan(-1)
    expect(md.slice(start, end + END.length), 'run node collector/contract/write-reference.mjs').toBe(
      renderReference(doc),
    )
  })
})
