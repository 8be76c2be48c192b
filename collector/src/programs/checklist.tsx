/**
 * The first-run checklist of a program: install the script → first click → first signup → first
 * conversion (live data). Each step is worked out from what the program already has (the hub's
 * live counters, and D1 for whether a click came from the script), and the page's live socket
 * ticks the rest as the events arrive (client/checklist.ts).
 */
import type { Env } from '../lib/env'
import { hubFor } from '../lib/env'

export type ChecklistStep = 'script' | 'click' | 'signup' | 'conversion'

export type ChecklistState = Record<ChecklistStep, boolean>

export const CHECKLIST_STEPS: ChecklistStep[] = ['script', 'click', 'signup', 'conversion']

export function checklistDone(state: ChecklistState): boolean {
  return CHECKLIST_STEPS.every((s) => state[s])
}

export async function checklistState(env: Env, programId: string): Promise<ChecklistState> {
  const hub = hubFor(env, programId)
  const [totals, queued] = await Promise.all([hub.totals('live'), hub.queuedClickSources('live')])
  // Whether a click came from the script: those still waiting in the hub for their batch
  // (minutes, at a few clicks an hour), else D1's raw clicks. D1 is read only after the hub has
  // answered: a click the hub no longer holds has been confirmed in D1 by then. Read side by
  // side, D1 could answer before a batch landed and the hub after it was confirmed, and the
  // click was in neither answer.
  const seen =
    queued.script && (queued.click || totals.clicks > 0)
      ? null
      : await env.DB.prepare(
          `SELECT EXISTS (SELECT 1 FROM clicks WHERE program_id = ?1 AND mode = 'live' AND source = 'script') AS script,
                  EXISTS (SELECT 1 FROM clicks WHERE program_id = ?1 AND mode = 'live') AS click`,
        )
          .bind(programId)
          .first<{ script: number; click: number }>()
  return {
    script: queued.script || !!seen?.script,
    click: totals.clicks > 0 || queued.click || !!seen?.click,
    signup: totals.signups > 0,
    conversion: totals.conversions > 0,
  }
}

const STEP_TEXT: Record<ChecklistStep, { title: string; hint: string }> = {
  script: {
    title: 'Install the script',
    hint: 'Add the script tag to your site; this ticks with the first click the script reports (open your site with ?ref=test).',
  },
  click: {
    title: 'First click seen',
    hint: 'A visit through an affiliate link: the script on a ?ref= URL, or a /go/<code> link.',
  },
  signup: {
    title: 'First signup',
    hint: 'Your backend calls trackSignup() (or a Stripe checkout completes).',
  },
  conversion: {
    title: 'First conversion',
    hint: 'Your backend calls trackConversion() (or Stripe sends invoice.paid).',
  },
}

/** The checklist panel; `#checklist` is what client/checklist.ts ticks. */
export function Checklist({ programId, state }: { programId: string; state: ChecklistState }) {
  const done = checklistDone(state)
  const count = CHECKLIST_STEPS.filter((s) => state[s]).length
  return (
    <section
      class="panel checklist"
      id="checklist"
      aria-labelledby="checklist-title"
      data-program={programId}
      data-complete={done ? 'true' : 'false'}
    >
      <h2 id="checklist-title">Get started</h2>
      <p class="scope">
        Live data · each step ticks the moment its first event arrives ·{' '}
        <span id="checklist-count">{count}</span> of {CHECKLIST_STEPS.length} done
      </p>
      <ol class="checklist-steps">
        {CHECKLIST_STEPS.map((step) => (
          <li data-step={step} data-done={state[step] ? 'true' : 'false'}>
            <span class="check-mark" aria-hidden="true" />
            <span class="check-body">
              <strong>{STEP_TEXT[step].title}</strong>
              <span class="muted">{STEP_TEXT[step].hint}</span>
            </span>
            <span class="check-state">{state[step] ? 'Done' : 'Waiting'}</span>
          </li>
        ))}
      </ol>
      <p id="checklist-done" class="check-complete" hidden={!done}>
        All set: this program is tracking clicks, signups and conversions.
      </p>
      <p id="checklist-status" class="sr-only" role="status" />
    </section>
  )
}
