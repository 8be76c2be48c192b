/**
 * Regenerates the endpoint reference in docs/api.md from the collector's OpenAPI document.
 * Starts a real local collector (fresh local D1) for it unless `--url` names a running one.
 *
 * @example
 * node collector/contract/write-reference.mjs                       # starts its own collector
 * node collector/contract/write-reference.mjs --url http://127.0.0.1:8787
 */
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { collectorDir, startCollector } from '../../scripts/local-collector.mjs'
import { withReference } from './reference.mjs'

const apiMd = join(collectorDir, '..', 'docs', 'api.md')
const at = process.argv.indexOf('--url')
const given = at === -1 ? null : process.argv[at + 1]
const collector = given ? null : await startCollector()
try {
  const url = given ?? collector.url
  const doc = await (await fetch(`${url}/v1/openapi.json`)).json()
  writeFileSync(apiMd, withReference(readFileSync(apiMd, 'utf8'), doc))
  console.log(`docs/api.md: reference of ${Object.keys(doc.paths).length} paths written`)
} finally {
  await collector?.stop()
}
