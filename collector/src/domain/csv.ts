/**
 * The one CSV writer of the product (payout files, and the affiliates/conversions/commissions
 * exports): RFC 4180 quoting, CRLF line ends, UTF-8 without a byte-order mark, and spreadsheet
 * formula injection defused. A text cell that starts with `=`, `+`, `-`, `@`, tab or carriage
 * return is prefixed with `'` so Excel, LibreOffice and Google Sheets show it as text instead of
 * running it (an affiliate named `=HYPERLINK(…)`). Numbers are written plainly, also negative
 * ones: a clawback's `-14.70` must stay a number, so amounts are passed as `CsvNumber`, never as
 * text.
 */

/** A number written as is: an integer, or a decimal string such as `-14.70` (kept exactly). */
export class CsvNumber {
  readonly text: string
  constructor(value: number | string) {
    const text = typeof value === 'number' ? String(value) : value
    if (!/^-?\d+(\.\d+)?$/.test(text)) throw new TypeError(`Not a plain number: ${text}`)
    this.text = text
  }
}

/** A decimal number cell from its exact text (`decimal('-14.70')`). */
export function decimal(text: string): CsvNumber {
  return new CsvNumber(text)
}

/** Strings are text (defused and quoted as needed); numbers must be finite; null is empty. */
export type CsvCell = string | number | CsvNumber | null | undefined

const FORMULA_START = /^[=+\-@\t\r]/
const NEEDS_QUOTES = /[",\r\n]/

/** One cell as it is written in the file. */
export function csvCell(value: CsvCell): string {
  if (value === null || value === undefined) return ''
  if (value instanceof CsvNumber) return value.text
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new TypeError(`Not a finite number: ${value}`)
    return new CsvNumber(value).text
  }
  const text = FORMULA_START.test(value) ? `'${value}` : value
  return NEEDS_QUOTES.test(text) ? `"${text.replace(/"/g, '""')}"` : text
}

/** One line, CRLF-terminated. */
export function csvLine(cells: readonly CsvCell[]): string {
  return `${cells.map(csvCell).join(',')}\r\n`
}

/** A whole file: the header row (when given) and one line per row. */
export function toCsv(rows: Iterable<readonly CsvCell[]>, header?: readonly string[]): string {
  let out = header ? csvLine(header) : ''
  for (const row of rows) out += csvLine(row)
  return out
}

/**
 * A file streamed line by line, for exports too large to build in memory: the rows may come
 * page by page from D1.
 */
export function csvStream(
  rows: AsyncIterable<readonly CsvCell[]> | Iterable<readonly CsvCell[]>,
  header?: readonly string[],
): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder()
  return new ReadableStream<Uint8Array>({
    async start(controller) {
      try {
        if (header) controller.enqueue(encoder.encode(csvLine(header)))
        for await (const row of rows) controller.enqueue(encoder.encode(csvLine(row)))
        controller.close()
      } catch (err) {
        controller.error(err)
      }
    },
  })
}

/** The headers of a CSV download (`attachment` with a safe file name). */
export function csvHeaders(filename: string): Record<string, string> {
  const safe = filename.replace(/[^A-Za-z0-9._-]/g, '_')
  return {
    'content-type': 'text/csv; charset=utf-8',
    'content-disposition': `attachment; filename="${safe}"`,
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
  }
}

/**
 * Parses CSV text as written by this module (quoted cells, CRLF or LF), for tests and for
 * anyone checking a file: returns the rows of cells as strings.
 */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = []
  let row: string[] = []
  let cell = ''
  let quoted = false
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        cell += '"'
        i++
      } else if (ch === '"') quoted = false
      else cell += ch
    } else if (ch === '"') quoted = true
    else if (ch === ',') {
      row.push(cell)
      cell = ''
    } else if (ch === '\n' || (ch === '\r' && text[i + 1] === '\n')) {
      if (ch === '\r') i++
      row.push(cell)
      rows.push(row)
      row = []
      cell = ''
    } else cell += ch
  }
  if (cell !== '' || row.length) {
    row.push(cell)
    rows.push(row)
  }
  return rows
}
