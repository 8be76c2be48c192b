/**
 * Money helpers: amounts are integers in minor units with an ISO 4217 currency; never floats.
 * Rounding is half-up on integers so every figure is reproducible to the unit.
 */

/** Largest amount accepted in one event: keeps `amount × basis points` exact in a double. */
export const MAX_AMOUNT = 100_000_000_000

/** ISO 4217 active codes. */
const ISO_4217 =
  'AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BRL BSD BTN BWP BYN BZD CAD CDF CHF CLP CNY COP CRC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL GHS GIP GMD GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY KES KGS KHR KMF KPW KRW KWD KYD KZT LAK LBP LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MYR MZN NAD NGN NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR RON RSD RUB RWF SAR SBD SCR SDG SEK SGD SHP SLE SLL SOS SRD SSP STN SVC SYP SZL THB TJS TMT TND TOP TRY TTD TWD TZS UAH UGX USD UYU UZS VES VND VUV WST XAF XCD XCG XOF XPF YER ZAR ZMW ZWG'
const CURRENCIES = new Set(ISO_4217.split(' '))

/** Normalizes a currency code (Stripe sends lower case) or returns null when it is not ISO 4217. */
export function normalizeCurrency(code: string): string | null {
  const upper = code.toUpperCase()
  return CURRENCIES.has(upper) ? upper : null
}

/** `amount × bps / 10 000`, rounded half-up. */
export function applyBasisPoints(amount: number, bps: number): number {
  const sign = amount < 0 ? -1 : 1
  const product = Math.abs(amount) * bps
  return sign * Math.floor((product + 5_000) / 10_000)
}

/** `value × numerator / denominator`, rounded half-up, for pro-rata refunds. */
export function proRata(value: number, numerator: number, denominator: number): number {
  if (denominator === 0) return 0
  const sign = value < 0 ? -1 : 1
  return sign * Math.floor((Math.abs(value) * numerator * 2 + denominator) / (denominator * 2))
}

/** Percent with at most two decimals → basis points (30 → 3000, 12.5 → 1250). */
export function percentToBps(percent: number): number {
  return Math.round(percent * 100)
}
