/**
 * The one real collector a test run shares. `pnpm test` (scripts/test.mjs) starts a single
 * collector and hands it to every package through `REFLINE_TEST_COLLECTOR`; a package's tests run
 * on their own (`pnpm --filter @refline/node test`) start one for themselves. Either way each test
 * creates its own program, so tests never see each other's data.
 *
 * As a vitest globalSetup it provides `inject('collector')` = `{ url, adminToken, persistTo }`:
 *
 * @example
 * // vitest.config.ts
 * export default defineConfig({ test: { globalSetup: ['../scripts/test-collector.mjs'] } })
 * // a test
 * const { keys } = await collectorClient(inject('collector')).createProgram({ name: 'Acme' })
 */
import { closeD1, collectorClient, startCollector } from './local-collector.mjs'

export const SHARED_COLLECTOR_ENV = 'REFLINE_TEST_COLLECTOR'

/**
 * The run's shared collector when there is one, else a fresh one of this process's own.
 * `stop()` stops only what this call started.
 */
export async function testCollector() {
  const shared = process.env[SHARED_COLLECTOR_ENV]
  if (shared) {
    const info = JSON.parse(shared)
    const health = await fetch(`${info.url}/healthz`).catch((err) => err)
    if (!(health instanceof Response) || !health.ok)
      throw new Error(`${SHARED_COLLECTOR_ENV} names ${info.url}, which does not answer /healthz`)
    return { ...collectorClient(info), shared: true, stop: () => closeD1(info.persistTo) }
  }
  const own = await startCollector()
  return { ...own, shared: false }
}

/** vitest globalSetup: one collector for the package's run, torn down after it. */
export default async function setup(project) {
  const collector = await testCollector()
  project.provide('collector', {
    url: collector.url,
    adminToken: collector.adminToken,
    persistTo: collector.persistTo,
  })
  return () => collector.stop()
}
