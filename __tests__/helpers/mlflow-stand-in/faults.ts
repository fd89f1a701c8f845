// The request log's entries and the faults a test injects: which requests a fault matches (by
// method, path, predicate, write number) and which one fires. How a fired fault is answered is
// the server's part (server.ts).

export interface LoggedRequest {
  method: string
  path: string
  query: Record<string, string>
  body: unknown
  /** Fields of a JSON body the endpoint does not know (MLflow ignores them). */
  unknownFields: string[]
  authorization?: string
  contentType?: string
  status?: number
  fault?: string
}

export type FaultKind = 500 | 502 | 503 | 504 | 429 | 'html502' | 'reset' | 'slow'

export interface Fault {
  method?: string
  /** The request path without the query; a string matches exactly, a RegExp by test. */
  path?: string | RegExp
  /** Only POST, PATCH, PUT and DELETE count. */
  writesOnly?: boolean
  match?: (request: LoggedRequest) => boolean
  /** The first matching request that fails (1-based). Default 1. */
  nth?: number
  /** How many matching requests fail from there on. Default 1; Infinity for all. */
  times?: number
  kind: FaultKind
  /** `slow`: how long before answering. */
  delayMs?: number
  /** `429`: the Retry-After header. */
  retryAfter?: string
  /** Let the request take effect, then fail its answer (a lost answer). */
  after?: boolean
}

export const WRITE_METHODS = new Set(['POST', 'PATCH', 'PUT', 'DELETE'])

/** The injected faults, each counting the requests it matched and the times it fired. */
export class FaultPlan {
  private faults: Array<Fault & { seen: number; fired: number }> = []

  add(fault: Fault): void {
    this.faults.push({ ...fault, seen: 0, fired: 0 })
  }

  clear(): void {
    this.faults = []
  }

  /** Every matching fault counts the request; the first one due fires. */
  firing(request: LoggedRequest): Fault | undefined {
    let firing: (Fault & { seen: number; fired: number }) | undefined
    for (const fault of this.faults) {
      if (fault.method && fault.method !== request.method) continue
      if (fault.path !== undefined) {
        const ok =
          typeof fault.path === 'string'
            ? fault.path === request.path
            : fault.path.test(request.path)
        if (!ok) continue
      }
      if (fault.writesOnly && !WRITE_METHODS.has(request.method)) continue
      if (fault.match && !fault.match(request)) continue
      fault.seen++
      if (!firing && fault.seen >= (fault.nth ?? 1) && fault.fired < (fault.times ?? 1)) {
        fault.fired++
        request.fault = String(fault.kind)
        firing = fault
      }
    }
    return firing
  }
}
