// MLflow's REST routes, OSS (`/api/2.0/mlflow/...`) and Unity Catalog
// (`/api/2.0/mlflow/unity-catalog/...`): for each method and path, the fields the endpoint's
// proto message declares and what the handler (mlflow/server/handlers.py) does with the state.
// The server (server.ts) parses and checks a request against `fields` before `handle` sees it.

import {
  ApiError,
  checkName,
  checkTagCount,
  str,
  validateAlias,
  validateTag,
  validateVersion,
  type FieldSpec
} from './errors.js'
import type { LoggedRequest } from './faults.js'
import { mvJson, omitEmpty, paginate, rmJson, runJson } from './shapes.js'
import type { MlflowState, ModelState, VersionState } from './state.js'

export interface Request {
  logged: LoggedRequest
  params: Record<string, unknown>
  uc: boolean
}

export interface Route {
  fields: Record<string, FieldSpec>
  handle(request: Request): unknown
  /** The route answers a file (text/plain), not JSON. */
  text?: boolean
}

const API = '/api/2.0/mlflow'
export const UC = '/api/2.0/mlflow/unity-catalog'
const STAGES = ['None', 'Staging', 'Production', 'Archived']

/** Every route by path, then by method. */
export class MlflowRoutes {
  readonly table = new Map<string, Map<string, Route>>()

  constructor(private readonly state: MlflowState) {
    this.define()
  }

  private route(
    method: string,
    path: string,
    fields: Record<string, FieldSpec>,
    handle: (r: Request) => unknown
  ): Route {
    const route = { fields, handle }
    const byMethod = this.table.get(path) ?? new Map<string, Route>()
    byMethod.set(method, route)
    this.table.set(path, byMethod)
    return route
  }

  private define(): void {
    const S = (required = false): FieldSpec => ({ type: 'string', required })
    const name = { name: S(true) }
    for (const base of [API, UC]) {
      const uc = base === UC
      this.route('GET', `${base}/registered-models/get`, name, r => ({
        registered_model: rmJson(this.modelOf(r, str(r.params.name)), uc)
      }))
      this.route(
        'GET',
        `${base}/registered-models/search`,
        { filter: S(), max_results: { type: 'int' }, page_token: S(), order_by: { type: 'array' } },
        r => this.searchModels(r)
      )
      this.route(
        'POST',
        `${base}/registered-models/create`,
        { name: S(true), tags: { type: 'array' }, description: S() },
        r => {
          const n = str(r.params.name)
          checkName(n, r.uc)
          if (this.state.models.has(n)) {
            throw new ApiError(
              'RESOURCE_ALREADY_EXISTS',
              `Registered Model (name=${n}) already exists.`
            )
          }
          this.state.createModel(n)
          return { registered_model: rmJson(this.state.model(n), uc) }
        }
      )
      this.route('GET', `${base}/registered-models/alias`, { name: S(true), alias: S(true) }, r =>
        this.getByAlias(r)
      )
      this.route(
        'POST',
        `${base}/registered-models/alias`,
        { name: S(true), alias: S(true), version: S(true) },
        r => {
          const alias = str(r.params.alias)
          validateAlias(alias)
          const version = str(r.params.version)
          validateVersion(version)
          const model = this.modelOf(r, str(r.params.name))
          this.versionOf(model, version)
          model.aliases.set(alias, version)
          model.lastUpdated = this.state.now()
          return {}
        }
      )
      this.route(
        'DELETE',
        `${base}/registered-models/alias`,
        { name: S(true), alias: S(true) },
        r => {
          const alias = str(r.params.alias)
          validateAlias(alias)
          const model = this.modelOf(r, str(r.params.name))
          model.aliases.delete(alias)
          return {}
        }
      )
      const rmTag = { name: S(true), key: S(true), value: S() }
      const setRmTag = (r: Request) => {
        const model = this.modelOf(r, str(r.params.name))
        const key = str(r.params.key)
        const value = str(r.params.value)
        validateTag(key, value, r.uc)
        checkTagCount(model.tags, key, r.uc)
        model.tags.set(key, value)
        model.lastUpdated = this.state.now()
        return {}
      }
      const deleteRmTag = (r: Request) => {
        const model = this.modelOf(r, str(r.params.name))
        const key = str(r.params.key)
        validateTag(key, '', r.uc)
        model.tags.delete(key)
        return {}
      }
      this.route('POST', `${base}/registered-models/${uc ? 'tags' : 'set-tag'}`, rmTag, setRmTag)
      this.route(
        'DELETE',
        `${base}/registered-models/${uc ? 'tags' : 'delete-tag'}`,
        { name: S(true), key: S(true) },
        deleteRmTag
      )

      this.route('GET', `${base}/model-versions/get`, { name: S(true), version: S(true) }, r => {
        const version = str(r.params.version)
        validateVersion(version)
        const model = this.state.models.get(str(r.params.name))
        const found = model?.versions.get(version)
        if (!model || !found || !this.visible(model, r)) {
          throw new ApiError(
            'RESOURCE_DOES_NOT_EXIST',
            `Model Version (name=${str(r.params.name)}, version=${version}) not found`
          )
        }
        return { model_version: mvJson(model, found, uc, true) }
      })
      this.route(
        'GET',
        `${base}/model-versions/search`,
        { filter: S(), max_results: { type: 'int' }, order_by: { type: 'array' }, page_token: S() },
        r => this.searchVersions(r, uc)
      )
      const mvTag = { name: S(true), version: S(true), key: S(true), value: S() }
      this.route('POST', `${base}/model-versions/${uc ? 'tags' : 'set-tag'}`, mvTag, r => {
        const key = str(r.params.key)
        const value = str(r.params.value)
        validateTag(key, value, r.uc)
        const version = this.versionOf(this.modelOf(r, str(r.params.name)), str(r.params.version))
        checkTagCount(version.tags, key, r.uc)
        version.tags.set(key, value)
        version.lastUpdated = this.state.now()
        return {}
      })
      this.route(
        'DELETE',
        `${base}/model-versions/${uc ? 'tags' : 'delete-tag'}`,
        { name: S(true), version: S(true), key: S(true) },
        r => {
          validateTag(str(r.params.key), '', r.uc)
          const version = this.versionOf(this.modelOf(r, str(r.params.name)), str(r.params.version))
          version.tags.delete(str(r.params.key))
          return {}
        }
      )
      if (!uc) {
        this.route(
          'POST',
          `${base}/model-versions/create`,
          {
            name: S(true),
            source: S(true),
            run_id: S(),
            tags: { type: 'array' },
            run_link: S(),
            description: S()
          },
          r => {
            const model = this.modelOf(r, str(r.params.name))
            const tags: Record<string, string> = {}
            for (const tag of (r.params.tags as Array<{ key?: unknown; value?: unknown }>) ?? []) {
              validateTag(str(tag.key), str(tag.value), false)
              tags[str(tag.key)] = str(tag.value)
            }
            const version = this.state.createVersion(model.name, {
              source: str(r.params.source),
              ...(r.params.run_id ? { runId: str(r.params.run_id) } : {}),
              tags
            })
            return {
              model_version: mvJson(model, this.versionOf(model, version), false, true)
            }
          }
        )
        this.route(
          'POST',
          `${base}/model-versions/transition-stage`,
          {
            name: S(true),
            version: S(true),
            stage: S(true),
            archive_existing_versions: { type: 'bool', required: true }
          },
          r => this.transition(r)
        )
        this.route('GET', `${base}/runs/get`, { run_id: S(), run_uuid: S() }, r => this.getRun(r))
        this.route(
          'DELETE',
          `${base}/model-versions/delete`,
          { name: S(true), version: S(true) },
          r => {
            const model = this.modelOf(r, str(r.params.name))
            this.versionOf(model, str(r.params.version))
            this.state.deleteVersion(model.name, str(r.params.version))
            return {}
          }
        )
      }
    }
    const versionArtifact = this.route(
      'GET',
      '/model-versions/get-artifact',
      { name: S(true), version: S(true), path: S(true) },
      r => {
        const model = this.modelOf(r, str(r.params.name))
        const source = model.versions.get(str(r.params.version))?.source ?? ''
        const runs = /^runs:\/([^/]+)/.exec(source)
        if (runs) {
          // 2.7.1 resolves a runs:/ source through its default tracking URI, not its backend store.
          throw new ApiError('RESOURCE_DOES_NOT_EXIST', `Run '${runs[1]}' not found`)
        }
        const text = model.artifacts.get(`${str(r.params.version)}/${str(r.params.path)}`)
        if (text === undefined) {
          throw new ApiError('RESOURCE_DOES_NOT_EXIST', `File ${str(r.params.path)} not found`)
        }
        return text
      }
    )
    versionArtifact.text = true
    // handlers.get_artifact_handler: `run_id` or `run_uuid`, `path`; the run from the backend store.
    const runArtifact = this.route(
      'GET',
      '/get-artifact',
      { run_id: S(), run_uuid: S(), path: S(true) },
      r => {
        const id = str(r.params.run_id) || str(r.params.run_uuid)
        const run = this.state.runs.get(id)
        if (!run) throw new ApiError('RESOURCE_DOES_NOT_EXIST', `Run with id=${id} not found`)
        const text = run.artifacts.get(str(r.params.path))
        if (text === undefined) {
          throw new ApiError('RESOURCE_DOES_NOT_EXIST', `File ${str(r.params.path)} not found`)
        }
        return text
      }
    )
    runArtifact.text = true
  }

  /** A UC route sees only three-level names; an OSS route sees any. */
  private visible(model: ModelState, r: Request): boolean {
    return !r.uc || model.name.split('.').length === 3
  }

  private modelOf(r: Request, name: string): ModelState {
    checkName(name, r.uc)
    const model = this.state.models.get(name)
    if (!model || !this.visible(model, r)) {
      throw new ApiError('RESOURCE_DOES_NOT_EXIST', `Registered Model with name=${name} not found`)
    }
    return model
  }

  private versionOf(model: ModelState, version: string): VersionState {
    validateVersion(version)
    const found = model.versions.get(version)
    if (!found) {
      throw new ApiError(
        'RESOURCE_DOES_NOT_EXIST',
        `Model Version (name=${model.name}, version=${version}) not found`
      )
    }
    return found
  }

  private getByAlias(r: Request): unknown {
    const name = str(r.params.name)
    const alias = str(r.params.alias)
    const model = this.state.models.get(name)
    if (r.uc) checkName(name, true)
    let version: string | undefined
    if (model && this.visible(model, r)) {
      version =
        alias.toLowerCase() === 'latest'
          ? String(Math.max(...[...model.versions.keys()].map(Number)))
          : model.aliases.get(alias)
    }
    if (!model || version === undefined) {
      if (r.uc)
        throw new ApiError('RESOURCE_DOES_NOT_EXIST', `Alias ${alias} of ${name} not found.`)
      throw new ApiError('INVALID_PARAMETER_VALUE', `Registered model alias ${alias} not found.`)
    }
    return { model_version: mvJson(model, this.versionOf(model, version), r.uc, true) }
  }

  private transition(r: Request): unknown {
    const model = this.modelOf(r, str(r.params.name))
    const version = this.versionOf(model, str(r.params.version))
    const requested = str(r.params.stage)
    const stage = STAGES.find(s => s.toLowerCase() === requested.toLowerCase())
    if (!stage) {
      throw new ApiError(
        'INVALID_PARAMETER_VALUE',
        `Invalid Model Version stage: ${requested}. Value must be one of None, Staging, Production, Archived.`
      )
    }
    const archive = r.params.archive_existing_versions === true
    if (archive && (stage === 'Staging' || stage === 'Production')) {
      for (const other of model.versions.values()) {
        if (other !== version && other.stage === stage) {
          other.stage = 'Archived'
          other.lastUpdated = this.state.now()
        }
      }
    }
    version.stage = stage
    version.lastUpdated = this.state.now()
    return { model_version: mvJson(model, version, false, true) }
  }

  private getRun(r: Request): unknown {
    const id = str(r.params.run_id) || str(r.params.run_uuid)
    if (!id) {
      throw new ApiError(
        'INVALID_PARAMETER_VALUE',
        "Missing value for required parameter 'run_id'. See the API docs for more information about request parameters."
      )
    }
    const run = this.state.runs.get(id)
    if (!run) throw new ApiError('RESOURCE_DOES_NOT_EXIST', `Run with id=${id} not found`)
    return { run: runJson(run) }
  }

  private searchModels(r: Request): unknown {
    const filter = r.params.filter === undefined ? undefined : str(r.params.filter)
    let names = [...this.state.models.values()]
      .filter(m => this.visible(m, r))
      .map(m => m.name)
      .sort()
    if (filter) {
      const match = /^name\s*=\s*'([^']*)'$/.exec(filter.trim())
      if (!match) throw new ApiError('INVALID_PARAMETER_VALUE', `Unsupported filter: ${filter}`)
      names = names.filter(n => n === match[1])
    }
    const { page, next } = paginate(names, r.params)
    return omitEmpty({
      // 2.7.1's searches answer `aliases: null`.
      registered_models: page.map(n => ({
        ...(rmJson(this.state.model(n), r.uc) as object),
        aliases: null
      })),
      ...(next ? { next_page_token: next } : {})
    })
  }

  private searchVersions(r: Request, uc: boolean): unknown {
    const filter = str(r.params.filter ?? '')
    const match = /^name\s*=\s*'([^']*)'$/.exec(filter.trim())
    if (filter && !match)
      throw new ApiError('INVALID_PARAMETER_VALUE', `Unsupported filter: ${filter}`)
    const models = [...this.state.models.values()].filter(
      m => this.visible(m, r) && (!match || m.name === match[1])
    )
    const versions = models.flatMap(m =>
      [...m.versions.values()]
        .sort((a, b) => Number(b.version) - Number(a.version))
        .map(v => ({ m, v }))
    )
    const { page, next } = paginate(versions, r.params)
    return omitEmpty({
      model_versions: page.map(({ m, v }) => ({
        ...(mvJson(m, v, uc, false) as object),
        aliases: null
      })),
      ...(next ? { next_page_token: next } : {})
    })
  }
}
