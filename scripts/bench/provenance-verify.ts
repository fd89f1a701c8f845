// Bench probe: verifies attestation bundles (made with @sigstore/mock) with the provenance verifier
// and prints the median time per bundle, and the median of the baseline: one ECDSA P-256 signature
// check of the same envelope (the least any verification must do).
import { createHash, generateKeyPairSync, sign, verify } from 'node:crypto'
import { createProvenanceVerifier } from '../../src/provenance/verify.js'
import { createMockSigstore, DEFAULT_IDENTITY } from '../../__tests__/helpers/sigstore-mock.js'

const BUNDLES = 40
const ROUNDS = 5

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)] as number
}

async function main(): Promise<void> {
  const sigstore = await createMockSigstore()
  const verifier = createProvenanceVerifier(sigstore.trustedRoot, 'mock trusted root')
  const expected = { ...DEFAULT_IDENTITY, githubHostedOnly: true }
  const bundles = []
  for (let i = 0; i < BUNDLES; i++) {
    const sha256 = createHash('sha256').update(`file ${i}`).digest('hex')
    bundles.push(await sigstore.attest({ subjects: [{ name: `model-${i}.pkl`, sha256 }] }))
  }
  // Warm up (JIT), checking every bundle verifies: a bench of failures would measure nothing.
  for (const bundle of bundles) {
    const verdict = verifier.verify(bundle, expected)
    if (!verdict.ok)
      throw new Error(`a bench bundle did not verify: ${verdict.field} ${verdict.why}`)
  }
  const perBundle: number[] = []
  for (let round = 0; round < ROUNDS; round++) {
    for (const bundle of bundles) {
      const started = process.hrtime.bigint()
      verifier.verify(bundle, expected)
      perBundle.push(Number(process.hrtime.bigint() - started) / 1e6)
    }
  }
  const keys = generateKeyPairSync('ec', { namedCurve: 'prime256v1' })
  const data = Buffer.from(JSON.stringify(bundles[0]))
  const signature = sign('sha256', data, keys.privateKey)
  const ecdsa: number[] = []
  for (let i = 0; i < BUNDLES * ROUNDS; i++) {
    const started = process.hrtime.bigint()
    verify('sha256', data, keys.publicKey, signature)
    ecdsa.push(Number(process.hrtime.bigint() - started) / 1e6)
  }
  process.stdout.write(
    JSON.stringify({ msPerBundle: median(perBundle), ecdsaMs: median(ecdsa), bundles: BUNDLES }) +
      '\n'
  )
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error)
  process.exitCode = 1
})
