// The pure rollout logic (src/rollout/) sits below the registry: the registry's adapters
// (registry/git/rollout.ts, registry/mlflow/rollout.ts) and its port import the step types and
// rules from rollout/, and nothing in rollout/ imports the registry, so the two folders form no
// import cycle.
import { readdir, readFile } from 'node:fs/promises'
import path from 'node:path'
import { REPO_ROOT } from './helpers/run-action.js'

/** The relative imports of a TypeScript file, resolved to paths under src/. */
async function importsOf(file: string): Promise<string[]> {
  const text = await readFile(file, 'utf8')
  const found = [...text.matchAll(/(?:import|export)[^'"]*?from\s+'(\.[^']+)'/g)]
  return found.map(m =>
    path.relative(path.join(REPO_ROOT, 'src'), path.resolve(path.dirname(file), m[1] as string))
  )
}

describe('src/rollout is below src/registry', () => {
  it('no file in src/rollout imports from src/registry', async () => {
    const dir = path.join(REPO_ROOT, 'src', 'rollout')
    const files = (await readdir(dir)).filter(name => name.endsWith('.ts'))
    expect(files.length).toBeGreaterThan(2)
    const offending: string[] = []
    for (const name of files) {
      for (const target of await importsOf(path.join(dir, name))) {
        if (target.startsWith(`registry${path.sep}`)) offending.push(`${name} → ${target}`)
      }
    }
    expect(offending).toEqual([])
  })

  it('the registry port takes the step types from src/rollout', async () => {
    const targets = await importsOf(path.join(REPO_ROOT, 'src', 'registry', 'port.ts'))
    expect(targets).toContain(path.join('rollout', 'step-types.js'))
  })
})
