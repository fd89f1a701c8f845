/**
 * The write protocol both adapters follow (git/adapter.ts, mlflow/adapter.ts), per attempt:
 *
 *   1. read     the registry afresh (a lost race's own re-read, when it made one);
 *   2. decide   what to write;
 *   3. nothing to do → `{ written: false, reason }`, nothing written;
 *   4. revalidate: the caller judges again against the holder read now, and may replace the
 *               audit facts (kept for the attempts after), which plans the write again;
 *   5. dry run → `{ written: false, reason: 'dry run', planned }`, nothing written;
 *   6. write;
 *   7. retry from 1 when another writer moved first, up to `maxAttempts`.
 *
 * The backend supplies each step; what a write is (tags, REST calls) stays in its adapter.
 */
import { assertActor } from './actor.js'
import type {
  AuditFacts,
  NoWriteReason,
  RegistryEvent,
  StageHolder,
  WriteOptions,
  WriteResult
} from './port.js'

type Written = Extract<WriteResult, { written: true }>

/** What step 2 decided. */
export type Decided<P> =
  | { noop: NoWriteReason }
  /** An earlier run's write to finish: not a new decision, so nothing to revalidate. */
  | { finish: P }
  | {
      /** The stage's holder now, for the caller's revalidation. */
      holder: () => StageHolder | undefined
      /** The write with these audit facts (the caller's, or what its revalidation replaced). */
      plan: (audit: AuditFacts) => { plan: P } | { noop: NoWriteReason }
    }

export interface WriteSteps<V, P, L> {
  model: string
  /** The stage written; undefined for a registration. */
  stage?: string
  maxAttempts: number
  /** Step 1; `lost` is what the last attempt's lost race left (its fresh view, or why). */
  read(attempt: number, lost: L | undefined): Promise<V>
  decide(view: V, audit: AuditFacts): Decided<P> | Promise<Decided<P>>
  /** Step 5: the events the write would make. */
  preview(plan: P, audit: AuditFacts): RegistryEvent[]
  /** Step 6: written, or lost to another writer (then retried). */
  write(plan: P, audit: AuditFacts, attempt: number): Promise<{ written: Written } | { lost: L }>
  /** After `attempts` lost races: the error to give up with. */
  gaveUp(attempts: number, lost: L): Error
}

export async function runWrite<V, P, L>(
  steps: WriteSteps<V, P, L>,
  auditIn: AuditFacts,
  options: WriteOptions
): Promise<WriteResult> {
  let audit = auditIn
  let lost: L | undefined
  for (let attempt = 1; ; attempt++) {
    const view = await steps.read(attempt, lost)
    const decided = await steps.decide(view, audit)
    if ('noop' in decided) return { written: false, reason: decided.noop }
    let plan: P
    if ('finish' in decided) {
      plan = decided.finish
    } else {
      if (options.revalidate) {
        const replaced = await options.revalidate({
          model: steps.model,
          ...(steps.stage === undefined ? {} : { stage: steps.stage }),
          holder: decided.holder(),
          attempt
        })
        if (replaced) {
          assertActor(replaced)
          audit = replaced
        }
      }
      const planned = decided.plan(audit)
      if ('noop' in planned) return { written: false, reason: planned.noop }
      plan = planned.plan
    }
    if (options.dryRun) {
      return { written: false, reason: 'dry run', planned: steps.preview(plan, audit) }
    }
    const outcome = await steps.write(plan, audit, attempt)
    if ('written' in outcome) return outcome.written
    if (attempt >= steps.maxAttempts) throw steps.gaveUp(attempt, outcome.lost)
    lost = outcome.lost
  }
}
