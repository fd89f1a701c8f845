// Issue 13, item 7: the README links to pages under docs/ and they link to each other and back.
// Every relative link must reach a file that exists and, with `#anchor`, a heading of that file.
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import path from 'node:path'

/** Markdown outside fenced code blocks (a link or heading inside one is only text). */
function prose(markdown: string): string {
  return markdown.replace(/^```[\s\S]*?^```/gm, '')
}

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces as `-`. */
function slug(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}\p{Pc}\- ]/gu, '')
    .replace(/ /g, '-')
}

/** The anchors of a page's headings, the second of a name `-1` and so on, as GitHub numbers them. */
function anchors(markdown: string): Set<string> {
  const seen = new Map<string, number>()
  const result = new Set<string>()
  for (const match of prose(markdown).matchAll(/^#{1,6} +(.+)$/gm)) {
    const base = slug(match[1] as string)
    const count = seen.get(base) ?? 0
    seen.set(base, count + 1)
    result.add(count === 0 ? base : `${base}-${count}`)
  }
  return result
}

/** Every relative link of `file` (given its text) whose target file or heading is missing. */
function brokenLinks(file: string, markdown: string, read = readFileSync): string[] {
  const broken: string[] = []
  for (const match of prose(markdown).matchAll(/\]\(([^)\s]+)\)/g)) {
    const target = match[1] as string
    if (/^[a-z][a-z+.-]*:/i.test(target)) continue // https:, mailto: and the like
    const [filePart = '', anchor] = target.split('#', 2)
    const resolved = filePart === '' ? file : path.join(path.dirname(file), filePart)
    if (!existsSync(resolved)) {
      broken.push(`${file}: ${target} (no file ${resolved})`)
      continue
    }
    if (anchor === undefined) continue
    const targetText = filePart === '' ? markdown : read(resolved, 'utf8')
    if (!anchors(targetText).has(anchor)) {
      broken.push(`${file}: ${target} (no heading #${anchor} in ${resolved})`)
    }
  }
  return broken
}

const pages = ['README.md', ...readdirSync('docs').map(name => `docs/${name}`)].filter(file =>
  file.endsWith('.md')
)

describe('links in README.md and docs/', () => {
  it('there are pages under docs/, and the README links to every one', () => {
    const readme = readFileSync('README.md', 'utf8')
    expect(pages.length).toBeGreaterThan(1)
    for (const page of pages.filter(file => file.startsWith('docs/'))) {
      expect([page, readme.includes(`](${page})`)]).toEqual([page, true])
    }
  })

  it.each(pages)('every relative link in %s reaches a file and heading that exist', file => {
    expect(brokenLinks(file, readFileSync(file, 'utf8'))).toEqual([])
  })

  it('reports a missing file, a missing heading, and not a link inside a code block', () => {
    const text = [
      '# Title',
      '[ok](README.md) [self](#title) [web](https://example.com/x)',
      '[gone](docs/nowhere.md) [lost](README.md#no-such-heading)',
      '```md',
      '[in code](nowhere-either.md)',
      '```'
    ].join('\n')
    expect(brokenLinks('README.md', text)).toEqual([
      'README.md: docs/nowhere.md (no file docs/nowhere.md)',
      'README.md: README.md#no-such-heading (no heading #no-such-heading in README.md)'
    ])
  })

  it('anchors as GitHub makes them', () => {
    expect([
      ...anchors('# Security: what ModelGate trusts\n## Try it on your machine\n## Gates\n## Gates')
    ]).toEqual(['security-what-modelgate-trusts', 'try-it-on-your-machine', 'gates', 'gates-1'])
  })
})
