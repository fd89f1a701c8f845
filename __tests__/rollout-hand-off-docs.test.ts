// docs/rollout.md's workflows (issue 15, "Hand-off to serving"): every ```yaml block parses; a
// ModelGate step uses only inputs action.yml declares; the deploy workflows read the payload
// through env (never `${{ github.event.client_payload… }}` inside a script) and their scripts
// are valid shell.
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { parse } from 'yaml'

type Step = { uses?: string; run?: string; with?: Record<string, unknown> }
type Job = { steps: Step[]; env?: Record<string, string> }
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
    expect(scripts[1]).toContain('VariantName=challenger,DesiredWeight=$TRAFFIC')
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

  it('every run script is valid shell (bash -n)', () => {
    const scripts = workflows.flatMap(steps).flatMap(step => (step.run ? [step.run] : []))
    expect(scripts.length).toBeGreaterThanOrEqual(6)
    for (const script of scripts) {
      expect(() => execFileSync('bash', ['-n'], { input: script, stdio: 'pipe' })).not.toThrow()
    }
  })
})
