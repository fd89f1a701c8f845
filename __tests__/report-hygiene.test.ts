import { auditSummaryMarkdown } from '../src/report/audit-summary.js'
import { AUDIT_SCHEMA, type AuditRecord } from '../src/audit/record.js'
import { commentMarker } from '../src/report/comment.js'
import { forTerminal, neutraliseCommands } from '../src/report/log.js'
import { renderTable } from '../src/report/terminal-table.js'
import { escape, escapeHtml, unlinked } from '../src/report/markdown.js'
import { SUMMARY_LIMIT, SUMMARY_SHORTENED_NOTE, summaryBudget } from '../src/report/summary.js'

/** Lines the runner would act on: `::` after leading whitespace, or `##[` anywhere. */
function commands(text: string): string[] {
  return text.split(/\r\n|\r|\n/).filter(line => /^\s*::/.test(line) || line.includes('##['))
}

describe('neutraliseCommands', () => {
  it.each([
    '::add-mask::secret',
    'reason\n::set-output name=decision::pass',
    'reason\r::error::carriage return',
    'reason\r\n  \t::warning title=x::indented',
    'reason\u2028::debug::line separator',
    '\u00a0\u200b\ufeff::notice::invisible lead',
    ':::three colons',
    'text ##[add-mask]v1.0.0',
    '##[error]fake error',
    '###[group]fake group',
    '::stop-commands::token'
  ])('leaves no workflow command in %j', text => {
    const safe = neutraliseCommands(text)
    expect(commands(safe)).toEqual([])
    // Only zero-width spaces were added: the text reads the same.
    expect(safe.replace(/\u200b/g, '')).toBe(text.replace(/\u200b/g, ''))
  })

  it('leaves text without commands alone, so secrets in it stay whole for masking', () => {
    const text = 'model dir/sub:fraud at 12:30, a::b and #[x] stay as they are'
    expect(neutraliseCommands(text)).toBe(text)
  })
})

describe('markdown that links nothing', () => {
  it.each([
    ['@octocat', /@[a-z]/i],
    ['@acme/admins', /@[a-z]/i],
    ['mail a@b.example', /@[a-z]/i],
    ['https://evil.example/x', /https?:\/\//],
    ['http://evil.example', /https?:\/\//],
    ['www.evil.example', /www\./i],
    ['_WWW.evil.example', /www\./i],
    ['fixes #12 and acme/models#3', /#\d/]
  ])('%s cannot mention or link', (text, live) => {
    expect(escape(text)).not.toMatch(live)
    expect(escapeHtml(text)).not.toMatch(live)
    expect(unlinked(text).replace(/\u200b/g, '')).toBe(text)
  })

  it('escapes `&`, so an entity cannot spell an @ or a tag', () => {
    expect(escape('&#64;octocat &lt;b&gt;')).toBe('\\&#\u200b64;octocat \\&lt;b\\&gt;')
  })

  it('escapes HTML inside a <summary>, entities intact', () => {
    expect(escapeHtml(`v9</summary><img src=x>"'\n&#1`)).toBe(
      'v9&lt;/summary&gt;&lt;img src=x&gt;&quot;&#39; &amp;#\u200b1'
    )
  })

  it('keeps a name from ending the comment marker early', () => {
    expect(commentMarker('fraud-->', 'x<script>')).toBe(
      '<!-- modelgate:fraud--&gt;:x<script&gt; -->'
    )
    expect(commentMarker('fraud', 'staging')).toBe('<!-- modelgate:fraud:staging -->')
  })
})

describe('text that cannot reorder or misalign what is around it', () => {
  // Bidirectional controls (Trojan Source) make a reason or a name display in another order
  // than it reads: shown as their code point instead, on a terminal and in markdown alike.
  const sneaky = 'Eve\u202Eexe.txt\u2066x\u2069\u200Fy\u061Cz'
  const shown = 'Eve<U+202E>exe.txt<U+2066>x<U+2069><U+200F>y<U+061C>z'

  it('on a terminal', () => {
    expect(forTerminal(sneaky)).toBe(shown)
  })

  it('in markdown and HTML', () => {
    expect(escape(sneaky)).toBe(shown.replace(/[<>]/g, '\\$&'))
    expect(escapeHtml(sneaky)).toBe(shown.replace(/</g, '&lt;').replace(/>/g, '&gt;'))
  })

  it('a tab in a cell is a space, so the columns of an aligned table line up', () => {
    const table = renderTable({ headers: ['A', 'B'], rows: [['a\tb', 'c']] }, 'table')
    expect(table).not.toContain('\t')
    const lines = table.trimEnd().split('\n')
    expect(lines[lines.length - 1]).toBe('a b  c')
  })
})

describe('the job summary budget', () => {
  it('passes what fits, unchanged', () => {
    const budget = summaryBudget()
    expect(budget.fit('## report\n')).toBe('## report\n')
    expect(budget.fit('### Audit\n')).toBe('### Audit\n')
  })

  it('cuts a huge report at a line with a note, and keeps room for the audit section', () => {
    const budget = summaryBudget()
    const report = Array.from({ length: 100_000 }, (_, i) => `- warning ${i}: ${'x'.repeat(40)}`)
    const first = budget.fit(report.join('\n'))
    expect(first).toContain(SUMMARY_SHORTENED_NOTE)
    expect(first.split('\n')[0]).toBe('- warning 0: ' + 'x'.repeat(40))
    const audit = `### Audit\n\n<details><summary>record</summary>\n\n${'y'.repeat(300 * 1024)}\n\n</details>\n`
    const second = budget.fit(audit)
    expect(second).toBe(audit)
    expect(Buffer.byteLength(first) + Buffer.byteLength(second) + 2).toBeLessThan(SUMMARY_LIMIT)
  })

  it('closes the fence and <details> a cut leaves open', () => {
    const budget = summaryBudget(10 * 1024 + 4 * 1024)
    budget.fit('')
    const record = `<details><summary>r</summary>\n\n\`\`\`\`json\n${'{"a": 1}\n'.repeat(5_000)}\`\`\`\`\n\n</details>`
    const cut = budget.fit(record)
    expect(Buffer.byteLength(cut)).toBeLessThan(11 * 1024)
    expect(cut).toMatch(/\n````\n\n<\/details>\n\n> \[!NOTE\]/)
    // Full: nothing more is written.
    expect(budget.fit('more')).toBe('')
  })
})

describe('the audit section of the job summary', () => {
  const record: AuditRecord = {
    schema: AUDIT_SCHEMA,
    kind: 'refused',
    written: false,
    model: 'fraud',
    version: 'v9</summary></details><img src=x>@octocat',
    from: 'prod<b>',
    to: 'prod<b>',
    previous: null,
    decision: 'denied',
    gates: [],
    metrics: { candidate: {}, champion: null },
    artifact: null,
    signature: null,
    trainingData: null,
    featureView: null,
    pullRequest: null,
    actor: 'reader',
    event: 'workflow_dispatch',
    commitSha: null,
    runUrl: null,
    timestamp: '2026-12-02T10:00:00.000Z',
    reason: 'why </summary> ```\n::add-mask::x'
  }

  it('escapes every value of the block title; the JSON is fenced whole', () => {
    const markdown = auditSummaryMarkdown([{ record, problem: 'failed <b>@bob</b>' }])
    const title = markdown.split('\n').find(line => line.startsWith('<details>')) ?? ''
    expect(title).toBe(
      '<details><summary>Audit record: refused of fraud v9&lt;/summary&gt;&lt;/details&gt;&lt;img src=x&gt;@\u200boctocat to prod&lt;b&gt; (denied); nothing was written to the registry; not uploaded as an artifact (failed &lt;b&gt;@\u200bbob&lt;/b&gt;)</summary>'
    )
    expect(markdown).toContain('````json\n')
    const outsideJson = markdown.replace(/(`{3,})json\n[\s\S]*?\n\1/g, '')
    expect(outsideJson.match(/<\/summary>/g)).toHaveLength(1)
    expect(outsideJson.match(/<\/details>/g)).toHaveLength(1)
  })

  it('a record too large for the summary points at the artifact instead', () => {
    const gates = [
      { gate: 'checks', status: 'pass' as const, summary: 's', details: [] as string[] }
    ]
    for (let i = 0; i < 20_000; i++) gates[0]?.details.push(`detail ${i} ${'z'.repeat(20)}`)
    const markdown = auditSummaryMarkdown([{ record: { ...record, gates }, artifact: 'a' }])
    expect(markdown.length).toBeLessThan(2_000)
    expect(markdown).toContain('too large for the job summary')
  })
})

describe("the action's notes and a promotion's closing line escape what they quote", () => {
  it('a branch name in the push note (git allows <, >, |, &, backticks in branch names)', async () => {
    const { pushOrigin } = await import('../src/report/flow-notes.js')
    const text = pushOrigin({
      sha: '0123456789abcdef',
      defaultBranch: 'main',
      mergedElsewhere: { number: 7, baseRef: 'rel<img src=x>|`x`' }
    })
    expect(text).toContain('into rel\\<img src=x\\>\\|\\`x\\`, not main')
  })

  it('the version and stage in the held note', async () => {
    const { heldNote } = await import('../src/report/flow-notes.js')
    expect(heldNote('v1<b>', 'prod|x')).toBe(
      'v1\\<b\\> already holds prod\\|x: merging writes nothing.'
    )
  })

  it('the comment notes escape each string once: a version a*b reads a\\*b, not a\\\\\\*b', async () => {
    const { heldNote, otherBaseNote, otherBaseReason, withCommentNotes } =
      await import('../src/report/flow-notes.js')
    const { commentMarker } = await import('../src/report/comment.js')
    const target = { model: 'm', stage: 'prod' }
    const body = withCommentNotes(`${commentMarker('m', 'prod')}\nreport`, target, [
      heldNote('a*b', 'prod'),
      otherBaseNote(otherBaseReason(7, 'rel*<x>', 'main'))
    ])
    expect(body).toContain('> a\\*b already holds prod: merging writes nothing.')
    expect(body).not.toContain('a\\\\')
    // The branch name, a user's string, is still escaped (once).
    expect(body).toContain('rel\\*\\<x\\>, not the default branch')
    expect(body).not.toContain('<x>')
  })
})
