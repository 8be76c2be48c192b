/**
 * Minor units → major units as text, with the currency's ISO 4217 exponent and a dot: 1470 USD →
 * "14.70", 1470 JPY → "1470", 1470 KWD → "1.470", -1470 USD → "-14.70". Integer arithmetic only
 * (no floats, so no 0.1 + 0.2 surprises). The ISO 4217 table is used rather than Intl's
 * currency digits, which come from CLDR and differ from ISO for a few currencies (IQD, LYD,
 * IDR …) and between runtimes; the amounts Refline stores are ISO minor units, as Stripe's are.
 */

/** ISO 4217 currencies whose exponent is not 2. */
const EXPONENT: Record<string, number> = {
  BIF: 0,
  CLP: 0,
  DJF: 0,
  GNF: 0,
  ISK: 0,
  JPY: 0,
  KMF: 0,
  KRW: 0,
  PYG: 0,
  RWF: 0,
  UGX: 0,
  VND: 0,
  VUV: 0,
  XAF: 0,
  XOF: 0,
  XPF: 0,
  BHD: 3,
  IQD: 3,
  JOD: 3,
  KWD: 3,
  LYD: 3,
  OMR: 3,
  TND: 3,
}

/** Digits after the decimal point for a currency (2 unless ISO 4217 says otherwise). */
export function currencyDigits(currency: string): number {
  return EXPONENT[currency.toUpperCase()] ?? 2
}

/** An integer amount in minor units as a decimal string in major units. */
export function formatMajor(minor: number, currency: string): string {
  if (!Number.isSafeInteger(minor)) throw new TypeError(`Not an integer amount: ${minor}`)
  const digits = currencyDigits(currency)
  const sign = minor < 0 ? '-' : ''
  const abs = String(Math.abs(minor))
  if (digits === 0) return `${sign}${abs}`
  const padded = abs.padStart(digits + 1, '0')
  return `${sign}${padded.slice(0, -digits)}.${padded.slice(-digits)}`
}
