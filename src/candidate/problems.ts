import { InvalidInputError, formatLocation, type SourceLocation } from '../errors.js'

/** One InvalidInputError listing every location: `headline` then one `file:line:col (key): problem` a line. */
export function invalid(
  headline: string,
  locations: SourceLocation[],
  cause?: unknown
): InvalidInputError {
  const lines = locations.map(
    location => `  ${formatLocation(location)}: ${location.problem ?? 'invalid'}`
  )
  return new InvalidInputError([headline, ...lines].join('\n'), { locations, cause })
}
