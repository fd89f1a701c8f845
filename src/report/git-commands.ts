/**
 * The git commands a person is told to run about tags a --no-push write kept in a clone. The
 * git adapter hands over the tag names; the command lines printed are built here, with report
 * text. (origin.ts keeps its own copy for the messages of the errors it throws: an adapter does
 * not import report/.)
 */

/** The command that removes tags kept local (ModelGate then forgets its mark on them). */
export function dropCommand(tags: readonly string[]): string {
  return `git tag -d ${tags.map(shellWord).join(' ')}`
}

/** A word a POSIX shell reads as it is: quoted unless it is made of plainly safe characters. */
function shellWord(word: string): string {
  return /^[A-Za-z0-9._@#/:+=-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`
}
