import type { D1Migration } from '@cloudflare/vitest-pool-workers'
import type { Env as CollectorEnv } from '../src/lib/env'

declare global {
  namespace Cloudflare {
    interface Env extends CollectorEnv {
      TEST_MIGRATIONS: D1Migration[]
    }
  }
}
