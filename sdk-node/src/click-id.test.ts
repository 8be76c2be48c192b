import { IncomingMessage } from 'node:http'
import { Socket } from 'node:net'
import { describe, expect, it } from 'vitest'
import { clickIdFrom } from './click-id.js'

const id = 'Zk3r_9QpL2-x7TbA1cDe'

describe('clickIdFrom', () => {
  it('reads rl_click from a raw Cookie header', () => {
    expect(clickIdFrom(`theme=dark; rl_click=${id}; rl_ref=jane`)).toBe(id)
  })

  it('reads it from a Fetch Request', () => {
    expect(clickIdFrom(new Request('https://app.test/', { headers: { cookie: `rl_click=${id}` } }))).toBe(id)
  })

  it('reads it from a Headers object', () => {
    expect(clickIdFrom(new Headers({ cookie: `a=b;rl_click=${id}` }))).toBe(id)
  })

  it('reads it from a Node IncomingMessage', () => {
    const req = new IncomingMessage(new Socket())
    req.headers.cookie = `rl_click=${id}`
    expect(clickIdFrom(req)).toBe(id)
  })

  it('reads it from a plain { headers: { cookie } } object', () => {
    expect(clickIdFrom({ headers: { cookie: `rl_click=${id}` } })).toBe(id)
  })

  it('does not confuse a cookie whose name merely ends in rl_click', () => {
    expect(clickIdFrom(`xrl_click=nope1234567890abcd; rl_click=${id}`)).toBe(id)
    expect(clickIdFrom('xrl_click=nope1234567890abcd')).toBeUndefined()
  })

  it('decodes a percent-encoded or quoted value', () => {
    expect(clickIdFrom(`rl_click="${id}"`)).toBe(id)
    expect(clickIdFrom('rl_click=abc%2Ddef%5F1234567890')).toBe('abc-def_1234567890')
  })

  it('returns undefined when there is no cookie or the value is not a click id', () => {
    expect(clickIdFrom(undefined)).toBeUndefined()
    expect(clickIdFrom('')).toBeUndefined()
    expect(clickIdFrom(new Request('https://app.test/'))).toBeUndefined()
    expect(clickIdFrom({ headers: {} })).toBeUndefined()
    expect(clickIdFrom('rl_click=<script>alert(1)</script>')).toBeUndefined()
    expect(clickIdFrom('rl_click=tooShort123')).toBeUndefined()
    expect(clickIdFrom(`rl_click=${'a'.repeat(65)}`)).toBeUndefined()
    expect(clickIdFrom('rl_click=%E0%A4%A')).toBeUndefined()
  })
})
