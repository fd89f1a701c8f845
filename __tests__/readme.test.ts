// action.yml is the contract; the README's inputs and outputs are generated from it. The example
// workflows are the README's first one and the three in docs/workflows.md.
import { readFileSync } from 'node:fs'
import { parse } from 'yaml'
import {
  ACTION_END,
  ACTION_START,
  actionReferenceMarkdown,
  replaceSection
} from '../scripts/docs/action-reference.js'

const actionText = readFileSync('action.yml', 'utf8')
const action = parse(actionText) as {
  inputs: Record<string, { description?: string }>
  runs: { using: string; main: string }
}
const readme = readFileSync('README.md', 'utf8')
const workflowsPage = readFileSync('docs/workflows.md', 'utf8')

describe('README and action.yml agree', () => {
  it('the inputs and outputs tables are what action.yml generates', () => {
    const generated = replaceSection(
      readme,
      ACTION_START,
      ACTION_END,
      actionReferenceMarkdown(actionText)
    )
    if (generated !== readme) {
      throw new Error('The action reference in README.md is stale: run `npm run schema` and commit')
    }
  })

  it('every input is documented', () => {
    for (const [name, input] of Object.entries(action.inputs)) {
      expect([name, (input.description ?? '').length > 10]).toEqual([name, true])
      expect(readme).toContain(`| \`${name}\` |`)
    }
  })

  it('runs on node24 from the committed bundle', () => {
    expect(action.runs).toEqual({ using: 'node24', main: 'dist/index.js' })
  })
})

describe('the example workflows of the README and docs/workflows.md', () => {
  const blocks = [readme, workflowsPage].flatMap(text =>
    [...text.matchAll(/```yaml\n([\s\S]*?)```/g)].map(match => match[1] as string)
  )
  type Step = { uses?: string; with?: Record<string, unknown> }
  type Workflow = { on?: unknown; permissions?: unknown; jobs?: Record<string, { steps: Step[] }> }
  const workflows = blocks.map(text => parse(text) as Workflow).filter(w => w.jobs)

  it('parse as YAML, and every ModelGate step uses only inputs action.yml declares', () => {
    expect(workflows.length).toBeGreaterThanOrEqual(4)
    for (const workflow of workflows) {
      const steps = Object.values(workflow.jobs ?? {}).flatMap(job => job.steps)
      const ours = steps.filter(step => step.uses?.includes('/modelgate@'))
      expect(ours).toHaveLength(1)
      for (const key of Object.keys(ours[0]?.with ?? {})) {
        expect([key, key in action.inputs]).toEqual([key, true])
      }
    }
  })

  it('the README shows one workflow, docs/workflows.md the others', () => {
    const count = (text: string) =>
      [...text.matchAll(/```yaml\n([\s\S]*?)```/g)].filter(
        match => (parse(match[1] as string) as Workflow).jobs
      ).length
    expect(count(readme)).toBe(1)
    expect(count(workflowsPage)).toBeGreaterThanOrEqual(3)
  })

  it('cover evaluate on PR, promote on merge and rollback by dispatch, each with permissions', () => {
    const byEvent = (event: string) =>
      workflows.filter(w => JSON.stringify(w.on ?? {}).includes(event) && w.permissions)
    expect(byEvent('pull_request_review')).toHaveLength(1)
    expect(byEvent('push')).toHaveLength(1)
    expect(byEvent('workflow_dispatch')).toHaveLength(1)
  })
})

describe('the monitor workflows of docs/monitor.md', () => {
  type Step = { uses?: string; with?: Record<string, unknown> }
  type Workflow = {
    on?: Record<string, unknown>
    permissions?: Record<string, string>
    concurrency?: { group?: string; 'cancel-in-progress'?: boolean }
    jobs?: Record<string, { steps: Step[] }>
  }
  const workflows = [...readFileSync('docs/monitor.md', 'utf8').matchAll(/```yaml\n([\s\S]*?)```/g)]
    .map(match => parse(match[1] as string) as Workflow)
    .filter(w => w.jobs)

  it('a scheduled and a repository_dispatch workflow run command monitor with inputs action.yml declares', () => {
    const on = (event: string) => workflows.filter(w => w.on && event in w.on)
    expect(on('schedule')).toHaveLength(1)
    expect(on('repository_dispatch')).toHaveLength(1)
    expect(workflows).toHaveLength(2)
    for (const workflow of workflows) {
      const steps = Object.values(workflow.jobs ?? {}).flatMap(job => job.steps)
      const ours = steps.filter(step => step.uses?.includes('/modelgate@'))
      expect(ours).toHaveLength(1)
      expect(ours[0]?.with?.command).toBe('monitor')
      for (const key of Object.keys(ours[0]?.with ?? {})) {
        expect([key, key in action.inputs]).toEqual([key, true])
      }
      // A rollback pushes tags and notes the pull request; it shares the registry's queue.
      expect(workflow.permissions).toEqual({ contents: 'write', 'pull-requests': 'write' })
      expect(workflow.concurrency).toEqual({
        group: 'modelgate-registry',
        'cancel-in-progress': false
      })
    }
  })
})
