import { cloudflareTest, readD1Migrations } from '@cloudflare/vitest-pool-workers'
import { defineConfig } from 'vitest/config'

// Collector tests run inside workerd with the real D1 migrations and the real ProgramHub.
export default defineConfig(async () => {
  const migrations = await readD1Migrations('./drizzle/migrations')
  return {
    plugins: [
      cloudflareTest({
        main: './src/index.ts',
        wrangler: { configPath: './wrangler.jsonc' },
        miniflare: {
          bindings: {
            ADMIN_TOKEN: 'test-admin-token',
            TEST_MIGRATIONS: migrations,
            TEST_FAULTS: 'on',
            // Clicks reach D1 a second after they arrive, as tests that wait for the alarm expect
            // (the deployment's default is five minutes; hub/outbox.ts, flushDueAt).
            CLICK_FLUSH_SECONDS: '1',
            // The generated-input test's seed, run count and time limit (test/fuzz.test.ts).
            FUZZ: JSON.stringify({
              seed: process.env.FUZZ_SEED,
              runs: process.env.FUZZ_RUNS,
              timeLimitMs: process.env.FUZZ_TIME_LIMIT_MS,
            }),
          },
        },
      }),
    ],
    test: {
      include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
      setupFiles: ['./test/apply-migrations.ts'],
      // Every test file gets a fresh isolate that imports the Worker again; served as hundreds of
      // small modules, zod, drizzle and hono cost about 2 s of each file's setup. Pre-bundled,
      // each is one module.
      deps: {
        optimizer: {
          ssr: {
            enabled: true,
            include: [
              'zod',
              'drizzle-orm',
              'drizzle-orm/d1',
              'drizzle-orm/sqlite-core',
              'hono',
              'hono/cookie',
              'hono/cors',
              'hono/factory',
              'hono/http-exception',
              'hono/jsx',
              'hono/jsx/jsx-runtime',
              'hono/jsx/jsx-dev-runtime',
            ],
          },
        },
      },
      testTimeout: 30_000,
    },
  }
})
