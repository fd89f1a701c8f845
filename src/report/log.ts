/**
 * Text for the job log, made unable to act as a workflow command. Pure: the action's entry
 * (`main.ts`) passes every message it prints (`info`, `warning`, `error`, `setFailed`, the
 * loggers it hands down) through {@link neutraliseCommands}.
 *
 * The runner reads the step's output line by line (`\n`, `\r` and `\r\n` end a line) and acts
 * on two grammars: `::name …::data` at the start of a line after leading whitespace, and the
 * older `##[name …]data` anywhere in a line; the log viewer also draws `##[error]`,
 * `##[group]` and the like. A zero-width space goes between the two `:` of a `::` that opens a
 * line (after any whitespace or invisible characters), and between the two `#` of every `##[`,
 * so neither grammar matches. Nothing else changes, so the text reads the same and a secret
 * inside it stays whole for the runner's masking.
 *
 * Chosen over `::stop-commands::<token>` … `::<token>::`: it also covers the viewer's `##[`
 * markup (which stop-commands does not), holds no state (a killed process or an interleaved
 * write cannot leave commands switched off for the rest of the step), and gives the one-line
 * data of `::warning::` and the multi-line report printed with `info` the same treatment.
 */
const ZERO_WIDTH_SPACE = '\u200B'

/** Line starts: every line break .NET or JavaScript knows. */
const LINE_BREAK = '\\r\\n\\u0085\\u2028\\u2029'
/** Whatever a reader could trim before the `::`: whitespace and zero-width characters. */
const LEADING = '\\s\\u0085\\u180E\\u200B-\\u200D\\u2060\\uFEFF'

const COMMAND_AT_LINE_START = new RegExp(`(^|[${LINE_BREAK}])([${LEADING}]*):(?=:)`, 'g')

export function neutraliseCommands(text: string): string {
  return text
    .replace(COMMAND_AT_LINE_START, `$1$2:${ZERO_WIDTH_SPACE}`)
    .replace(/#(?=#\[)/g, `#${ZERO_WIDTH_SPACE}`)
}

/**
 * Text for a terminal or a workflow `run:` step, where the CLI prints: control characters that
 * move the cursor, retitle or clear a terminal (C0 but tab and newline, DEL, C1) are dropped,
 * and workflow commands are made inert as above. Registry text and file names reach the CLI's
 * output and errors, and anyone who can push a tag or a file writes those.
 */
export function forTerminal(text: string): string {
  return neutraliseCommands(
    // eslint-disable-next-line no-control-regex
    showBidiControls(text.replace(/[\u0000-\u0008\u000B-\u001F\u007F-\u009F]/g, ''))
  )
}

/**
 * Unicode's bidirectional controls (ALM, LRM, RLM, the embeddings and overrides, the isolates)
 * shown as their code point, `<U+202E>`: left in, they make a name or a reason display in
 * another order than it reads ("Trojan Source"), on a terminal and on GitHub alike.
 */
export function showBidiControls(text: string): string {
  return text.replace(
    /[\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]/g,
    c => `<U+${c.codePointAt(0)?.toString(16).toUpperCase().padStart(4, '0')}>`
  )
}
