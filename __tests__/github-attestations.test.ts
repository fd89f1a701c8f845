// Issue 16, provenance: the attestations port (GET /repos/{owner}/{repo}/attestations/{subject_digest})
// through the action's own Octokit against the GitHub API stand-in, which refuses any request
// GitHub's OpenAPI description would not accept.
import { createHash } from 'node:crypto'
import { createOctokit } from '../src/github/client.js'
import { gitHubAttestationSource } from '../src/github/attestations.js'
import { start, type StandIn } from './helpers/github-stand-in/index.js'

const digest = (text: string) => createHash('sha256').update(text).digest('hex')
const MODEL = digest('model')
const bundle = (n: number) => ({
  mediaType: 'application/vnd.dev.sigstore.bundle.v0.3+json',
  verificationMaterial: { n },
  dsseEnvelope: { payload: '', payloadType: 'application/vnd.in-toto+json', signatures: [] }
})

describe('gitHubAttestationSource', () => {
  let gh: StandIn
  beforeEach(async () => {
    gh = await start()
    gh.state.addRepo({ owner: 'acme', name: 'fraud-training' })
  })
  afterEach(() => gh.close())

  const source = () =>
    gitHubAttestationSource(createOctokit(gh.token, { baseUrl: gh.url, retryAfterBaseMs: 1 }), {
      owner: 'acme',
      repo: 'fraud-training'
    })

  it('reads every page of bundles for a digest (cursor pagination)', async () => {
    const repo = gh.state.repo('acme/fraud-training')
    for (let i = 0; i < 150; i++) repo.addAttestation(bundle(i), [MODEL])
    repo.addAttestation(bundle(999), [digest('another file')])
    const answer = await source().bundlesFor(MODEL)
    expect(
      'bundles' in answer &&
        answer.bundles.map(b => (b as ReturnType<typeof bundle>).verificationMaterial.n)
    ).toEqual(Array.from({ length: 150 }, (_, i) => i))
    expect(gh.state.count('repos/list-attestations')).toBe(2)
    gh.assertNoViolations()
  })

  it('answers no bundles for a digest GitHub knows no attestation of (its 404)', async () => {
    expect(await source().bundlesFor(MODEL)).toEqual({ bundles: [] })
    gh.assertNoViolations()
  })

  it('answers an error naming the permission when the token may not read attestations', async () => {
    gh.state.injectFault({ operationId: 'repos/list-attestations', status: 403, times: 10 })
    const answer = await source().bundlesFor(MODEL)
    expect(answer).toEqual({ error: expect.stringMatching(/HTTP 403.*attestations: read/) })
  })

  it('reads a repository the token cannot see as no attestation (a 404 from GitHub for both)', async () => {
    const missing = gitHubAttestationSource(createOctokit(gh.token, { baseUrl: gh.url }), {
      owner: 'acme',
      repo: 'nope'
    })
    // GitHub answers 404 for both: no repository reads the same as no attestation.
    expect(await missing.bundlesFor(MODEL)).toEqual({ bundles: [] })
  })
})
