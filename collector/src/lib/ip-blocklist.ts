/**
 * A program's IP blocklist (`fraud.ip_blocklist`), for the click endpoints, which check it before
 * the address is hashed: a click from a listed address or range is answered like any other but
 * not counted (it shows as a blocked click in tracking health). Kept a minute per isolate and at
 * most 1,000 programs: a changed list reaches every isolate within the minute, and a busy program
 * costs one D1 read a minute.
 */
import { eq } from 'drizzle-orm'
import { drizzle } from 'drizzle-orm/d1'
import { programs } from '../db/schema'
import { fraudThresholds, ipBlocked } from '../domain/fraud'
import { BoundedCache } from './bounded-cache'
import type { Env } from './env'

const TTL_MS = 60_000
const MAX_PROGRAMS = 1_000
const lists = new BoundedCache<string[]>({ maxEntries: MAX_PROGRAMS })

export async function isBlockedAddress(
  env: Pick<Env, 'DB'>,
  programId: string,
  ip: string,
): Promise<boolean> {
  const now = Date.now()
  let list = lists.get(programId, now)
  if (!list) {
    const [row] = await drizzle(env.DB)
      .select({ fraud: programs.fraud })
      .from(programs)
      .where(eq(programs.id, programId))
      .limit(1)
    list = fraudThresholds(row ? JSON.parse(row.fraud) : {}).ip_blocklist
    lists.set(programId, list, now + TTL_MS)
  }
  return ipBlocked(ip, list)
}

/** Forgets a program's cached list in this isolate (after `PATCH /v1/program` changed it). */
export function forgetBlocklist(programId: string): void {
  lists.delete(programId)
}
