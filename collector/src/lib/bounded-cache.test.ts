/** The bounded per-isolate cache: entries live until they expire, and neither bound is ever passed. */
import { describe, expect, it } from 'vitest'
import { BoundedCache } from './bounded-cache'

describe('BoundedCache', () => {
  it('answers an entry until it expires, then forgets it', () => {
    const cache = new BoundedCache<string>({ maxEntries: 10 })
    cache.set('a', 'A', 1_000)
    expect(cache.get('a', 999)).toBe('A')
    expect(cache.get('a', 1_000)).toBeUndefined()
    expect(cache.size).toBe(0)
  })

  it('holds at most maxEntries, dropping the least recently used', () => {
    const cache = new BoundedCache<number>({ maxEntries: 3 })
    for (const [i, key] of ['a', 'b', 'c'].entries()) cache.set(key, i, 10_000)
    expect(cache.get('a', 0)).toBe(0) // a is now the most recently used
    cache.set('d', 3, 10_000)
    expect(cache.size).toBe(3)
    expect(cache.get('b', 0)).toBeUndefined()
    expect(cache.get('a', 0)).toBe(0)
    for (let i = 0; i < 1_000; i++) cache.set(`k${i}`, i, 10_000)
    expect(cache.size).toBe(3)
  })

  it('holds at most maxWeight in total, and never keeps an entry heavier than that alone', () => {
    const cache = new BoundedCache<string>({ maxEntries: 100, maxWeight: 10 })
    cache.set('a', 'A', 10_000, 4)
    cache.set('b', 'B', 10_000, 4)
    cache.set('c', 'C', 10_000, 4)
    expect(cache.weight).toBeLessThanOrEqual(10)
    expect(cache.get('a', 0)).toBeUndefined()
    expect(cache.get('c', 0)).toBe('C')
    cache.set('huge', 'H', 10_000, 11)
    expect(cache.get('huge', 0)).toBeUndefined()
    expect(cache.weight).toBe(8)
    // Replacing an entry counts only its new weight.
    cache.set('c', 'C2', 10_000, 1)
    expect(cache.weight).toBe(5)
  })

  it('deletes an entry and its weight', () => {
    const cache = new BoundedCache<string>({ maxEntries: 10, maxWeight: 100 })
    cache.set('a', 'A', 10_000, 40)
    expect(cache.delete('a')).toBe(true)
    expect(cache.delete('a')).toBe(false)
    expect(cache.get('a', 0)).toBeUndefined()
    expect(cache.weight).toBe(0)
  })
})
