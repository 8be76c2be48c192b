/**
 * Privacy: raw IPs are never stored. `ip_hash = sha256(daily_salt ‖ program ‖ ip ‖ user agent)`;
 * salts rotate daily (UTC) and the cron trigger deletes them after 48 hours, after which no
 * hash can be linked back to an address.
 */
import { randomToken, sha256Hex } from './crypto'
import type { Env } from './env'

let cached: { day: string; salt: string } | null = null

export function utcDay(at: number): string {
  return new Date(at).toISOString().slice(0, 10)
}

async function saltFor(env: Env, day: string): Promise<string> {
  if (cached?.day === day) return cached.salt
  await env.DB.prepare('INSERT OR IGNORE INTO salts (day, salt, created_at) VALUES (?, ?, ?)')
    .bind(day, randomToken(32), new Date().toISOString())
    .run()
  const row = await env.DB.prepare('SELECT salt FROM salts WHERE day = ?').bind(day).first<{ salt: string }>()
  const salt = row?.salt ?? randomToken(32)
  cached = { day, salt }
  return salt
}

export async function hashIp(
  env: Env,
  programId: string,
  ip: string,
  userAgent: string,
  at: number,
): Promise<string> {
  const salt = await saltFor(env, utcDay(at))
  return sha256Hex(`${salt}|${programId}|${ip}|${userAgent}`)
}

/** Email hash for the self-referral rule; scoped to the program so hashes can't be joined across programs. */
export function hashEmail(programId: string, email: string): Promise<string> {
  return sha256Hex(`${programId}|${email.trim().toLowerCase()}`)
}
