import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vitest/config'

// Contract tests, in Node: the OpenAPI document checked by an independent validator, the docs'
// reference checked against it, and real traffic sent through Stoplight Prism (a validating
// proxy) in front of a real local collector (contract/setup.mjs).
export default defineConfig({
  root: fileURLToPath(new URL('..', import.meta.url)),
  test: {
    environment: 'node',
    include: ['contract/**/*.test.ts'],
    globalSetup: ['contract/setup.mjs'],
    testTimeout: 60_000,
    hookTimeout: 180_000,
  },
})
