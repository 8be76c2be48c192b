import { defineConfig } from 'vitest/config'

// Browser tests: real Chromium against the real collector (wrangler dev, local D1), run in Node.
export default defineConfig({
  test: {
    environment: 'node',
    include: ['e2e/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    fileParallelism: false,
    // A live update crosses a socket and the page's render throttle; on a busy machine that takes
    // longer than expect.poll's default second (20 s here; a poll ends as soon as it holds).
    expect: { poll: { timeout: 20_000 } },
  },
})
