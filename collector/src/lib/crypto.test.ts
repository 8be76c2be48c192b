import { describe, expect, it } from 'vitest'
import { sha256Hex } from './crypto'

describe('sha256Hex', () => {
  it('gives the standard digests in lower-case hex (FIPS 180-2 vectors and the empty string)', async () => {
    expect(await sha256Hex('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad')
    expect(await sha256Hex('')).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855')
    expect(await sha256Hex('abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq')).toBe(
      '248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1',
    )
    // A key with a byte below 0x10 in its digest keeps its leading zero.
    expect(await sha256Hex('é')).toMatch(/^[0-9a-f]{64}$/)
  })
})
