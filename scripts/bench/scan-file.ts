// Bench probe: scans one file with the model-file scan and prints the time, peak RSS and what it read.
import { scanFile } from '../../src/scan/files.js'

async function main(file: string): Promise<void> {
  const started = process.hrtime.bigint()
  const streams = await scanFile(file, file)
  const seconds = Number(process.hrtime.bigint() - started) / 1e9
  const peakRssMb = process.resourceUsage().maxRSS / 1024
  const imports = streams.reduce((sum, stream) => sum + stream.imports.length, 0)
  const problems = streams.flatMap(stream => (stream.problem ? [stream.problem.why] : []))
  process.stdout.write(
    JSON.stringify({ seconds, peakRssMb, streams: streams.length, imports, problems }) + '\n'
  )
}

void main(process.argv[2] ?? '')
