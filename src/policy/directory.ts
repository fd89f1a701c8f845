/**
 * The repository's policies: every `policies/*.yml` at the root of the repository, as the CLI
 * finds a model's policy (`policies/MODEL.yml`). Read when no one model is named, so that a
 * stage name can be checked against every model's stages and `status` can show each model's.
 */
import { readdir, readFile } from 'node:fs/promises'
import path from 'node:path'
import { errorMessage } from '../errors.js'
import { parsePolicy } from './load.js'
import type { Policy } from './schema.js'

/** Where the CLI looks for policies, relative to the repository root. */
export const POLICY_DIR = 'policies'

/** One policy file, named as in messages (`policies/churn-model.yml`). */
export interface PolicyFile {
  file: string
  policy: Policy
}

/** A policy file that could not be read, with the first problem found in it. */
export interface UnreadPolicy {
  file: string
  problem: string
}

export interface PolicyDirectory {
  policies: PolicyFile[]
  unread: UnreadPolicy[]
}

/** The file `policies/MODEL.yml` names the policy of (`/` and `:` in the name become `-`). */
export function policyFileName(model: string): string {
  return `${POLICY_DIR}/${model.replace(/[/:]/g, '-')}.yml`
}

/**
 * Reads every `policies/*.yml` under `root`, in name order. A file that is not a valid policy is
 * listed in `unread` with its first problem, never thrown: one bad file does not hide the rest.
 */
export async function readPolicyDirectory(root: string): Promise<PolicyDirectory> {
  let names: string[]
  try {
    names = (await readdir(path.join(root, POLICY_DIR), { withFileTypes: true }))
      .filter(entry => entry.isFile() && entry.name.endsWith('.yml'))
      .map(entry => entry.name)
      .sort()
  } catch {
    // No policies/ directory (or none readable): no policies.
    return { policies: [], unread: [] }
  }
  const directory: PolicyDirectory = { policies: [], unread: [] }
  for (const name of names) {
    const file = `${POLICY_DIR}/${name}`
    try {
      const policy = parsePolicy(await readFile(path.join(root, file), 'utf8'), file)
      directory.policies.push({ file, policy })
    } catch (error) {
      // The policy error's first line says how many problems; the next names the first one.
      const lines = errorMessage(error).split('\n')
      directory.unread.push({ file, problem: lines[1] ?? lines[0] ?? 'unreadable' })
    }
  }
  return directory
}
