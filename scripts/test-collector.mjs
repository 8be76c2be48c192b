/**
 * vitest globalSetup: one real collector (wrangler dev, workerd, a fresh local D1) for a package's
 * whole test run, torn down after it. Test files reach it through `inject('collector')` =
 * `{ url, adminToken, persistTo }` and `collectorClient()`; each file or test creates its own
 * program and reads only that program's rows, so files can share it (and run side by side).
 * Affiliate codes are unique across programs: tests sharing a collector use distinct codes.
 *
 * @example
 * // vitest.config.ts
 * export default defineConfig({ test: { globalSetup: ['../scripts/test-collector.mjs'] } })
 * // a test
 * const { keys } = await collectorClient(inject('collector')).createProgram({ name: 'Acme' })
 */
import { startCollector } from './local-collector.mjs'

export default async function setup(project) {
  const collector = await startCollector()
  project.provide('collector', {
    url: collector.url,
    adminToken: collector.adminToken,
    persistTo: collector.persistTo,
  })
  return () => collector.stop()
}
