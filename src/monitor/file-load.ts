import { isAbsolute, join, normalize, sep } from 'node:path'
import { BodyTooLargeError, MAX_RESPONSE_BYTES, megabytes, readBounded } from './limits.js'
import { MetricSourceError } from './types.js'

/**
 * How a file source reads its text: `file:` of the monitor block is an http(s) URL or a path
 * inside the repository. Clients are passed in; nothing here picks them.
 */
export interface FileLoadIo {
  /** The repository's root; a path is read relative to it and must stay inside it. */
  root: string
  readFile: (path: string) => Promise<string>
  fetch: typeof fetch
  timeoutMs: number
  /** The byte cap on a URL's answer (limits.ts); a test may lower it. */
  maxBytes?: number
}

export function seriesFileLoader(location: string, io: FileLoadIo): () => Promise<string> {
  if (/^https?:\/\//i.test(location)) return () => loadUrl(location, io)
  if (/^[a-z][a-z0-9+.-]*:/i.test(location) && !/^[a-z]:[\\/]/i.test(location)) {
    return () =>
      Promise.reject(new MetricSourceError(`${location}: only http(s) URLs and repository paths`))
  }
  const relative = normalize(location)
  if (isAbsolute(location) || relative === '..' || relative.startsWith(`..${sep}`)) {
    return () =>
      Promise.reject(new MetricSourceError(`${location}: must be a path inside the repository`))
  }
  return async () => {
    try {
      return await io.readFile(join(io.root, relative))
    } catch (error) {
      const code = (error as { code?: unknown }).code
      const why = code === 'ENOENT' ? 'does not exist' : `could not be read (${String(code)})`
      throw new MetricSourceError(`${location} ${why}`, { cause: error })
    }
  }
}

async function loadUrl(url: string, io: FileLoadIo): Promise<string> {
  let response: Response
  let text: string
  try {
    response = await io.fetch(url, { signal: AbortSignal.timeout(io.timeoutMs) })
    text = await readBounded(response, io.maxBytes ?? MAX_RESPONSE_BYTES)
  } catch (error) {
    if (error instanceof BodyTooLargeError) {
      throw new MetricSourceError(
        `${url} answered more than ${megabytes(error.limit)}, the cap on one answer: read no further. Keep less in the file (fewer series, less history).`
      )
    }
    const name = (error as { name?: unknown }).name
    throw new MetricSourceError(
      name === 'TimeoutError'
        ? `${url} did not answer within ${io.timeoutMs / 1000} s`
        : `${url} could not be reached: ${(error as { message?: unknown }).message}`,
      { cause: error }
    )
  }
  if (!response.ok) throw new MetricSourceError(`${url} answered HTTP ${response.status}`)
  return text
}
