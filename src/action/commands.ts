import type { AuditLog } from '../audit/log.js'
import type { RunFacts } from '../audit/record.js'
import { readFile } from 'node:fs/promises'
import { check } from '../commands/check.js'
import { monitor, type MonitorOutcome } from '../commands/monitor.js'
import { metricSourceFor } from '../monitor/open-source.js'
import type { MonitoringProber } from '../monitor/probe.js'
import { promote, type AttestationAccess } from '../commands/promote.js'
import { register } from '../commands/register.js'
import type { CommandOutcome } from '../commands/registry-context.js'
import { rollback } from '../commands/rollback.js'
import { history, status } from '../commands/status.js'
import { InvalidInputError } from '../errors.js'
import type { GateResult } from '../gates/types.js'
import type { CheckSettings, MonitorSettings, Settings } from '../inputs.js'
import type { Policy } from '../policy/schema.js'
import { openOnFirstUse, resolveCommit } from '../registry/open.js'
import { openWorkspace, type Workspace, type WorkspaceNaming } from '../workspace.js'
import { rendered, type Rendered } from '../report/command.js'
import { rolloutHandoffTo, type HandOff } from './hand-off.js'

/** What the runner tells a step about its run (GITHUB_* variables), read once by main.ts. */
export interface RunnerContext {
  workspace: string
  /**
   * Who acts, and whose rights are checked: whoever triggered this attempt
   * (`GITHUB_TRIGGERING_ACTOR`, which names who re-ran a run), else `GITHUB_ACTOR`.
   */
  actor: string
  /** `GITHUB_ACTOR`: the first attempt's actor, which a re-run keeps; recorded, never trusted. */
  initialActor?: string
  /**
   * The attempt number of a re-run whose runner did not say who re-ran it (no
   * `GITHUB_TRIGGERING_ACTOR`): `actor` is then the first attempt's, not the person acting.
   */
  unknownRerun?: number
  eventName: string
  sha?: string
  runUrl?: string
  /** The environment MLflow credentials are read from. */
  env: Record<string, string | undefined>
  /** Masks a secret in the log before it is used. */
  onSecret: (secret: string) => void
  /** Where every audit record of the run goes (commands' and the flows' own refusals); main.ts drains it. */
  audits: AuditLog
  /** Reads and verifies artifact attestations, for stages with `provenance:`; chosen by main.ts. */
  attestations?: AttestationAccess
  /** Probes a stage's monitor source for its holder, for `monitoring: required`; chosen by main.ts. */
  monitoringProbe?: MonitoringProber
  /** The hand-off to serving, chosen by main.ts: told of every rollout step written. */
  handOff?: HandOff
}

/**
 * The action's composition root for commands: opens the registry the policy
 * names on the workspace checkout and runs the command the inputs ask for.
 */
export async function runCommand(
  settings: Settings,
  runner: RunnerContext,
  checked: CheckedBefore = {}
): Promise<CommandOutcome> {
  if (settings.command === 'check') {
    // The same opener as the CLI's: a candidate or champion may be mlflow:NAME/VERSION.
    return rendered(
      await check(
        {
          policyFile: settings.policy,
          ...(checked.policy ? { policy: checked.policy } : {}),
          candidateDir: candidateOf(settings),
          stage: settings.stage,
          championDir: settings.champion
        },
        openOnFirstUse(runner.workspace, { env: runner.env, onSecret: runner.onSecret })
      )
    )
  }
  if (settings.command === 'monitor') return runMonitor(settings, runner, checked)
  const { policy, model, context, git } = await openCommandContext(settings, runner, checked.policy)
  switch (settings.command) {
    case 'register': {
      const commit = await resolveCommit(git, runner.sha ?? 'HEAD')
      return rendered(
        await register(context, {
          model: modelOf(model, settings),
          version: settings.version,
          commit,
          dryRun: settings.dryRun
        })
      )
    }
    case 'promote':
      if (!policy) throw new InvalidInputError('input "policy" is required for command "promote"')
      return rendered(
        await promote(context, {
          policy,
          stage: settings.stage,
          version: settings.version,
          candidateDir: settings.candidate,
          dryRun: settings.dryRun,
          force: settings.force,
          reason: settings.reason,
          ...(checked.checks ? { checks: checked.checks } : {}),
          ...(runner.attestations ? { attestations: runner.attestations } : {}),
          ...(runner.monitoringProbe ? { monitoringProbe: runner.monitoringProbe } : {})
        })
      )
    case 'rollback':
      return rendered(
        await rollback(context, {
          model: modelOf(model, settings),
          stage: settings.stage,
          toVersion: settings.version,
          reason: settings.reason,
          dryRun: settings.dryRun,
          ...(policy ? { policy } : {})
        })
      )
    case 'status':
      return rendered(await status(context, model))
    case 'history':
      return rendered(await history(context, model, { stage: settings.stage }))
    case 'rollout':
      // events.ts runs it by dispatch (action/rollout.ts), after the actor's right.
      throw new InvalidInputError('command "rollout" runs on workflow_dispatch')
  }
}

/** `command: monitor`: its typed outcome, for the flow that tells the pull requests. */
export async function runMonitor(
  settings: MonitorSettings,
  runner: RunnerContext,
  checked: CheckedBefore = {}
): Promise<Rendered<MonitorOutcome>> {
  const { policy, context } = await openCommandContext(settings, runner, checked.policy)
  if (!policy) throw new InvalidInputError('input "policy" is required for command "monitor"')
  const outcome = await monitor(context, {
    policy,
    model: policy.model,
    ...(settings.stage ? { stage: settings.stage } : {}),
    dryRun: settings.dryRun,
    policyFile: settings.policy,
    sourceFor: block =>
      metricSourceFor(block, {
        root: runner.workspace,
        readFile: file => readFile(file, 'utf8'),
        fetch
      })
  })
  return rendered(outcome)
}

/**
 * The model of a register or rollback: the "model" input, else the policy's. inputs.ts requires
 * one of the two, so this refuses only what it already refused.
 */
export function modelOf(model: string | undefined, settings: Settings): string {
  if (model === undefined) {
    throw new InvalidInputError(`input "model" is required for command "${settings.command}"`)
  }
  return model
}

/**
 * The candidate directory of a check: the "candidate" input, or the downloaded
 * "candidate-artifact" (withCandidateArtifact fills it in). inputs.ts requires one of the two.
 */
function candidateOf(settings: CheckSettings): string {
  if (settings.candidate === undefined) {
    throw new InvalidInputError('input "candidate" is required for command "check"')
  }
  return settings.candidate
}

/** What the event router checked before running a command. */
export interface CheckedBefore {
  /** The actor's right to force, recorded with a promotion. */
  checks?: GateResult[]
  /** The policy the checks read (the default or base branch's), used instead of the checkout's. */
  policy?: Policy
}

/** The policy (when given), the model it names and the registry it lives in, for a command. */
export async function openCommandContext(
  settings: Settings,
  runner: RunnerContext,
  given?: Policy
): Promise<Workspace> {
  return openActionWorkspace(runner, {
    ...(given ? { policy: given } : settings.policy ? { policyFile: settings.policy } : {}),
    ...(settings.model ? { model: settings.model } : {})
  })
}

/** The registry the policy names, on the workspace checkout, with this run's facts for audits. */
export async function openRegistryContext(
  runner: RunnerContext,
  policy: Policy | undefined,
  runFacts: RunFacts = runFactsOf(runner)
): Promise<Workspace> {
  return openActionWorkspace(runner, { ...(policy ? { policy } : {}) }, runFacts)
}

/** The shared composition path with the runner's inputs: its workspace, actor, environment. */
function openActionWorkspace(
  runner: RunnerContext,
  inputs: { policy?: Policy; policyFile?: string; model?: string },
  runFacts: RunFacts = runFactsOf(runner)
): Promise<Workspace> {
  return openWorkspace({
    root: runner.workspace,
    ...inputs,
    env: runner.env,
    onSecret: runner.onSecret,
    actor: { name: runner.actor },
    runFacts,
    audits: runner.audits,
    ...(runner.handOff?.enabled ? { rolloutHandoff: rolloutHandoffTo(runner.handOff) } : {}),
    naming: ACTION_NAMING
  })
}

/** The action names its inputs, as a workflow author wrote them. */
const ACTION_NAMING: WorkspaceNaming = {
  otherModel: (policyModel, named) =>
    new InvalidInputError(`input "model" is ${named} but the policy is for ${policyModel}`)
}

/** This run's facts for audit records: event, commit, run page and both actors. */
export function runFactsOf(runner: RunnerContext, extra: Partial<RunFacts> = {}): RunFacts {
  return {
    event: runner.eventName,
    sha: runner.sha,
    runUrl: runner.runUrl,
    ...(runner.initialActor ? { initialActor: runner.initialActor } : {}),
    ...extra
  }
}
