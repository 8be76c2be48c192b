/**
 * A per-isolate cache with a life per entry and two bounds: how many entries it holds and,
 * optionally, their total weight (a size the caller measures, e.g. characters of JSON). Least
 * recently used goes first when either bound is reached, so whatever an outsider can make the
 * collector keep, it can never grow an isolate's memory past the bounds. Used by the key caches
 * (lib/auth.ts), the IP blocklists (lib/ip-blocklist.ts), the Health page's reconciliation
 * panel, the stats' day formatters (lib/rollup-series.ts) and the dashboard's known programs
 * (program/data.ts); the weight is for values whose size varies.
 */

export interface BoundedCacheOptions {
  /** Most entries kept. */
  maxEntries: number
  /** Most total weight kept; an entry heavier than this on its own is not kept. Unbounded if left out. */
  maxWeight?: number
}

interface Entry<T> {
  value: T
  expires: number
  weight: number
}

/**
 * A Map used as an LRU: re-inserting on a hit moves the entry to the back.
 *
 * @example
 * const panels = new BoundedCache<string>({ maxEntries: 100, maxWeight: 1_000_000 })
 * panels.set('prg_1:live', json, Date.now() + 300_000, json.length)
 * panels.get('prg_1:live', Date.now()) // json, until it expires or is pushed out
 */
export class BoundedCache<T> {
  private readonly entries = new Map<string, Entry<T>>()
  private totalWeight = 0
  private readonly maxEntries: number
  private readonly maxWeight: number

  constructor(options: BoundedCacheOptions) {
    this.maxEntries = Math.max(1, options.maxEntries)
    this.maxWeight = options.maxWeight ?? Number.POSITIVE_INFINITY
  }

  /** The live value under `key` at `now`, or undefined (an expired entry is dropped). */
  get(key: string, now: number): T | undefined {
    const hit = this.entries.get(key)
    if (!hit) return undefined
    this.entries.delete(key)
    if (hit.expires <= now) {
      this.totalWeight -= hit.weight
      return undefined
    }
    this.entries.set(key, hit)
    return hit.value
  }

  /** Keeps `value` until `expires` (ms); `weight` counts against `maxWeight` (default 1). */
  set(key: string, value: T, expires: number, weight = 1): void {
    this.delete(key)
    if (weight > this.maxWeight) return
    while (this.entries.size >= this.maxEntries || this.totalWeight + weight > this.maxWeight) {
      const oldest = this.entries.keys().next().value
      if (oldest === undefined) break
      this.delete(oldest)
    }
    this.entries.set(key, { value, expires, weight })
    this.totalWeight += weight
  }

  delete(key: string): boolean {
    const hit = this.entries.get(key)
    if (!hit) return false
    this.entries.delete(key)
    this.totalWeight -= hit.weight
    return true
  }

  /** Entries held, expired ones not yet pushed out included. */
  get size(): number {
    return this.entries.size
  }

  /** Total weight of the entries held. */
  get weight(): number {
    return this.totalWeight
  }
}
