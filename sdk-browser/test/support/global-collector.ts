/**
 * vitest globalSetup: one real local collector (wrangler dev, workerd, a fresh local D1) for the
 * whole run. Test files reach it through `inject('collector')`; each test creates its own program
 * so their clicks never mix.
 */
import type { TestProject } from 'vitest/node'
import { startCollector } from '../../../scripts/local-collector.mjs'

export interface CollectorInfo {
  url: string
  adminToken: string
  persistTo: string
}

declare module 'vitest' {
  export interface ProvidedContext {
    collector: CollectorInfo
  }
}

export default async function setup(project: TestProject) {
  const collector = await startCollector()
  project.provide('collector', {
    url: collector.url,
    adminToken: collector.adminToken,
    persistTo: collector.persistTo,
  })
  return async () => {
    await collector.stop()
  }
}
