/** The dashboard journey view's address, for links from conversions and commissions. */
export function journeyHref(programId: string, mode: string, customerId: string): string {
  return `/dashboard/customers/${encodeURIComponent(customerId)}?program=${encodeURIComponent(programId)}&mode=${mode}`
}
