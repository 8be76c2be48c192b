import { cloudflareTest } from '@cloudflare/vitest-pool-workers'
import { defineConfig } from 'vitest/config'

// Three projects: unit tests in Node, the same SDK inside workerd (the Workers runtime), and
// end-to-end tests against a real local collector (wrangler dev): the one `pnpm test` shares, or
// one started for this package by scripts/test-collector.mjs.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'node',
          include: ['src/**/*.test.ts'],
          exclude: ['src/**/*.workers.test.ts'],
        },
      },
      {
        plugins: [
          cloudflareTest({
            miniflare: { compatibilityDate: '2026-04-20', compatibilityFlags: ['nodejs_compat'] },
          }),
        ],
        test: {
          name: 'workers',
          include: ['src/**/*.workers.test.ts'],
          globalSetup: ['test/fake-collector.ts'],
        },
      },
      {
        test: {
          name: 'collector',
          include: ['test/**/*.test.ts'],
          globalSetup: ['../scripts/test-collector.mjs'],
          testTimeout: 30_000,
          hookTimeout: 180_000,
        },
      },
    ],
  },
})
