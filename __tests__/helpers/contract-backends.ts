/**
 * The backends the Registry contract suite (registry-contract.test.ts) runs against, each behind
 * one small fixture: a registry, a fresh model per test, a way to make versions, and a raw view
 * of what the backend holds (to prove that a write wrote nothing).
 *
 * Version labels are the backend's own: git takes the label ModelGate chooses (`v1.0.0`) on a
 * commit; MLflow numbers versions itself (`1`), so its fixture creates the version from a run on
 * the stand-in first, as a training job does, and the port's `register` then confirms it.
 */
import { gitOk } from '../../src/registry/git/runner.js'
import { createGitRegistry } from '../../src/registry/git/adapter.js'
import type { Registry, RegistryEvent, WriteResult } from '../../src/registry/port.js'
import type { Clone, Sandbox } from './git-sandbox.js'
import { commit, fakeClock, hermeticGit, makeSandbox } from './git-sandbox.js'
import { registryOn } from './mlflow-fixtures.js'
import { startMlflowStandIn } from './mlflow-stand-in/index.js'
import type { MlflowStandIn } from './mlflow-stand-in/index.js'
import { createMemoryRegistry } from './memory-registry.js'

/** One test's view of a backend. */
export interface Subject {
  registry: Registry
  /** A model no other test touches. */
  model: string
  /**
   * A new version ready for `register`: its label and the ref `register` takes (git: its commit;
   * MLflow: its run, the version already created from it by the fixture).
   */
  newVersion(): Promise<{ version: string; ref: string }>
  /** A label the backend has never seen for this model. */
  unknownVersion: string
  /** Everything the backend holds for the model, as text: equal before and after = no write. */
  raw(): Promise<string>
  /** Another writer on the same registry (git: another clone of origin), same clock. */
  rival(): Promise<Registry>
}

export interface Backend {
  name: string
  /**
   * MLflow numbers versions itself: the version exists before the port's `register` is called,
   * which then confirms it (`already registered`) rather than writing a registration.
   */
  numbersVersions: boolean
  /** Once per suite. */
  start(): Promise<void>
  stop(): Promise<void>
  subject(): Promise<Subject>
}

const T0 = 1_700_000_000

/** The git adapter on a clone of a bare origin, with a fake clock (no real waiting). */
export function gitBackend(): Backend {
  let sandbox: Sandbox
  let clone: Clone
  let models = 0
  const refs = async (git: Clone['git']) =>
    gitOk(git, ['for-each-ref', '--format=%(refname) %(objectname)', 'refs/tags', 'refs/modelgate'])
  return {
    name: 'git',
    numbersVersions: false,
    async start() {
      sandbox = await makeSandbox()
      clone = await sandbox.clone('work')
    },
    stop: () => sandbox.cleanup(),
    async subject() {
      const clock = fakeClock(T0 + 100_000 * ++models)
      const model = `contract-${models}`
      let next = 0
      const registry = createGitRegistry({ git: clone.git, now: clock.now, sleep: clock.sleep })
      return {
        registry,
        model,
        async newVersion() {
          const ref = await commit(clone.git, `train ${model} ${++next}`)
          return { version: `v${next}.0.0`, ref }
        },
        unknownVersion: 'v99.0.0',
        raw: async () =>
          `${await refs(clone.git)}\n--- origin\n${await refs(hermeticGit(sandbox.origin))}`,
        async rival() {
          const other = await sandbox.clone(`rival-${models}`)
          return createGitRegistry({ git: other.git, now: clock.now, sleep: clock.sleep })
        }
      }
    }
  }
}

const TOKEN = 'dapi-contract-token'

/** The MLflow adapter on the stand-in, in its OSS or its Unity Catalog mode. */
export function mlflowBackend(mode: 'oss' | 'uc'): Backend {
  let stand: MlflowStandIn
  let models = 0
  // One clock for server and adapter: each reading a millisecond later, so order is never a tie.
  let ms = T0 * 1000
  const now = () => ++ms
  return {
    name: mode === 'oss' ? 'mlflow (OSS)' : 'mlflow (Unity Catalog)',
    numbersVersions: true,
    async start() {
      stand = await startMlflowStandIn({ auth: { token: TOKEN }, now })
    },
    stop: () => stand.close(),
    async subject() {
      const model = mode === 'oss' ? `contract-${++models}` : `main.contract.model_${++models}`
      stand.createModel(model)
      const registry = registryOn(stand, {
        unityCatalog: mode === 'uc',
        auth: { token: TOKEN },
        now
      })
      return {
        registry,
        model,
        async newVersion() {
          const runId = stand.createRun({ metrics: { accuracy: 0.9 } })
          const version = stand.createVersion(model, { runId, source: `runs:/${runId}/model` })
          return { version, ref: runId }
        },
        unknownVersion: '99',
        raw: async () =>
          JSON.stringify({ state: stand.snapshot(model), writes: stand.writes().length }),
        rival: async () =>
          registryOn(stand, { unityCatalog: mode === 'uc', auth: { token: TOKEN }, now })
      }
    }
  }
}

/** The in-memory fake written from the port's contract alone (memory-registry.ts). */
export function memoryBackend(): Backend {
  let models = 0
  return {
    name: 'memory',
    numbersVersions: false,
    start: async () => undefined,
    stop: async () => undefined,
    async subject() {
      let ms = T0 * 1000
      const registry = createMemoryRegistry({ now: () => (ms += 1000) })
      const model = `contract-${++models}`
      let next = 0
      return {
        registry,
        model,
        async newVersion() {
          next++
          return { version: `v${next}.0.0`, ref: `commit-${next}` }
        },
        unknownVersion: 'v99.0.0',
        raw: async () => registry.dump(),
        // One process, one store: the rival is the same object, racing through its callbacks.
        rival: async () => registry
      }
    }
  }
}

export function written(result: WriteResult) {
  if (!result.written) throw new Error(`expected a write, got ${JSON.stringify(result)}`)
  return result
}

export function planned(result: WriteResult): RegistryEvent[] {
  if (result.written || result.reason !== 'dry run') {
    throw new Error(`expected a dry run, got ${JSON.stringify(result)}`)
  }
  return result.planned
}

/** What an event says happened, without when or its backend id (a dry run cannot know them). */
export const gist = (event: RegistryEvent) => ({
  kind: event.kind,
  model: event.model,
  version: event.version,
  stage: event.stage,
  by: event.by
})

export async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise
  } catch (error) {
    return error
  }
  throw new Error('expected a rejection')
}
