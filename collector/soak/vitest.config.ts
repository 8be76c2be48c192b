import { defineConfig } from 'vitest/config'

// The soak runs in Node against a real local collector (wrangler dev), one file, bounded: ≤ 3 min.
export default defineConfig({
  test: {
    include: ['soak/**/*.test.ts'],
    testTimeout: 170_000,
    hookTimeout: 150_000,
    fileParallelism: false,
  },
})
