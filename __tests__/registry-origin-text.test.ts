import {
  dropCommand,
  oneLine,
  printableUrl,
  redactUrls,
  shellWord
} from '../src/registry/git/origin.js'

// What ModelGate prints about a remote: never its credentials, and git's real cause in one line.

describe('a remote URL fit to print', () => {
  it.each([
    ['https://ada:p@ss3cr3t@example.com/repo.git', 'https://example.com/repo.git'],
    ['https://x-access-token:ghs_abc@github.com/o/r.git', 'https://github.com/o/r.git'],
    ['https://example.com/repo.git?private_token=QTOKEN', 'https://example.com/repo.git'],
    ['https://example.com/repo.git#frag', 'https://example.com/repo.git'],
    ['https://user@host:8443/a/b@c.git', 'https://host:8443/a/b@c.git'],
    ['git@github.com:o/r.git', 'git@github.com:o/r.git'],
    ['/srv/git/origin.git', '/srv/git/origin.git']
  ])('%s prints as %s', (url, printed) => {
    expect(printableUrl(url)).toBe(printed)
  })

  it("removes credentials and query strings from git's own output", () => {
    const stderr =
      "fatal: unable to access 'https://ada:p@ss3cr3t@nonexistent.invalid/repo.git/': Could not resolve host\n" +
      'remote: see https://example.com/r.git?private_token=QTOKEN for details'
    const redacted = redactUrls(stderr)
    expect(redacted).not.toContain('ss3cr3t')
    expect(redacted).not.toContain('QTOKEN')
    expect(redacted).toContain("'https://nonexistent.invalid/repo.git/'")
  })
})

describe("git's output on one line", () => {
  it('keeps the fatal line, not the advice after it', () => {
    const output =
      "fatal: '/tmp/nonexistent-repo.git' does not appear to be a git repository\n" +
      'fatal: Could not read from remote repository.\n\n' +
      'Please make sure you have the correct access rights\nand the repository exists.\n'
    expect(oneLine(output)).toBe(
      "fatal: '/tmp/nonexistent-repo.git' does not appear to be a git repository fatal: Could not read from remote repository"
    )
  })

  it('keeps the last lines when there is no fatal line, without the generic push failure', () => {
    expect(oneLine('a\nb\n\nc\nd\n')).toBe('b c d')
    expect(
      oneLine(
        'remote: tags are frozen this week\nTo /srv/origin.git\n ! [remote rejected] m#prod#1 -> m#prod#1 (pre-receive hook declined)\n' +
          "error: failed to push some refs to '/srv/origin.git'\n"
      )
    ).toBe(
      'remote: tags are frozen this week To /srv/origin.git ! [remote rejected] m#prod#1 -> m#prod#1 (pre-receive hook declined)'
    )
  })
})

describe('the git tag -d command printed for tags kept local (one shellWord for adapter and report)', () => {
  it.each([
    ['demo#dev#2', 'demo#dev#2'],
    ['dir/sub:m@v1.0.0', 'dir/sub:m@v1.0.0'],
    ['fraud detector#prod#1', "'fraud detector#prod#1'"],
    ["it's#dev#1", "'it'\\''s#dev#1'"],
    ['$(rm -rf ~)#dev#1', "'$(rm -rf ~)#dev#1'"],
    ['a;b', "'a;b'"]
  ])('%s is the shell word %s', (word, quoted) => {
    expect(shellWord(word)).toBe(quoted)
  })

  it('quotes each tag that needs it, and only those', () => {
    expect(dropCommand(['demo#dev#2', 'a b#dev#1'])).toBe("git tag -d demo#dev#2 'a b#dev#1'")
  })
})
