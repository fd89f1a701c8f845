// What the stand-in's registry holds (registered models with tags, aliases and versions; runs
// with metric histories, tags and artifacts) and the test API that seeds and reads it directly,
// past the HTTP routes. The routes (routes.ts) change the same state through these methods.

export interface VersionState {
  version: string
  creation: number
  lastUpdated: number
  userId: string
  stage: string
  source: string
  runId?: string
  status: string
  description?: string
  tags: Map<string, string>
}

export interface ModelState {
  name: string
  creation: number
  lastUpdated: number
  description?: string
  tags: Map<string, string>
  aliases: Map<string, string>
  versions: Map<string, VersionState>
  nextVersion: number
  /** `version/path` → file content. */
  artifacts: Map<string, string>
}

export interface MetricPoint {
  key: string
  value: number
  timestamp: number
  step: number
}

export interface RunState {
  runId: string
  experimentId: string
  userId: string
  start: number
  metrics: MetricPoint[]
  params: Map<string, string>
  tags: Map<string, string>
  /** Artifact path inside the run (`model/MLmodel`) → file content. */
  artifacts: Map<string, string>
}

export class MlflowState {
  readonly models = new Map<string, ModelState>()
  readonly runs = new Map<string, RunState>()
  private runCounter = 0

  constructor(private readonly clock?: () => number) {}

  now(): number {
    return (this.clock ?? Date.now)()
  }

  createModel(name: string, tags: Record<string, string> = {}): void {
    if (this.models.has(name)) throw new Error(`model ${name} exists`)
    const now = this.now()
    this.models.set(name, {
      name,
      creation: now,
      lastUpdated: now,
      tags: new Map(Object.entries(tags)),
      aliases: new Map(),
      versions: new Map(),
      nextVersion: 1,
      artifacts: new Map()
    })
  }

  /** A run with metrics (an array: the history, the last is the latest) and tags. */
  createRun(
    spec: {
      metrics?: Record<string, number | number[]>
      tags?: Record<string, string>
      runId?: string
    } = {}
  ): string {
    const runId = spec.runId ?? `run${(++this.runCounter).toString().padStart(29, '0')}`
    const start = this.now()
    const metrics: MetricPoint[] = []
    for (const [key, value] of Object.entries(spec.metrics ?? {})) {
      const values = Array.isArray(value) ? value : [value]
      values.forEach((v, step) => metrics.push({ key, value: v, timestamp: start + step, step }))
    }
    this.runs.set(runId, {
      runId,
      experimentId: '1',
      userId: 'trainer',
      start,
      metrics,
      params: new Map(),
      tags: new Map(Object.entries(spec.tags ?? {})),
      artifacts: new Map()
    })
    return runId
  }

  /** A READY version (by default), from a run when given. */
  createVersion(
    name: string,
    spec: {
      runId?: string
      source?: string
      status?: string
      tags?: Record<string, string>
      userId?: string
      stage?: string
      mlmodel?: string
    } = {}
  ): string {
    const model = this.model(name)
    const version = String(model.nextVersion++)
    const now = this.now()
    model.versions.set(version, {
      version,
      creation: now,
      lastUpdated: now,
      userId: spec.userId ?? 'trainer',
      stage: spec.stage ?? 'None',
      source:
        spec.source ??
        (spec.runId
          ? `mlflow-artifacts:/1/${spec.runId}/artifacts/model`
          : `s3://bucket/${name}/${version}`),
      ...(spec.runId ? { runId: spec.runId } : {}),
      status: spec.status ?? 'READY',
      tags: new Map(Object.entries(spec.tags ?? {}))
    })
    if (spec.mlmodel !== undefined) {
      model.artifacts.set(`${version}/MLmodel`, spec.mlmodel)
      // `log_model` wrote it into the run's artifacts: the run routes serve it from there.
      const runs = /^runs:\/([^/]+)\/(.+?)\/?$/.exec(spec.source ?? '')
      const run = runs ? this.runs.get(runs[1] as string) : undefined
      if (run) run.artifacts.set(`${runs?.[2]}/MLmodel`, spec.mlmodel)
    }
    return version
  }

  /** `model-versions/delete` as 2.7.1 does it: the version goes, its aliases stay (dangling). */
  deleteVersion(name: string, version: string): void {
    if (!this.model(name).versions.delete(version)) throw new Error(`no version ${version}`)
  }

  setAlias(name: string, alias: string, version: string): void {
    this.model(name).aliases.set(alias, version)
  }

  /** A plain copy of one model's registry state, for comparing before and after. */
  snapshot(name: string): {
    aliases: Record<string, string>
    tags: Record<string, string>
    versions: Record<string, { stage: string; tags: Record<string, string> }>
  } {
    const model = this.model(name)
    return {
      aliases: Object.fromEntries([...model.aliases].sort()),
      tags: Object.fromEntries([...model.tags].sort()),
      versions: Object.fromEntries(
        [...model.versions].map(([v, s]) => [
          v,
          { stage: s.stage, tags: Object.fromEntries([...s.tags].sort()) }
        ])
      )
    }
  }

  /** The model by name, for the test API: a plain Error (not an MLflow answer) when missing. */
  model(name: string): ModelState {
    const model = this.models.get(name)
    if (!model) throw new Error(`no model ${name}`)
    return model
  }
}
