/**
 * What `register` prints, on git and on MLflow: what was recorded (or would be), and the
 * candidate digest kept with it. The command hands over a result; the words are chosen here.
 */
import type { WriteResult } from '../registry/port.js'
import { escape } from './markdown.js'
import { describePublication, lineOf } from './registry-tables.js'

/** `register` on git: a version on a commit. */
export interface RegisterRequest {
  model: string
  version: string
  /** The commit (already resolved) the version is made of. */
  commit: string
  dryRun?: boolean
}

/** `register` on MLflow: a version confirmed, or made from a run. */
export interface RegisterMlflowRequest {
  model: string
  /** Confirm this existing version (no write). */
  version?: string
  /** Create a version from this run's logged model (`model-versions/create`). */
  runId?: string
  /** The model's artifact path inside the run. Default `model`. */
  artifactPath?: string
  /** The digest of the files the run logged (`modelgate digest DIR`), kept as a version tag. */
  candidateDigest?: string
  dryRun?: boolean
}

export interface RegisterResult {
  /** The request as given (printed back in the JSON, field for field). */
  request: RegisterRequest
  result: WriteResult
  /** The content digest recorded with the version, or why there is none. */
  digest: { digest: string } | { why: string }
}

export function renderRegister({ request, result, digest }: RegisterResult): {
  markdown: string
  json: string
} {
  // Names from the command line or a workflow input: escaped for the markdown below.
  const [model, version] = [request.model, request.version].map(escape)
  const what = `${model} ${version} on ${request.commit.slice(0, 12)}`
  const text = result.written
    ? `Registered ${what}: \`${result.events.map(event => event.id).join('`, `')}\`${lineOf(describePublication(result.publication))}`
    : result.reason === 'dry run'
      ? `Dry run: would register ${what}: \`${result.planned.map(event => event.id).join('`, `')}\``
      : `Nothing written: ${model} ${version} ${result.reason}.`
  const note =
    'digest' in digest
      ? `Candidate digest: ${digest.digest}`
      : `No candidate digest recorded (${escape(digest.why)}): a candidate directory is compared with the version's own files instead, or refused when they cannot be read.`
  return {
    markdown: `${text}\n${result.written || result.reason === 'dry run' ? `${note}\n` : ''}`,
    json: JSON.stringify(
      {
        ...request,
        written: result.written,
        ...(result.written && result.publication ? { publication: result.publication } : {}),
        ...('digest' in digest ? { candidateDigest: digest.digest } : {})
      },
      null,
      2
    )
  }
}

export interface RegisterMlflowResult {
  /** The request as given (printed back in the JSON, field for field). */
  request: RegisterMlflowRequest
  /** The version confirmed or created (undefined when a dry run creates one). */
  version: string | undefined
  written: boolean
  what:
    | { kind: 'confirmed'; version: string }
    | {
        kind: 'from-run'
        /** `runs:/<run>/<path>`. */
        source: string
        /** MLflow's number for the version, when it gave one. */
        version: string | undefined
        outcome: 'written' | 'dry run' | 'already registered'
      }
}

export function renderRegisterMlflow(registered: RegisterMlflowResult): {
  markdown: string
  json: string
} {
  const { request, what, written } = registered
  // Names, run ids and paths come from the command line: escaped for the markdown below.
  const model = escape(request.model)
  let text: string
  if (what.kind === 'confirmed') {
    const run = request.runId ? escape(request.runId) : undefined
    text = `${model} version ${escape(what.version)} is registered in MLflow${run ? ` from run ${run}` : ''}; nothing to write.`
  } else {
    const source = escape(what.source)
    text =
      what.outcome === 'written'
        ? `Registered ${model} version ${escape(what.version ?? '?')} from ${source}.`
        : what.outcome === 'dry run'
          ? `Dry run: would create a version of ${model} from ${source} (MLflow gives it its number).`
          : `Nothing written: ${model} version ${escape(what.version ?? '?')} is already registered from ${source}.`
  }
  return {
    markdown: `${text}\n${request.candidateDigest && (written || request.dryRun) ? `Candidate digest: ${request.candidateDigest}\n` : ''}`,
    json: JSON.stringify({ ...request, version: registered.version, written }, null, 2)
  }
}
