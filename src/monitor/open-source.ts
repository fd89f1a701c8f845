import { durationMs, type MonitorPolicy } from '../policy/monitor.js'
import { fileSource } from './file-source.js'
import { seriesFileLoader } from './file-load.js'
import { prometheusSource } from './prometheus.js'
import type { MetricSource } from './types.js'

/**
 * The MetricSource a stage's `monitor.source` names, built from clients the composition root
 * passes in (the CLI and the action share it).
 */
export interface SourceIo {
  /** The repository's root: a `file:` path is read inside it. */
  root: string
  readFile: (path: string) => Promise<string>
  fetch: typeof fetch
}

/** How long a `file:` URL may take: the Prometheus default, as the file source has no timeout key. */
const FILE_URL_TIMEOUT_MS = 30_000

export function metricSourceFor(monitor: MonitorPolicy, io: SourceIo): MetricSource {
  const { prometheus, file } = monitor.source
  if (prometheus) {
    return prometheusSource({
      url: prometheus.url,
      // The schema has checked the duration; the default keeps this total for typed callers.
      timeoutMs: durationMs(prometheus.timeout) ?? 30_000,
      fetch: io.fetch
    })
  }
  // The schema requires exactly one of the two.
  const location = file as string
  return fileSource({
    name: location,
    load: seriesFileLoader(location, {
      root: io.root,
      readFile: io.readFile,
      fetch: io.fetch,
      timeoutMs: FILE_URL_TIMEOUT_MS
    })
  })
}
