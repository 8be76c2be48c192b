/**
 * Stops a bench's own collector when the bench is interrupted (Ctrl-C, `timeout`, a CI cancel).
 * Without it a SIGTERM ends Node before its `finally` runs, and the `wrangler dev` process group
 * or Miniflare's workerd outlives the bench, holding a core.
 */
export function stopOnSignal(collector) {
  let stopping = false
  for (const signal of ['SIGINT', 'SIGTERM']) {
    process.once(signal, async () => {
      if (stopping) return
      stopping = true
      await Promise.race([collector.stop().catch(() => {}), new Promise((r) => setTimeout(r, 5_000))])
      process.exit(signal === 'SIGINT' ? 130 : 143)
    })
  }
}
