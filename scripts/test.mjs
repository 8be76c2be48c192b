/**
 * `pnpm test`: typecheck, lint, every package's `test` script, the docs' and these scripts' own
 * tests — side by side, a few at a time, each one's output printed whole when it ends (not
 * interleaved), then a summary with the time of each. Exits 1 if any failed.
 *
 * Most of the suite waits on real processes (wrangler dev, Chromium, the hub's click flush)
 * rather than computing, so even a 2-core machine runs three tasks at once with profit.
 * `REFLINE_TEST_JOBS=1 pnpm test` runs them one by one; `pnpm test sdk-node docs` runs only the
 * tasks whose name contains one of the words.
 */
import { spawn } from 'node:child_process'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { ChromiumNotFoundError, findChromium } from './chromium.mjs'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const jobs = Math.max(1, Number(process.env.REFLINE_TEST_JOBS) || 3)
/** The longest a task may run (the slowest, a collector half, takes up to about 10 minutes on 2 busy cores). */
const TASK_TIMEOUT_S = Math.max(10, Number(process.env.REFLINE_TEST_TASK_TIMEOUT_S) || 840)

/** Workspace packages with a `test` script, from pnpm-workspace.yaml's `packages:` list. */
function workspacePackages() {
  const yaml = readFileSync(join(root, 'pnpm-workspace.yaml'), 'utf8')
  const list = /^packages:\n((?:\s+-\s+.+\n)+)/m.exec(yaml)?.[1] ?? ''
  const dirs = []
  for (const pattern of list.split('\n').map((l) => l.replace(/^\s+-\s+/, '').trim())) {
    if (!pattern) continue
    if (pattern.endsWith('/*')) {
      const parent = join(root, pattern.slice(0, -2))
      for (const d of existsSync(parent) ? readdirSync(parent) : []) dirs.push(join(pattern.slice(0, -2), d))
    } else dirs.push(pattern)
  }
  return dirs.flatMap((dir) => {
    const file = join(root, dir, 'package.json')
    if (!existsSync(file)) return []
    const pkg = JSON.parse(readFileSync(file, 'utf8'))
    return pkg.scripts?.test ? [{ dir, name: pkg.name }] : []
  })
}

/** `*.test.mjs` files of a folder, as paths from the root. */
function testFiles(dir) {
  return readdirSync(join(root, dir))
    .filter((f) => f.endsWith('.test.mjs'))
    .sort()
    .map((f) => join(dir, f))
}

/**
 * Longest first, so the long ones start at once and the short ones fill the gaps (measured on a
 * 2-core machine: the collector ~80 s, the browser script ~60 s, the demo ~40 s, the rest less).
 */
const WEIGHT = { collector: 100, 'sdk-browser': 90, 'examples/saas-demo': 60, 'sdk-node': 40 }

/**
 * Packages whose `test` script is several independent runs: each part is its own task, so the
 * collector's workerd, browser and contract suites run side by side instead of one after another.
 * The workerd and browser suites are each split in two halves by file (`vitest --shard`): they
 * are the two longest runs, and halves pack into the free slots instead of ending last.
 */
const PARTS = {
  collector: {
    'test:unit:1': 100,
    'test:unit:2': 99,
    'test:e2e:1': 95,
    'test:e2e:2': 94,
    'test:contract': 50,
  },
}

const tasks = [
  ...workspacePackages().flatMap(({ dir, name }) =>
    PARTS[dir]
      ? Object.entries(PARTS[dir]).map(([script, weight]) => ({
          name: `${dir} ${script}`,
          weight,
          cmd: ['pnpm', '--filter', name, 'run', script],
          // The workerd halves take 7–10 minutes on a busy 2-core machine: 13 means a stall.
          ...(script.startsWith('test:unit') ? { retryOnStall: true, timeoutS: 780 } : {}),
        }))
      : [{ name: `${dir} test`, weight: WEIGHT[dir] ?? 30, cmd: ['pnpm', '--filter', name, 'run', 'test'] }],
  ),
  // Named one by one: given a folder, node --test would also run test.mjs and test-*.mjs here.
  { name: 'docs test', weight: 30, cmd: ['node', '--test', ...testFiles('docs')] },
  { name: 'scripts test', weight: 30, cmd: ['node', '--test', ...testFiles('scripts')] },
  { name: 'typecheck', weight: 20, cmd: ['pnpm', '-r', '--if-present', 'run', 'typecheck'] },
  { name: 'lint', weight: 10, cmd: ['pnpm', 'exec', 'biome', 'check', '.'] },
].sort((a, b) => b.weight - a.weight)

const only = process.argv.slice(2)
const selected = only.length ? tasks.filter((t) => only.some((w) => t.name.includes(w))) : tasks
if (only.length && selected.length === 0) {
  console.error(`No task matches ${only.join(', ')}. Tasks: ${tasks.map((t) => t.name).join(', ')}`)
  process.exit(1)
}

// A missing browser is known in a millisecond: say so before minutes of other tests.
try {
  console.log(`Chromium: ${findChromium()}`)
} catch (err) {
  console.error(err instanceof ChromiumNotFoundError ? err.message : err)
  process.exit(1)
}

const children = new Set()
function stopChildren() {
  for (const child of children) {
    try {
      process.kill(-child.pid, 'SIGTERM')
    } catch {}
  }
}
for (const signal of ['SIGINT', 'SIGTERM'])
  process.on(signal, () => {
    stopChildren()
    process.exit(130)
  })

function runTask(task) {
  return new Promise((resolve) => {
    const started = Date.now()
    let output = ''
    // Each task in a process group of its own, so an interrupted run leaves nothing behind.
    const child = spawn(task.cmd[0], task.cmd.slice(1), {
      cwd: root,
      env: { ...process.env, FORCE_COLOR: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    })
    children.add(child)
    // A task that hangs (a test runner waiting on something that never comes) must not hold CI
    // for ever: past the limit its whole process group is stopped and the task fails, saying so.
    let timedOut = false
    const timer = setTimeout(
      () => {
        timedOut = true
        output += `\n${task.name}: still running after ${task.timeoutS ?? TASK_TIMEOUT_S} s, stopped\n`
        try {
          process.kill(-child.pid, 'SIGKILL')
        } catch {}
      },
      (task.timeoutS ?? TASK_TIMEOUT_S) * 1000,
    )
    child.stdout.on('data', (c) => {
      output += c
    })
    child.stderr.on('data', (c) => {
      output += c
    })
    child.on('error', (err) => {
      output += `\n${err.stack}`
    })
    child.on('close', (code, signal) => {
      clearTimeout(timer)
      children.delete(child)
      const seconds = (Date.now() - started) / 1000
      const ok = code === 0
      console.log(`\n━━ ${task.name} ${ok ? 'passed' : 'FAILED'} in ${seconds.toFixed(1)} s ━━`)
      process.stdout.write(output.endsWith('\n') ? output : `${output}\n`)
      resolve({ ...task, ok, seconds, code: code ?? signal, timedOut, output })
    })
  })
}

/** The lines of a task's output that name failing tests and their errors, at most 60. */
function failureDigest(output) {
  const lines = output.split('\n')
  const picked = []
  const marker = /(^|\s)(FAIL|×|✗|not ok|AssertionError|Error:|Timeout|timed out|still running after)/
  for (let i = 0; i < lines.length && picked.length < 60; i++) {
    if (!marker.test(lines[i])) continue
    for (const line of lines.slice(i, i + 4)) if (picked.length < 60 && line.trim()) picked.push(line)
    i += 3
  }
  return picked.length ? picked.join('\n') : lines.slice(-30).join('\n')
}

const startedAt = Date.now()
console.log(`Running ${selected.length} tasks, ${jobs} at a time: ${selected.map((t) => t.name).join(', ')}`)
const queue = [...selected]
const results = []
await Promise.all(
  Array.from({ length: Math.min(jobs, queue.length) }, async () => {
    for (let task = queue.shift(); task; task = queue.shift()) {
      let result = await runTask(task)
      // The workerd test runner has been seen to stall, idle, after its tests (once in many
      // runs): such a task is run once more, and the summary says so. A failing test is not retried.
      if (result.timedOut && task.retryOnStall) {
        console.log(`\n━━ ${task.name} stalled; running it once more ━━`)
        result = { ...(await runTask(task)), retried: true }
      }
      results.push(result)
    }
  }),
)

const failed = results.filter((r) => !r.ok)
console.log('\n━━ summary ━━')
for (const r of results)
  console.log(
    `  ${r.ok ? 'ok  ' : 'FAIL'}  ${r.seconds.toFixed(1).padStart(6)} s  ${r.name}${r.retried ? ' (after a stalled run)' : ''}`,
  )
console.log(`  wall ${((Date.now() - startedAt) / 1000).toFixed(1)} s`)
console.log(`tasks: ${results.length - failed.length} passed, ${failed.length} failed`)
// A CI log is often read from its end: repeat what each failed task said about its failures
// (the failing test names and the first lines of each error), bounded, after the summary.
for (const r of failed) {
  console.log(`\n━━ why ${r.name} failed ━━`)
  console.log(failureDigest(r.output))
}
process.exit(failed.length ? 1 : 0)
