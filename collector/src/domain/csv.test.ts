import { describe, expect, it } from 'vitest'
import { csvCell, csvLine, decimal, parseCsv, toCsv } from './csv'
import { formatMajor } from './currency-format'

describe('csv', () => {
  it('prefixes text cells that a spreadsheet would run as a formula', () => {
    for (const start of ['=', '+', '-', '@', '\t', '\r']) {
      expect(csvCell(`${start}HYPERLINK("http://x")`).replace(/^"/, '')).toMatch(/^'/)
    }
    expect(csvCell('=HYPERLINK("http://evil.example","x")')).toBe(
      '"\'=HYPERLINK(""http://evil.example"",""x"")"',
    )
    expect(csvCell('Jane Cooper')).toBe('Jane Cooper')
    expect(csvCell('jane@partners.example')).toBe('jane@partners.example')
  })

  it('writes numbers plainly, negative ones included', () => {
    expect(csvCell(decimal('-14.70'))).toBe('-14.70')
    expect(csvCell(-1470)).toBe('-1470')
    expect(csvCell('-14.70')).toBe("'-14.70")
    expect(() => decimal('1e3')).toThrow()
    expect(() => csvCell(Number.NaN)).toThrow()
  })

  it('quotes commas, quotes and line breaks and parses back to the same cells', () => {
    const rows = [
      ['a,b', 'say "hi"', 'two\nlines', decimal('1.50'), null],
      ['plain', '', 'x', 3, 'end'],
    ]
    const text = toCsv(rows, ['h1', 'h2', 'h3', 'h4', 'h5'])
    expect(text.endsWith('\r\n')).toBe(true)
    expect(parseCsv(text)).toEqual([
      ['h1', 'h2', 'h3', 'h4', 'h5'],
      ['a,b', 'say "hi"', 'two\nlines', '1.50', ''],
      ['plain', '', 'x', '3', 'end'],
    ])
    expect(csvLine(['x'])).toBe('x\r\n')
  })
})

describe('formatMajor', () => {
  it('uses the ISO 4217 exponent with a dot and integer arithmetic', () => {
    expect(formatMajor(1470, 'USD')).toBe('14.70')
    expect(formatMajor(-1470, 'USD')).toBe('-14.70')
    expect(formatMajor(5, 'EUR')).toBe('0.05')
    expect(formatMajor(0, 'USD')).toBe('0.00')
    expect(formatMajor(1470, 'JPY')).toBe('1470')
    expect(formatMajor(1470, 'KWD')).toBe('1.470')
    expect(formatMajor(100_000_000_001, 'USD')).toBe('1000000000.01')
    expect(() => formatMajor(1.5, 'USD')).toThrow()
  })
})
