/**
 * vitest globalSetup: one real local collector (wrangler dev, workerd, a local D1) for the whole
 * run — the one `pnpm test` shares across packages, or a fresh one when this package runs alone
 * (scripts/test-collector.mjs). Test files reach it through `inject('collector')`; each test
 * creates its own program so their clicks never mix. Chromium is looked up first, so a machine
 * without one stops here with a message saying how to get one.
 */
import type { TestProject } from 'vitest/node'
import { findChromium } from '../../../scripts/chromium.mjs'
import setupCollector from '../../../scripts/test-collector.mjs'

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
  findChromium()
  return setupCollector(project)
}
