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
          bindings: { ADMIN_TOKEN: 'test-admin-token', TEST_MIGRATIONS: migrations, TEST_FAULTS: 'on' },
        },
      }),
    ],
    test: {
      include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
      setupFiles: ['./test/apply-migrations.ts'],
      testTimeout: 30_000,
    },
  }
})
