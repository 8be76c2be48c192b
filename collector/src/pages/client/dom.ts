/** Tiny DOM helpers for the client scripts (no framework: the pages are server-rendered). */

type Attrs = Record<string, string | number | boolean | null | undefined>

/** `h('td', {class: 'num'}, '42')`; text children are set as text, never parsed as HTML. */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Attrs = {},
  ...children: Array<Node | string | null | undefined>
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag)
  for (const [k, v] of Object.entries(attrs)) {
    if (v === null || v === undefined || v === false) continue
    el.setAttribute(k, v === true ? '' : String(v))
  }
  for (const c of children) if (c !== null && c !== undefined) el.append(c)
  return el
}

export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const el = document.getElementById(id)
  if (!el) throw new Error(`#${id} is missing`)
  return el as T
}

/** Sets text only when it changed, so screen readers and the layout are left alone otherwise. */
export function setText(el: Element, text: string): void {
  if (el.textContent !== text) el.textContent = text
}

/** Replaces a table body's rows, or shows the table's empty message in one full-width cell. */
export function fillBody(table: HTMLTableElement, rows: HTMLTableRowElement[], columns: number): void {
  const body = table.tBodies[0] ?? table.createTBody()
  if (!rows.length) {
    const empty = table.dataset.empty ?? 'Nothing yet.'
    body.replaceChildren(h('tr', {}, h('td', { colspan: columns, class: 'empty' }, empty)))
    return
  }
  body.replaceChildren(...rows)
}

/** Copy buttons: `data-copy="<input id>"`. */
export function wireCopyButtons(root: ParentNode = document): void {
  root.querySelectorAll<HTMLButtonElement>('button[data-copy]').forEach((button) => {
    if (button.dataset.wired) return
    button.dataset.wired = '1'
    button.addEventListener('click', async () => {
      const input = document.getElementById(button.dataset.copy ?? '') as HTMLInputElement | null
      if (!input) return
      try {
        await navigator.clipboard.writeText(input.value)
      } catch {
        input.select()
        document.execCommand('copy')
      }
      const label = button.textContent
      button.textContent = 'Copied'
      setTimeout(() => {
        button.textContent = label
      }, 1500)
    })
  })
}

/** Runs `fn` at most once per `ms`, at the end of a burst. */
export function debounce(fn: () => void, ms: number): () => void {
  let timer: ReturnType<typeof setTimeout> | undefined
  return () => {
    clearTimeout(timer)
    timer = setTimeout(fn, ms)
  }
}

export interface ThrottleOptions {
  /** Wait this long after the first request of a burst, so writes in flight can land. */
  settleMs: number
  /** Leave at least this long between the starts of two runs. */
  gapMs: number
}

/**
 * Runs `fn` soon after it is requested, however often that is: never two runs at once, at most
 * one per `gapMs`, and at most `max(settleMs, gapMs)` (plus the run itself) after the first
 * request that is still waiting. A request made during a run schedules one more run after it.
 * (A trailing debounce, by contrast, never runs while requests keep coming.)
 */
export function throttle(fn: () => Promise<void>, o: ThrottleOptions): () => void {
  let timer: ReturnType<typeof setTimeout> | undefined
  let running = false
  let waitingSince = 0
  let lastStart = Number.NEGATIVE_INFINITY
  const schedule = () => {
    const due = Math.max(waitingSince + o.settleMs, lastStart + o.gapMs)
    timer = setTimeout(run, Math.max(0, due - Date.now()))
  }
  const run = async () => {
    timer = undefined
    running = true
    waitingSince = 0
    lastStart = Date.now()
    try {
      await fn()
    } catch (err) {
      console.error(err)
    } finally {
      running = false
      if (waitingSince) schedule()
    }
  }
  return () => {
    if (!waitingSince) waitingSince = Date.now()
    if (!running && !timer) schedule()
  }
}

export function setConnection(state: 'connecting' | 'live' | 'reconnecting'): void {
  const el = document.getElementById('conn')
  if (!el) return
  el.dataset.state = state
  setText(el, state === 'live' ? 'Connected' : state === 'connecting' ? 'Connecting…' : 'Reconnecting…')
}
