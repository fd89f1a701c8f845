import path from 'node:path'
import { InvalidInputError } from '../errors.js'
import { parsePolicy } from '../policy/load.js'
import type { Policy } from '../policy/schema.js'
import type { GitHubApi, RepoRef } from '../github/client.js'
import { readFileAtRef } from '../github/contents.js'
import type { EventContext } from './github-context.js'

/**
 * The policy as a commit or branch has it (`git show <rev>:<path>` in the checkout, else the
 * contents API at `ref`, default `rev`): for a pull request the base commit, never the head; for a merge's push
 * the branch before the push; for a dispatch on another branch, the default branch.
 */
export async function policyAt(
  file: string,
  at: { rev?: string; ref?: string; what: string },
  where: { context: EventContext; api: GitHubApi; repo: RepoRef }
): Promise<{ policy: Policy; text: string }> {
  const found = await policyIfAt(file, at, where)
  if (!found) {
    const spec = repositoryPath(where.context, file)
    throw new InvalidInputError(
      `${spec} does not exist on ${at.what}: the policy is read from there, never from the branch being changed; merge the policy first`
    )
  }
  return found
}

/** {@link policyAt}, but undefined when the file does not exist there. */
export async function policyIfAt(
  file: string,
  at: { rev?: string; ref?: string; what: string },
  where: { context: EventContext; api: GitHubApi; repo: RepoRef }
): Promise<{ policy: Policy; text: string } | undefined> {
  const { context } = where
  const spec = repositoryPath(context, file)
  let text: string | undefined
  if (at.rev) {
    const shown = await context.git(['show', `${at.rev}:./${spec}`])
    if (shown.code === 0) text = shown.stdout
  }
  const ref = at.ref ?? at.rev
  if (text === undefined && ref) {
    text = (await readFileAtRef(where.api, where.repo, spec, ref))?.text
  }
  return text === undefined ? undefined : { policy: parsePolicy(text, file), text }
}

/** A workspace file as a path in the repository (`/`-separated, relative to its root). */
export function repositoryPath(context: EventContext, file: string): string {
  const relative = path.relative(context.workspace, path.resolve(context.workspace, file))
  return relative.split(path.sep).join('/')
}
