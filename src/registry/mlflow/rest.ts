/**
 * The MLflow REST calls the adapter makes (registered models, versions, aliases, tags, legacy
 * stages), through the per-command read view (read-view.ts) when `readOnce`: each object read
 * once, all forgotten on any write.
 */
import { NotFoundError } from '../../errors.js'
import { artifactPathOf } from './candidate.js'
import type { Query } from './http.js'
import { MlflowApiError } from './http.js'
import type { MlflowSetup } from './setup.js'
import type { ModelVersionView, RegisteredModelView } from './wire.js'
import { readModelVersion, readPage, readRegisteredModel, readVersionObject } from './wire.js'

/** Pages of a search followed at most, so a listing is bounded too. */
const MAX_PAGES = 100

export class MlflowRest {
  constructor(private readonly s: MlflowSetup) {}

  /**
   * The version's MLmodel. For a `runs:/<run>/<path>` source through the run's own artifacts
   * (`/get-artifact?run_uuid=&path=`, handlers.get_artifact_handler, which finds the run in the
   * backend store): 2.7.1's `/model-versions/get-artifact` resolves such a source through the
   * server's default tracking URI and answers 404 for a run `runs/get` returns. Else through
   * the version.
   */
  async readMlmodelText(model: string, mv: ModelVersionView): Promise<string | undefined> {
    const what = `The MLmodel of ${model} version ${mv.version}`
    const runs = /^runs:\/([^/]+)\//.exec(mv.source ?? '')
    const path = artifactPathOf(mv)
    if (runs && path !== undefined) {
      return this.s.http.getText(
        '/get-artifact',
        { run_uuid: runs[1] as string, path: `${path}/MLmodel` },
        what
      )
    }
    return this.s.http.getText(
      '/model-versions/get-artifact',
      { name: model, version: mv.version, path: 'MLmodel' },
      what
    )
  }

  rmPath(op: string): string {
    return `/mlflow/${this.s.unityCatalog ? 'unity-catalog/' : ''}registered-models/${op}`
  }

  mvPath(op: string): string {
    return `/mlflow/${this.s.unityCatalog ? 'unity-catalog/' : ''}model-versions/${op}`
  }

  async readModel(model: string): Promise<RegisteredModelView> {
    if (this.s.readOnce) return this.s.view.get(`model\0${model}`, () => this.fetchModel(model))
    return this.fetchModel(model)
  }

  async fetchModel(model: string): Promise<RegisteredModelView> {
    return readRegisteredModel(
      await this.s.http.call(
        'GET',
        this.rmPath('get'),
        { name: model },
        `The registered model "${model}"`
      )
    )
  }

  async readModelIfAny(model: string): Promise<RegisteredModelView | undefined> {
    try {
      return await this.readModel(model)
    } catch (error) {
      if (error instanceof NotFoundError) return undefined
      throw error
    }
  }

  async readVersion(model: string, version: string): Promise<ModelVersionView> {
    // One search for every version the command needs (OSS: search answers carry tags), the
    // aliases from the model (search answers `aliases: null`); else one get per version.
    if (this.s.readOnce && !this.s.unityCatalog && !model.includes("'")) {
      const all = await this.versionsOf(model)
      const found = all.get(version)
      if (found) {
        const rm = await this.readModel(model)
        const aliases = [...rm.aliases].filter(([, v]) => v === version).map(([a]) => a)
        return { ...found, aliases }
      }
    }
    const get = async () =>
      readModelVersion(
        await this.s.http.call(
          'GET',
          this.mvPath('get'),
          { name: model, version },
          `Version ${version} of the registered model "${model}"`
        )
      )
    return this.s.readOnce ? this.s.view.get(`version\0${model}\0${version}`, get) : get()
  }

  async readVersionIfAny(model: string, version: string): Promise<ModelVersionView | undefined> {
    try {
      return await this.readVersion(model, version)
    } catch (error) {
      if (error instanceof NotFoundError) return undefined
      throw error
    }
  }

  /** The version an alias points at; undefined when the alias (or the model) is missing. */
  async readAlias(model: string, alias: string): Promise<ModelVersionView | undefined> {
    try {
      return readModelVersion(
        await this.s.http.call(
          'GET',
          this.rmPath('alias'),
          { name: model, alias },
          `The alias "${alias}" of "${model}"`
        )
      )
    } catch (error) {
      // OSS: 400 INVALID_PARAMETER_VALUE "Registered model alias … not found." (for a
      // missing model too); other servers: 404. Callers tell the two apart.
      if (error instanceof NotFoundError) return undefined
      if (
        error instanceof MlflowApiError &&
        error.status === 400 &&
        error.errorCode === 'INVALID_PARAMETER_VALUE' &&
        /alias\b.*\bnot found/i.test(error.serverMessage)
      ) {
        return undefined
      }
      throw error
    }
  }

  async searchVersions(model: string): Promise<ModelVersionView[]> {
    if (model.includes("'")) return []
    const versions: ModelVersionView[] = []
    let token: string | undefined
    for (let page = 0; page < MAX_PAGES; page++) {
      const query: Query = { filter: `name='${model}'`, max_results: 1000, page_token: token }
      const { items, next } = readPage(
        await this.s.http.call('GET', this.mvPath('search'), query, `Versions of "${model}"`),
        'model_versions'
      )
      versions.push(...items.map(readVersionObject))
      if (!next) break
      token = next
    }
    return versions
  }

  async listModels(): Promise<string[]> {
    const names: string[] = []
    let token: string | undefined
    for (let page = 0; page < MAX_PAGES; page++) {
      const { items, next } = readPage(
        await this.s.http.call('GET', this.rmPath('search'), {
          max_results: 1000,
          page_token: token
        }),
        'registered_models'
      )
      for (const item of items) {
        const name = (item as { name?: unknown }).name
        if (typeof name === 'string') names.push(name)
      }
      if (!next) break
      token = next
    }
    return names.sort(compareText)
  }

  async setAlias(model: string, alias: string, version: string): Promise<void> {
    this.s.view.clear()
    await this.s.http.call(
      'POST',
      this.rmPath('alias'),
      { name: model, alias, version },
      `Version ${version} of "${model}"`
    )
  }

  async deleteAlias(model: string, alias: string): Promise<void> {
    this.s.view.clear()
    await this.s.http.call(
      'DELETE',
      this.rmPath('alias'),
      { name: model, alias },
      `The registered model "${model}"`
    )
  }

  async setModelTag(model: string, key: string, value: string): Promise<void> {
    this.s.view.clear()
    const path = this.rmPath(this.s.unityCatalog ? 'tags' : 'set-tag')
    await this.s.http.call(
      'POST',
      path,
      { name: model, key, value },
      `The registered model "${model}"`
    )
  }

  async deleteModelTag(model: string, key: string): Promise<void> {
    this.s.view.clear()
    const path = this.rmPath(this.s.unityCatalog ? 'tags' : 'delete-tag')
    await this.s.http.call('DELETE', path, { name: model, key }, `The registered model "${model}"`)
  }

  async setVersionTag(model: string, version: string, key: string, value: string): Promise<void> {
    this.s.view.clear()
    const path = this.mvPath(this.s.unityCatalog ? 'tags' : 'set-tag')
    await this.s.http.call(
      'POST',
      path,
      { name: model, version, key, value },
      `Version ${version} of "${model}"`
    )
  }

  async deleteVersionTag(model: string, version: string, key: string): Promise<void> {
    this.s.view.clear()
    const path = this.mvPath(this.s.unityCatalog ? 'tags' : 'delete-tag')
    await this.s.http.call(
      'DELETE',
      path,
      { name: model, version, key },
      `Version ${version} of "${model}"`
    )
  }

  async transition(model: string, version: string, stage: string): Promise<void> {
    this.s.view.clear()
    await this.s.http.call(
      'POST',
      this.mvPath('transition-stage'),
      { name: model, version, stage, archive_existing_versions: false },
      `Version ${version} of "${model}"`
    )
  }

  /** The first of `versions` that still exists (read in order), with those found deleted. */
  async firstExisting(
    model: string,
    versions: string[]
  ): Promise<{ target: ModelVersionView; gone: Set<string> } | undefined> {
    const gone = new Set<string>()
    for (const version of versions) {
      const mv = await this.readVersionIfAny(model, version)
      if (mv) return { target: mv, gone }
      gone.add(version)
    }
    return undefined
  }

  /**
   * The rollback target's successor as `<alias>-previous`: `previous` when it still exists,
   * else the next of `others` that does (MLflow refuses an alias on a deleted version).
   */
  async existingPrevious(
    model: string,
    previous: string | null,
    gone: Set<string>,
    others: string[]
  ): Promise<string | null> {
    if (previous === null) return null
    const order = [previous, ...others.filter(v => v !== previous)]
    for (const version of order) {
      if (gone.has(version)) continue
      if (await this.readVersionIfAny(model, version)) return version
      gone.add(version)
    }
    return null
  }

  /** Every version of the model: searched once per command when readOnce (read-view.ts). */
  versionsOf(model: string): Promise<Map<string, ModelVersionView>> {
    if (!this.s.readOnce) return this.versionsByNumber(model)
    return this.s.view.get(`versions\0${model}`, () => this.versionsByNumber(model))
  }

  /** Every version of the model by number (one search page up to 1,000 versions). */
  async versionsByNumber(model: string): Promise<Map<string, ModelVersionView>> {
    return new Map((await this.searchVersions(model)).map(mv => [mv.version, mv]))
  }
}

export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}
