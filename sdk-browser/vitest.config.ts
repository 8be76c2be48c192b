import { defineConfig } from 'vitest/config'

// The build runs first (`pnpm test` = build + vitest): these tests check dist/ and drive real
// Chromium against a real local collector, one file at a time (each starts its own).
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['./test/support/global-collector.ts'],
    environment: 'node',
    fileParallelism: false,
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
})
