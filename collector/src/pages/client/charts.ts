/**
 * Charts with uPlot: clicks as bars on the left axis, signups and conversions as lines on the
 * right (they are usually far fewer than clicks). Sized to their container, fixed height. A
 * chart with nothing in it says so, rather than drawing an empty axis that reads as "zero" or
 * "still loading".
 */
import uPlot from 'uplot'
import { h } from './dom'

export interface ChartData {
  /** Bucket starts, seconds since the epoch. */
  t: number[]
  clicks: number[]
  signups: number[]
  conversions: number[]
}

export interface Chart {
  set(data: ChartData): void
}

const HEIGHT = 200

/**
 * uPlot's legend shows "--" for every value while the pointer is off the chart; a dash there
 * reads as "zero or unknown", so the idle legend shows labels only (values appear on hover).
 */
function blankIdleLegend(root: HTMLElement): void {
  // Change the text node uPlot holds on to, never replace it (uPlot writes to it on hover).
  root.querySelectorAll('.u-legend .u-value').forEach((cell) => {
    const text = cell.firstChild
    if (text && text.nodeValue === '--') text.nodeValue = ''
  })
}

const EMPTY: Record<'minute' | 'day', string> = {
  minute: 'No data yet in the last hour: clicks, signups and conversions show here as they come.',
  day: 'No data yet for this range: no clicks, signups or conversions.',
}

export function createChart(el: HTMLElement, kind: 'minute' | 'day'): Chart {
  const bars = uPlot.paths.bars?.({ size: [0.7, 24] })
  const opts: uPlot.Options = {
    width: Math.max(200, el.clientWidth),
    height: HEIGHT,
    cursor: { drag: { x: false, y: false } },
    legend: { live: true },
    hooks: { setLegend: [(u) => blankIdleLegend(u.root)] },
    scales: { x: { time: true }, n: { range: (_u, _min, max) => [0, Math.max(4, max)] } },
    axes: [
      {
        stroke: '#64748b',
        grid: { show: false },
        ticks: { stroke: '#e2e8f0' },
        values: kind === 'minute' ? '{HH}:{mm}' : '{D} {MMM}',
        space: kind === 'minute' ? 60 : 50,
      },
      { scale: 'c', stroke: '#64748b', grid: { stroke: '#eef2f7' }, ticks: { show: false }, size: 44 },
      { scale: 'n', side: 1, stroke: '#64748b', grid: { show: false }, ticks: { show: false }, size: 36 },
    ],
    series: [
      { value: kind === 'minute' ? '{HH}:{mm}' : '{D} {MMM} {YYYY}' },
      {
        label: 'Clicks',
        scale: 'c',
        stroke: '#818cf8',
        fill: 'rgba(129,140,248,0.35)',
        paths: bars,
        points: { show: false },
      },
      { label: 'Signups', scale: 'n', stroke: '#0d9488', width: 2, points: { size: 4 } },
      { label: 'Conversions', scale: 'n', stroke: '#ea580c', width: 2, points: { size: 4 } },
    ],
  }
  const plot = new uPlot(opts, [[], [], [], []], el)
  blankIdleLegend(plot.root)
  const empty = h('p', { class: 'chart-empty', hidden: true }, EMPTY[kind])
  el.append(empty)
  new ResizeObserver(() => {
    const width = Math.max(200, el.clientWidth)
    if (width !== plot.width) plot.setSize({ width, height: HEIGHT })
  }).observe(el)
  return {
    set(data) {
      plot.setData([data.t, data.clicks, data.signups, data.conversions])
      // What the chart shows, in numbers: for assistive technology and for tests.
      const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0)
      el.dataset.clicks = String(sum(data.clicks))
      el.dataset.signups = String(sum(data.signups))
      el.dataset.conversions = String(sum(data.conversions))
      empty.hidden = sum(data.clicks) + sum(data.signups) + sum(data.conversions) > 0
    },
  }
}

/** The counters a live event adds to the chart's buckets. */
export function bump(data: ChartData, atSeconds: number, type: string): boolean {
  const key =
    type === 'click' ? 'clicks' : type === 'signup' ? 'signups' : type === 'conversion' ? 'conversions' : null
  if (!key || !data.t.length) return false
  let i = data.t.length - 1
  while (i > 0 && (data.t[i] ?? 0) > atSeconds) i--
  if ((data.t[0] ?? 0) > atSeconds) return false
  data[key][i] = (data[key][i] ?? 0) + 1
  return true
}

/** Adds counts to the bucket holding `atSeconds`; false when it falls outside the chart. */
export function addAt(
  data: ChartData,
  atSeconds: number,
  d: { clicks: number; signups: number; conversions: number },
): boolean {
  if (!data.t.length || (data.t[0] ?? 0) > atSeconds) return false
  let i = data.t.length - 1
  while (i > 0 && (data.t[i] ?? 0) > atSeconds) i--
  data.clicks[i] = (data.clicks[i] ?? 0) + d.clicks
  data.signups[i] = (data.signups[i] ?? 0) + d.signups
  data.conversions[i] = (data.conversions[i] ?? 0) + d.conversions
  return true
}

/** Slides a minute chart's 60-minute window up to the current minute. */
export function advanceMinutes(data: ChartData, nowMs = Date.now()): void {
  const current = Math.floor(nowMs / 60_000) * 60
  let last = data.t[data.t.length - 1]
  if (last === undefined) return
  while (last < current) {
    last += 60
    data.t.push(last)
    data.clicks.push(0)
    data.signups.push(0)
    data.conversions.push(0)
    data.t.shift()
    data.clicks.shift()
    data.signups.shift()
    data.conversions.shift()
  }
}

export function minuteData(
  points: Array<{ t: number; clicks: number; signups: number; conversions: number }>,
): ChartData {
  return {
    t: points.map((p) => p.t / 1000),
    clicks: points.map((p) => p.clicks),
    signups: points.map((p) => p.signups),
    conversions: points.map((p) => p.conversions),
  }
}

export function seriesData(
  points: Array<{ t: string; clicks: number; signups: number; conversions: number }>,
): ChartData {
  return {
    t: points.map((p) => Date.parse(p.t) / 1000),
    clicks: points.map((p) => p.clicks),
    signups: points.map((p) => p.signups),
    conversions: points.map((p) => p.conversions),
  }
}
