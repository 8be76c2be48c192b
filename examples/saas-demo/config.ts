/**
 * Where the demo finds its collector and keys: environment variables first, then the file
 * `pnpm dev` writes to .refline/dev.json at the repo root.
 */
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

interface DevJson {
  collectorUrl?: string
  keys?: { publishable?: string; secret?: string }
}

const DEV_JSON = fileURLToPath(new URL('../../.refline/dev.json', import.meta.url))

function readDevJson(path: string): DevJson {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as DevJson
  } catch {
    return {}
  }
}

export interface DemoConfig {
  /** Origin of the Refline collector: serves /r.js and the API. */
  baseUrl: string
  /** pk_…: goes into the page's script tag. */
  publishableKey: string
  /** sk_…: stays on this server. */
  secretKey: string
  port: number
}

export function loadConfig(env = process.env, devJsonPath = DEV_JSON): DemoConfig {
  const dev = env.REFLINE_SECRET_KEY && env.REFLINE_PUBLISHABLE_KEY ? {} : readDevJson(devJsonPath)
  const secretKey = env.REFLINE_SECRET_KEY || dev.keys?.secret
  const publishableKey = env.REFLINE_PUBLISHABLE_KEY || dev.keys?.publishable
  if (!secretKey || !publishableKey) {
    throw new Error(
      'No Refline keys: set REFLINE_SECRET_KEY and REFLINE_PUBLISHABLE_KEY, or run `pnpm dev` at the repo root first',
    )
  }
  return {
    baseUrl: (env.REFLINE_BASE_URL || dev.collectorUrl || 'http://127.0.0.1:8787').replace(/\/+$/, ''),
    publishableKey,
    secretKey,
    port: Number(env.PORT || 3000),
  }
}
