import { defineConfig } from 'vitest/config'

// The build runs first (`pnpm test` = build + vitest): these tests check dist/ and drive real
// Chromium against one real local collector shared by the run (test/support/global-collector.ts).
// Every test makes its own program and each file its own browser and site, so files run side by
// side: most of their time is spent waiting for the hub's click flush, not computing.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['./test/support/global-collector.ts'],
    environment: 'node',
    maxWorkers: Number(process.env.REFLINE_TEST_WORKERS) || 3,
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
})
