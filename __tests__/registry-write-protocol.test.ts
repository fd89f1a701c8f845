// The write protocol both adapters share (issue 13, item 1), driven by a fake backend: the
// order of its steps, what a revalidation replaces, a dry run, and retries after lost races.
import type { AuditFacts, RegistryEvent, WriteOptions } from '../src/registry/port.js'
import { runWrite, type Decided } from '../src/registry/write-protocol.js'

const event = (by: string): RegistryEvent => ({
  kind: 'assignment',
  model: 'm',
  version: 'v2',
  stage: 'prod',
  at: new Date(0),
  by,
  id: `e-${by}`
})

/** A backend that loses `losses` races, recording each step it is asked for. */
function backend(options: { losses?: number; decided?: (audit: AuditFacts) => Decided<string> }) {
  const log: string[] = []
  let losses = options.losses ?? 0
  const steps = {
    model: 'm',
    stage: 'prod',
    maxAttempts: 3,
    read: async (attempt: number, lost: string | undefined) => {
      log.push(`read ${attempt}${lost ? ` after ${lost}` : ''}`)
      return `view${attempt}`
    },
    decide: (view: string, audit: AuditFacts): Decided<string> => {
      log.push(`decide ${view} as ${audit.actor}`)
      return (
        options.decided?.(audit) ?? {
          holder: () => undefined,
          plan: (current: AuditFacts) => ({ plan: `plan by ${current.actor}` })
        }
      )
    },
    preview: (plan: string) => [event(plan)],
    write: async (plan: string, audit: AuditFacts, attempt: number) => {
      log.push(`write ${plan} (${audit.actor})`)
      if (losses-- > 0) return { lost: `race ${attempt}` }
      return { written: { written: true as const, events: [event(plan)], attempts: attempt } }
    },
    gaveUp: (attempts: number, lost: string) => new Error(`gave up after ${attempts}: ${lost}`)
  }
  return { steps, log }
}

const alice: AuditFacts = { actor: 'alice' }

describe('the shared write protocol', () => {
  it('reads, decides, revalidates, plans and writes, once when nothing races', async () => {
    const { steps, log } = backend({})
    const seen: unknown[] = []
    const options: WriteOptions = {
      revalidate: context => {
        seen.push(context)
        log.push('revalidate')
      }
    }
    const result = await runWrite(steps, alice, options)
    expect(result).toEqual({ written: true, events: [event('plan by alice')], attempts: 1 })
    expect(log).toEqual([
      'read 1',
      'decide view1 as alice',
      'revalidate',
      'write plan by alice (alice)'
    ])
    expect(seen).toEqual([{ model: 'm', stage: 'prod', holder: undefined, attempt: 1 }])
  })

  it('writes nothing when there is nothing to do, or on a dry run', async () => {
    const noop = backend({ decided: () => ({ noop: 'already in stage' }) })
    expect(await runWrite(noop.steps, alice, {})).toEqual({
      written: false,
      reason: 'already in stage'
    })
    const dry = backend({})
    expect(await runWrite(dry.steps, alice, { dryRun: true })).toEqual({
      written: false,
      reason: 'dry run',
      planned: [event('plan by alice')]
    })
    expect(dry.log.some(step => step.startsWith('write'))).toBe(false)
  })

  it('keeps the facts a revalidation replaced for the attempts after a lost race', async () => {
    const { steps, log } = backend({ losses: 1 })
    const result = await runWrite(steps, alice, {
      revalidate: ({ attempt }) => (attempt === 1 ? { actor: 'carol' } : undefined)
    })
    expect(result).toMatchObject({ written: true, attempts: 2 })
    expect(log).toEqual([
      'read 1',
      'decide view1 as alice',
      'write plan by carol (carol)',
      'read 2 after race 1',
      'decide view2 as carol',
      'write plan by carol (carol)'
    ])
  })

  it('checks the actor a revalidation gives, and gives up after the last lost race', async () => {
    const bad = backend({})
    await expect(
      runWrite(bad.steps, alice, { revalidate: () => ({ actor: ' <> ' }) })
    ).rejects.toThrow('Every registry write needs an actor')
    const contended = backend({ losses: 5 })
    await expect(runWrite(contended.steps, alice, {})).rejects.toThrow('gave up after 3: race 3')
  })

  it('finishes an earlier run’s write without asking to revalidate it', async () => {
    const { steps, log } = backend({ decided: () => ({ finish: 'finish plan' }) })
    let asked = 0
    const revalidate = () => void asked++
    expect(await runWrite(steps, alice, { revalidate })).toMatchObject({ written: true })
    expect(asked).toBe(0)
    expect(log).toContain('write finish plan (alice)')
  })
})
