/**
 * Who acts, as both adapters record it: one rule for what an actor's name may hold, one check
 * before any write.
 */
import { InvalidInputError } from '../errors.js'
import type { AuditFacts } from './port.js'

/**
 * What an actor's name may not hold, each replaced by a space: the delimiters of git's identity
 * line (`Name <email> seconds zone`: `<`, `>` and the newline, which git itself strips from a
 * name, so a tag's tagger and the name in its JSON facts would otherwise differ), and CR and NUL,
 * which no registry should store in a name. The same in every backend, so one person is one
 * name in every registry's history.
 */
export const IDENTITY_LINE_DELIMITERS = /[<>\n\r\0]/g

/** A name as it is recorded: the delimiters made spaces, trimmed. */
export function cleanActorName(name: string): string {
  return name.replace(IDENTITY_LINE_DELIMITERS, ' ').trim()
}

/** The actor's name as it is recorded (cleanActorName). */
export function actorName(audit: AuditFacts): string {
  return cleanActorName(audit.actor)
}

/** Every write names who acts, and an e-mail, when given, that an identity line can hold. */
export function assertActor(audit: AuditFacts): void {
  if (!actorName(audit)) {
    throw new InvalidInputError('Every registry write needs an actor (who acts).')
  }
  const email = audit.actorEmail
  if (email !== undefined && (email === '' || /[<>\s]/.test(email))) {
    // JSON-escaped: the value can hold a newline, which must not start a line of its own.
    throw new InvalidInputError(`Invalid actor e-mail ${JSON.stringify(email)}.`)
  }
}
