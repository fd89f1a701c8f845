import path from 'node:path'
import * as core from '@actions/core'
import { afterRun } from './action/after-run.js'
import { runForEvent, type EventContext } from './action/events.js'
import { missingToken, repoRef, type GitHubPorts } from './action/github-context.js'
import { octokitRepoAccess } from './github/access.js'
import { createOctokit } from './github/client.js'
import { octokitCommentSink } from './github/comments.js'
import { octokitDeploymentSink } from './github/deployments.js'
import { octokitRepositoryDispatch } from './github/repository-dispatch.js'
import { handOffToServing, keepingCopies } from './action/hand-off.js'
import type { HandOffSettings } from './inputs.js'
import { octokitReviewSource } from './github/reviews.js'
import { gitHubAttestationSource } from './github/attestations.js'
import { loadProvenanceVerifier } from './provenance/trusted-root.js'
import { metricSourceFor } from './monitor/open-source.js'
import { monitoringProber } from './monitor/probe.js'
import { readFile } from 'node:fs/promises'
import { auditCollector, type AuditLog } from './audit/log.js'
import type { AuditRecord } from './audit/record.js'
import { webhookUrls, type WebhookRoutes } from './notify/route.js'
import { maskableParts, type NotificationEvent } from './notify/webhook.js'
import { actionsArtifactUploader } from './audit/actions-uploader.js'
import { ExitCode, ModelGateError, errorMessage } from './errors.js'
import { getInputs } from './inputs.js'
import { createGitRunner } from './registry/git/runner.js'
import { neutraliseCommands } from './report/log.js'
import {
  ANNOTATION_TITLE,
  HAND_OFF_ANNOTATION_TITLE,
  HAND_OFF_GROUP_TITLE,
  blockedLine,
  commandGroupTitle,
  unexpectedFailureLine
} from './report/step.js'
import { summaryBudget, summaryFailedWarning } from './report/summary.js'
import { auditTrailFailedWarning } from './report/audit-summary.js'

/**
 * The action's entry: read inputs, run the command, publish the report. The one
 * error boundary: every failure ends here as a failed step with a readable message.
 */
export async function run(): Promise<void> {
  // Audit records of this run: promotions, rollbacks and refused attempts, also when it fails.
  const audits = auditCollector()
  summary = summaryBudget()
  let webhooks: WebhookRoutes | undefined
  let notifications: readonly NotificationEvent[] = []
  try {
    // Secrets are masked before anything, even a refusal of the other inputs, can print them.
    const settings = getInputs({ onSecret: secret => core.setSecret(secret) })
    webhooks = settings.notifyWebhooks
    // Slack-style URLs carry the secret in the path: mask the parts too, wherever they appear.
    for (const url of webhookUrls(webhooks))
      for (const part of maskableParts(url)) core.setSecret(part)
    const kept = keepingCopies(audits)
    const runner = runnerContext(
      kept.log,
      settings.githubToken,
      settings.sigstoreTrustedRoot,
      settings.handOff ?? { deployments: false }
    )
    const outcome = await core.group(commandGroupTitle(settings.command), () =>
      runForEvent(settings, runner)
    )
    notifications = outcome.notifications ?? []
    if (outcome.decision) core.setOutput('decision', outcome.decision)
    core.setOutput('report', outcome.markdown)
    core.setOutput('report-json', outcome.json)
    for (const [name, value] of Object.entries(outcome.outputs ?? {})) core.setOutput(name, value)
    await writeSummary(outcome.markdown)
    log.info(outcome.markdown)
    for (const warning of outcome.warnings ?? []) log.warning(warning)
    // Hand-off to serving, after the registry write and its report: a failure fails the step
    // (the write stays; docs/rollout.md, "Hand-off to serving").
    const handOff = runner.handOff
    let handOffFailed = false
    if (handOff?.enabled) {
      await core.group(HAND_OFF_GROUP_TITLE, () => handOff.announceWritten(kept.records()))
      const failed = handOff.failure()
      if (failed) {
        // One annotation, titled (setFailed would add a second, untitled one with the same text).
        core.error(neutraliseCommands(failed.message), { title: HAND_OFF_ANNOTATION_TITLE })
        process.exitCode = failed.permission ? ExitCode.Permission : ExitCode.Blocked
        handOffFailed = true
      }
    }

    if (outcome.exitCode >= ExitCode.Blocked) {
      const message = blockedLine({
        command: settings.command,
        stage: settings.stage,
        decision: outcome.decision,
        exitCode: outcome.exitCode,
        handOffFailed
      })
      // A failed hand-off fails the step anyway: then its code is the run's own (a monitor's 5
      // or 6 says what happened to the model; the hand-off's 4 or 2 would hide it).
      if (settings.failOnBlocked || handOffFailed) fail(message, outcome.exitCode)
      else log.warning(message)
    }
  } catch (error) {
    if (error instanceof ModelGateError) {
      // Point at the policy line itself, so the annotation shows in the PR's file view.
      for (const location of error.locations) {
        core.error(neutraliseCommands(location.problem ?? error.message), {
          title: ANNOTATION_TITLE,
          file: workspacePath(location.file),
          startLine: location.line,
          startColumn: location.column
        })
      }
      fail(error.message, error.exitCode)
    } else {
      fail(unexpectedFailureLine(errorMessage(error)), ExitCode.Blocked)
    }
  }
  await recordAudits(audits.drain(), webhooks, notifications)
}

/** Every message printed to the log, user text included, cannot act as a workflow command. */
const log = {
  debug: (message: string) => core.debug(neutraliseCommands(message)),
  info: (message: string) => core.info(neutraliseCommands(message)),
  warning: (message: string) => core.warning(neutraliseCommands(message))
}

/** The audit trail and notifications; their problems are warnings (the registry is already written). */
async function recordAudits(
  audits: readonly AuditRecord[],
  webhooks: WebhookRoutes | undefined,
  notifications: readonly NotificationEvent[]
) {
  const env = process.env
  try {
    await afterRun(audits, {
      runId: env.GITHUB_RUN_ID || 'local',
      attempt: Number(env.GITHUB_RUN_ATTEMPT) || 1,
      repository: env.GITHUB_REPOSITORY || undefined,
      uploader: env.ACTIONS_RUNTIME_TOKEN ? actionsArtifactUploader() : undefined,
      ...(webhooks ? { webhooks } : {}),
      notifications,
      summary: writeSummary,
      logger: log
    })
  } catch (error) {
    log.warning(auditTrailFailedWarning(errorMessage(error)))
  }
}

/** The GITHUB_* facts of this run; the only place below inputs that reads the runner's variables. */
function runnerContext(
  audits: AuditLog,
  token: string | undefined,
  trustedRoot: string | undefined,
  handOff: HandOffSettings
): EventContext {
  const env = process.env
  const workspace = env.GITHUB_WORKSPACE || process.cwd()
  const github = gitHubPorts(token, {
    repository: env.GITHUB_REPOSITORY || undefined,
    apiUrl: env.GITHUB_API_URL || 'https://api.github.com'
  })
  const runUrl =
    env.GITHUB_SERVER_URL && env.GITHUB_REPOSITORY && env.GITHUB_RUN_ID
      ? `${env.GITHUB_SERVER_URL}/${env.GITHUB_REPOSITORY}/actions/runs/${env.GITHUB_RUN_ID}`
      : undefined
  const attempt = Number(env.GITHUB_RUN_ATTEMPT) || 1
  return {
    workspace,
    // A re-run keeps GITHUB_ACTOR (the first attempt's) and names who re-ran it here: the person
    // acting, whose rights are checked. Unset outside a runner: the actor.
    actor: env.GITHUB_TRIGGERING_ACTOR || env.GITHUB_ACTOR || 'github-actions',
    ...(env.GITHUB_ACTOR ? { initialActor: env.GITHUB_ACTOR } : {}),
    // A re-run on a runner that does not name who re-ran it (older GHES, other runners):
    // GITHUB_ACTOR is then someone else's name, so nobody's right can be checked.
    ...(attempt > 1 && !env.GITHUB_TRIGGERING_ACTOR ? { unknownRerun: attempt } : {}),
    eventName: env.GITHUB_EVENT_NAME || 'unknown',
    sha: env.GITHUB_SHA || undefined,
    runUrl,
    env,
    onSecret: secret => core.setSecret(secret),
    audits,
    repository: env.GITHUB_REPOSITORY || undefined,
    eventPath: env.GITHUB_EVENT_PATH || undefined,
    ref: env.GITHUB_REF || undefined,
    apiUrl: env.GITHUB_API_URL || 'https://api.github.com',
    logger: log,
    github,
    // The provenance gate's attestations: read from the policy's repository with the same client,
    // verified against the pinned trusted root (or the one the input names).
    attestations: {
      sourceFor: repository =>
        gitHubAttestationSource(github('provenance').api, repoRef(repository)),
      verifier: () => loadProvenanceVerifier(trustedRoot, workspace)
    },
    // `monitoring: required`: the holder's series on the stage's monitor source (a `file:` is
    // read inside the workspace), over the same adapters `monitor` uses.
    monitoringProbe: monitoringProber(block =>
      metricSourceFor(block, { root: workspace, readFile: file => readFile(file, 'utf8'), fetch })
    ),
    git: createGitRunner(workspace),
    handOff: handOffToServing(handOff, () => github('Handing the stage change to serving'), {
      ref: env.GITHUB_SHA || env.GITHUB_REF || undefined,
      runUrl,
      logger: log
    })
  }
}

/**
 * The GitHub adapters, chosen here once and handed to the flows: one client over the token
 * (masked before first use), made on the first flow's need so a run that needs none needs no
 * token; every later need gets the same ports.
 */
function gitHubPorts(
  token: string | undefined,
  where: { repository?: string; apiUrl: string }
): (needs: string) => GitHubPorts {
  let ports: GitHubPorts | undefined
  return needs => {
    if (ports) return ports
    if (!token) throw missingToken(needs)
    core.setSecret(token)
    const api = createOctokit(token, { baseUrl: where.apiUrl, logger: log })
    const repo = repoRef(where.repository)
    ports = {
      api,
      repo,
      reviews: octokitReviewSource(api, repo, log),
      comments: octokitCommentSink(api, repo, log),
      access: octokitRepoAccess(api, repo),
      deployments: octokitDeploymentSink(api, repo),
      dispatch: octokitRepositoryDispatch(api, repo)
    }
    return ports
  }
}

/** The run's writes to the job summary share GitHub's 1 MiB. */
let summary = summaryBudget()

/** Appends to the job summary; a summary that cannot be written is a warning, never a failed run. */
async function writeSummary(markdown: string): Promise<void> {
  try {
    const fitted = summary.fit(markdown)
    if (fitted) await core.summary.addRaw(fitted, true).write()
  } catch (error) {
    log.warning(summaryFailedWarning(errorMessage(error)))
  }
}

/** Annotations want the path relative to the repository root; outside it, keep it whole. */
function workspacePath(file: string): string {
  const workspace = process.env.GITHUB_WORKSPACE
  if (!workspace) return file
  const relative = path.relative(workspace, path.resolve(workspace, file))
  return relative.startsWith('..') || path.isAbsolute(relative) ? file : relative
}

/** Fails the step with the documented exit code, not just 1, so callers can tell why. */
function fail(message: string, exitCode: ExitCode): void {
  core.setFailed(neutraliseCommands(message))
  process.exitCode = exitCode
}
