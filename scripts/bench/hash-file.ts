// Bench probe: hashes one file with the engine's own hashFile and prints the time and peak RSS.
import { hashFile } from '../../src/candidate/hash.js'

async function main(file: string): Promise<void> {
  const started = process.hrtime.bigint()
  const digest = await hashFile(file)
  const seconds = Number(process.hrtime.bigint() - started) / 1e9
  const peakRssMb = process.resourceUsage().maxRSS / 1024
  process.stdout.write(JSON.stringify({ seconds, peakRssMb, sha256: digest.sha256 }) + '\n')
}

void main(process.argv[2] ?? '')
