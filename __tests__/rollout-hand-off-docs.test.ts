// docs/rollout.md's workflows (issue 15, "Hand-off to serving"): every ```yaml block parses; a
// ModelGate step uses only inputs action.yml declares; the deploy workflows read the payload
// through env (never `${{ github.event.client_payload… }}` inside a script) and their scripts
// are valid shell.
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { parse } from 'yaml'

type Step = {
  id?: string
  name?: string
  uses?: string
  run?: string
  with?: Record<string, unknown>
  env?: Record<string, string>
}
type Job = { if?: string; steps: Step[]; env?: Record<string, string> }
type Workflow = {
  on?: Record<string, unknown>
  permissions?: Record<string, string>
  jobs?: Record<string, Job>
}

const action = parse(readFileSync('action.yml', 'utf8')) as { inputs: Record<string, unknown> }
const page = readFileSync('docs/rollout.md', 'utf8')
const blocks = [...page.matchAll(/```yaml\n([\s\S]*?)```/g)].map(match => match[1] as string)
const handOff = page.slice(page.indexOf('\n## Hand-off to serving'))
const workflows = [...handOff.matchAll(/```yaml\n([\s\S]*?)```/g)]
  .map(match => parse(match[1] as string) as Workflow)
  .filter(w => w.jobs)
const steps = (workflow: Workflow) => Object.values(workflow.jobs ?? {}).flatMap(job => job.steps)
const isModelGate = (step: Step) =>
  step.uses !== undefined && (step.uses.startsWith('./') || /\/modelgate@/.test(step.uses))

describe('docs/rollout.md workflows', () => {
  it('every yaml block parses', () => {
    expect(blocks.length).toBeGreaterThanOrEqual(5)
    for (const block of blocks) expect(() => parse(block)).not.toThrow()
  })

  it('the hand-off section is the last section of the page', () => {
    expect(page.indexOf('\n## Hand-off to serving')).toBeGreaterThan(0)
    expect(handOff.slice(1).includes('\n## ')).toBe(false)
  })

  it('a ModelGate step uses only inputs action.yml declares, and turns the hand-off on', () => {
    const ours = workflows.flatMap(steps).filter(isModelGate)
    expect(ours.length).toBeGreaterThanOrEqual(1)
    for (const step of ours) {
      for (const key of Object.keys(step.with ?? {})) {
        expect([key, key in action.inputs]).toEqual([key, true])
      }
    }
    const sender = workflows.find(w => steps(w).some(isModelGate))
    expect(sender?.permissions).toMatchObject({ deployments: 'write', contents: 'write' })
    expect(steps(sender!).find(isModelGate)?.with).toMatchObject({
      deployments: true,
      'dispatch-event-type': 'modelgate-deploy'
    })
  })

  it('KServe, SageMaker and Databricks deploy workflows run on the dispatch event', () => {
    const deployers = workflows.filter(w => w.on && 'repository_dispatch' in w.on)
    expect(deployers).toHaveLength(3)
    const scripts = deployers.map(w =>
      steps(w)
        .map(step => step.run ?? '')
        .join('\n')
    )
    expect(scripts[0]).toMatch(/kubectl patch inferenceservice .*--type merge/)
    expect(scripts[0]).toContain('canaryTrafficPercent')
    expect(scripts[1]).toContain('aws sagemaker update-endpoint-weights-and-capacities')
    expect(scripts[1]).toMatch(/--desired-weights-and-capacities/)
    expect(scripts[1]).toContain('VariantName=challenger,DesiredWeight=$SHARE')
    expect(scripts[2]).toContain('databricks serving-endpoints update-config churn-model --json')
    expect(scripts[2]).toContain('"traffic_config"')
    for (const workflow of deployers) {
      expect(workflow.on?.repository_dispatch).toEqual({ types: ['modelgate-deploy'] })
      for (const step of steps(workflow)) {
        // The payload reaches scripts through env only: an expression inside `run:` is pasted
        // into the script before it runs (script injection).
        expect(step.run ?? '').not.toContain('${{')
      }
      const env = Object.values(workflow.jobs ?? {})[0]?.env ?? {}
      expect(env.TRAFFIC).toBe('${{ github.event.client_payload.traffic_percent }}')
    }
  })

  it('a ModelGate step in the hand-off section names the current major, @v0 (README, docs/cli.md)', () => {
    const ours = workflows.flatMap(steps).filter(isModelGate)
    for (const step of ours) expect(step.uses).toMatch(/\/modelgate@v0$/)
    expect(handOff).not.toContain('modelgate@v1')
  })

  it('every run script is valid shell (bash -n)', () => {
    const scripts = workflows.flatMap(steps).flatMap(step => (step.run ? [step.run] : []))
    expect(scripts.length).toBeGreaterThanOrEqual(6)
    for (const script of scripts) {
      expect(() => execFileSync('bash', ['-n'], { input: script, stdio: 'pipe' })).not.toThrow()
    }
  })
})

// The attacker review of the hand-off (issue 15): a deploy snippet is copied as it stands, so what
// it trusts and what it filters is part of the product.
describe('docs/rollout.md deploy snippets: what they apply, and what they trust', () => {
  const deployers = workflows.filter(w => w.on && 'repository_dispatch' in w.on)
  const jobs = deployers.map(w => Object.values(w.jobs ?? {})[0] as Job)
  const policyStages = ['staging', 'shadow', 'canary', 'production']

  it("each job's if: names the model and the stage(s) it applies, so another stage's change never patches it", () => {
    expect(jobs).toHaveLength(3)
    for (const job of jobs) {
      expect(job.if ?? '').toMatch(/github\.event\.client_payload\.model == '[^']+'/)
      const stages = [...(job.if ?? '').matchAll(/client_payload\.stage == '([^']+)'/g)].map(
        m => m[1]
      )
      expect(stages.length).toBeGreaterThanOrEqual(1)
      for (const stage of stages) expect(policyStages).toContain(stage)
      // A staging promotion (stage: staging) must not reach a canary/production endpoint.
      expect(stages).not.toContain('staging')
      // Stage alternatives are grouped, so `model && (a || b)` and not `model && a || b`.
      if (stages.length > 1) expect(job.if).toMatch(/&& \(.*\|\|.*\)/)
    }
  })

  it('the event is a trigger only: each reads the registry with the CLI from a checkout with tags and refuses a payload that disagrees', () => {
    for (const workflow of deployers) {
      const all = steps(workflow)
      const checkout = all.findIndex(step => step.uses?.startsWith('actions/checkout@'))
      expect(checkout).toBeGreaterThanOrEqual(0)
      expect(all[checkout]?.with).toMatchObject({ 'fetch-depth': 0, 'fetch-tags': true })
      const read = all.findIndex(step =>
        /node modelgate\.mjs (rollout|status) [^\n]*--json/.test(step.run ?? '')
      )
      expect(read).toBeGreaterThan(checkout)
      const reader = all[read] as Step
      expect(reader.id).toBe('registry')
      // It refuses (exit 1) when the event's version or share is not the registry's.
      expect(reader.run).toMatch(/!= "\$VERSION"/)
      expect(reader.run).toMatch(/!= "\$TRAFFIC"/)
      expect(reader.run).toContain('refused')
      expect(reader.run).toContain('>> "$GITHUB_OUTPUT"')
      // What is applied comes from the registry's reading, not from the event.
      const apply = all.findIndex(step => step.name === 'Apply the split')
      expect(apply).toBeGreaterThan(read)
      expect(JSON.stringify(all[apply]?.env)).toContain('steps.registry.outputs.version')
      expect(JSON.stringify(all[apply]?.env)).not.toContain('client_payload')
    }
  })

  it('secrets reach only the steps that use them, and third-party actions are pinned by commit SHA', () => {
    for (const workflow of deployers) {
      for (const job of Object.values(workflow.jobs ?? {})) {
        expect(JSON.stringify(job.env ?? {})).not.toContain('secrets.')
      }
      for (const step of steps(workflow)) {
        const uses = step.uses
        if (uses === undefined || /^actions\//.test(uses) || uses.startsWith('./')) continue
        if (/\/modelgate@/.test(uses)) continue
        // aws-actions is AWS's own organisation, as actions/ is GitHub's; every other action is
        // pinned to a 40-hex commit, as the repository's own workflows pin theirs.
        if (uses.startsWith('aws-actions/')) continue
        expect([uses, /^[\w.-]+\/[\w.-]+@[0-9a-f]{40}$/.test(uses)]).toEqual([uses, true])
      }
      for (const step of steps(workflow)) {
        expect(step.uses ?? '').not.toMatch(/@(main|master)$/)
      }
    }
  })

  it("SageMaker: a start points the challenger variant at the registry's version, and each step checks it before moving weights", () => {
    const sagemaker = steps(deployers[1] as Workflow)
      .map(step => step.run ?? '')
      .join('\n')
    expect(sagemaker).toMatch(/if \[ "\$STEP" = start \]/)
    expect(sagemaker).toContain('aws sagemaker create-endpoint-config')
    expect(sagemaker).toContain('aws sagemaker update-endpoint --endpoint-name churn-model')
    expect(sagemaker).toMatch(/VariantName=='challenger'\]\.ModelName/)
    const check = sagemaker.indexOf("VariantName=='challenger'].ModelName")
    expect(check).toBeLessThan(sagemaker.indexOf('update-endpoint-weights-and-capacities'))
  })
})
