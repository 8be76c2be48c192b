import { defineConfig } from 'vitest/config'

// End-to-end: a real collector (wrangler dev), this demo server and headless Chromium.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 180_000,
  },
})
