import { z } from 'zod'

/**
 * A stage's `provenance:` block: the candidate's files must be attested (GitHub artifact
 * attestations, Sigstore bundles) by a named workflow of a named repository. Part of the policy
 * schema (schema.ts); strict like the rest, and the policy reference is generated from the
 * descriptions here.
 */

/** GitHub's rules for an owner (letters, digits, hyphens) and a repository name. */
const REPOSITORY = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})\/[A-Za-z0-9._-]{1,100}$/
/** A workflow file in `.github/workflows/`, no `..` and nothing a workflow URI could not hold. */
const WORKFLOW = /^\.github\/workflows\/[A-Za-z0-9._-]+\.ya?ml$/
/** A full ref, as a certificate carries it. */
const REF = /^refs\/(heads|tags|pull)\/[^\s~^:?*[\\]+$/

export const ProvenanceRules = z
  .strictObject({
    repository: z
      .string()
      .regex(REPOSITORY, 'must be owner/name, as in github.com/owner/name')
      .refine(text => !text.split('/')[1]?.includes('..'), { message: 'must not hold ".."' })
      .describe(
        'The repository whose workflow attested the files (`owner/name`, as GitHub spells it): its attestations are read from GitHub, and its certificates must name it.'
      ),
    workflow: z
      .string()
      .regex(WORKFLOW, 'must be a workflow file: .github/workflows/NAME.yml')
      .describe(
        "The workflow file that ran the training and signed the attestation: `.github/workflows/train.yml`. Matched as a whole (the certificate's subject, build signer and build config URIs)."
      ),
    ref: z
      .string()
      .regex(REF, 'must be a full ref: refs/heads/BRANCH or refs/tags/TAG')
      .optional()
      .describe(
        'The ref the workflow must have run on (`refs/heads/main`); default: any ref of that workflow.'
      ),
    github_hosted_runners_only: z
      .boolean()
      .default(true)
      .describe(
        "Refuse attestations made on self-hosted runners (the certificate's runner environment must be `github-hosted`)."
      )
  })
  .describe(
    "The candidate's files were attested by a named workflow: every file's SHA-256 (or the checksums file's, when that is what was attested and every file matches it) must be a subject of a GitHub artifact attestation that verifies against the pinned Sigstore trusted root and names that repository, workflow, ref and runner."
  )

export type ProvenancePolicy = z.infer<typeof ProvenanceRules>
