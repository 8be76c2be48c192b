import { defineConfig } from 'vitest/config'

// End-to-end: a real collector (wrangler dev) — the one `pnpm test` shares, or one started for this
// package by scripts/test-collector.mjs — this demo server and headless Chromium.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['../../scripts/test-collector.mjs'],
    testTimeout: 60_000,
    hookTimeout: 180_000,
  },
})
