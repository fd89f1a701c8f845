import { mkdir } from 'node:fs/promises'
import path from 'node:path'
import { InvalidInputError } from '../src/errors.js'
import { createGitRegistry } from '../src/registry/git/adapter.js'
import { takenOutOf } from '../src/registry/git/queries.js'
import { generateBenchRepo } from '../scripts/bench/bench-repo.js'
import { parseGtoStages, parseGtoStagesVariable } from '../src/registry/git/gto-config.js'
import { formatMessage, parseMessage } from '../src/registry/git/message.js'
import type { GitRunner } from '../src/registry/git/runner.js'
import type { TagRecord } from '../src/registry/git/state.js'
import {
  buildState,
  parseForEachRef,
  previousHolder,
  readState
} from '../src/registry/git/state.js'
import type { Sandbox } from './helpers/git-sandbox.js'
import { hermeticGit, makeSandbox, tagNames } from './helpers/git-sandbox.js'

const C1 = '1'.repeat(40)
const C2 = '2'.repeat(40)
const C3 = '3'.repeat(40)

let serial = 0
function rec(
  name: string,
  commit: string,
  time: number,
  extra: Partial<TagRecord> = {}
): TagRecord {
  serial += 1
  return {
    name,
    objectType: 'tag',
    objectId: serial.toString(16).padStart(40, 'a'),
    targetType: 'commit',
    targetId: commit,
    taggerName: 'someone',
    taggerEmail: 'someone@example.com',
    taggerTime: time,
    message: `message of ${name}\n`,
    ...extra
  }
}

describe('parseForEachRef', () => {
  it('splits NUL-separated records, multi-line messages and signatures included', () => {
    const field = (...values: string[]) => values.map(v => `${v}\0`).join('') + '\n'
    const signature = '-----BEGIN PGP SIGNATURE-----\nabc\n-----END PGP SIGNATURE-----\n'
    const out =
      field(
        'refs/tags/m@v1.0.0',
        'tag',
        'a'.repeat(40),
        'commit',
        C1,
        'Ann',
        '<ann@x.org>',
        '1700000000',
        'Register\n\n{"a":\n1}\n',
        ''
      ) +
      field(
        'refs/tags/m#prod#1',
        'tag',
        'b'.repeat(40),
        'commit',
        C1,
        'Bo',
        '<bo@x.org>',
        '1700000001',
        `Signed\n${signature}`,
        signature
      ) +
      field('refs/tags/light', 'commit', C2, '', '', '', '', '', 'commit message\n', '')
    const records = parseForEachRef(out)
    expect(records).toHaveLength(3)
    expect(records[0]).toMatchObject({
      name: 'm@v1.0.0',
      taggerEmail: 'ann@x.org',
      taggerTime: 1700000000,
      message: 'Register\n\n{"a":\n1}\n'
    })
    expect(records[1]?.message).toBe('Signed\n')
    expect(records[2]).toMatchObject({ name: 'light', objectType: 'commit', taggerTime: undefined })
    expect(parseForEachRef('')).toEqual([])
    expect(() => parseForEachRef('refs/tags/x\0tag\0\n')).toThrow(/Cannot read the tags/)
  })
})

describe('buildState', () => {
  it('breaks ties within one second by counter, deterministically', () => {
    const records = [
      rec('m@v1.0.0', C1, 100),
      rec('m@v2.0.0', C2, 100),
      // Same second: the higher counter is the later event, whatever the input order.
      rec('m#prod#3', C1, 200),
      rec('m#prod#2', C2, 200)
    ]
    for (const order of [records, [...records].reverse()]) {
      const artifact = buildState(order).artifacts.get('m')
      expect(artifact?.holders.get('prod')?.version).toBe('v1.0.0')
      expect(artifact?.events.map(e => e.tag)).toEqual([
        'm@v1.0.0',
        'm@v2.0.0',
        'm#prod#2',
        'm#prod#3'
      ])
    }
  })

  it('orders by tagger time, not by counter', () => {
    const state = buildState([
      rec('m@v1.0.0', C1, 100),
      rec('m@v2.0.0', C2, 101),
      rec('m#prod#9', C1, 300),
      rec('m#prod#10', C2, 200)
    ])
    expect(state.artifacts.get('m')?.holders.get('prod')?.version).toBe('v1.0.0')
    expect(state.counters.get('m')).toBe(10)
  })

  it('ignores non-GTO tags and GTO tags that are not annotated tags of commits', () => {
    const state = buildState([
      rec('v1.0.0', C1, 100),
      rec('m@v1.0.0', C1, 100),
      rec('m#prod#7', C1, 0, { objectType: 'commit', targetType: '', taggerTime: undefined }),
      rec('m#dev#2', C1, 0, { targetType: 'tree' }),
      rec('m#qa#3', C1, 0, { taggerTime: undefined })
    ])
    expect(state.ignored.map(i => i.tag)).toEqual(['m#prod#7', 'm#dev#2', 'm#qa#3'])
    expect(state.counters.get('m')).toBe(7)
    expect(state.artifacts.get('m')?.holders.size).toBe(0)
    expect(state.artifacts.has('v1.0.0')).toBe(false)
  })

  it('finds the previous holder, skipping versions taken out since', () => {
    const state = buildState([
      rec('m@v1.0.0', C1, 1),
      rec('m@v2.0.0', C2, 2),
      rec('m@v3.0.0', C3, 3),
      rec('m#prod#1', C1, 10),
      rec('m#prod#2', C2, 11),
      rec('m#prod#3', C3, 12)
    ])
    const artifact = state.artifacts.get('m')!
    expect(artifact.holders.get('prod')?.version).toBe('v3.0.0')
    expect(previousHolder(artifact, 'prod')).toBe('v2.0.0')

    const rolledBack = buildState([
      ...[...state.artifacts.get('m')!.events].map(e => rec(e.tag, e.commit, e.time)),
      rec('m#prod!#4', C3, 13),
      rec('m#prod!#5', C2, 14)
    ]).artifacts.get('m')!
    // v3 and v2 were taken out: v1 holds prod again, and no earlier holder remains.
    expect(rolledBack.holders.get('prod')?.version).toBe('v1.0.0')
    expect(previousHolder(rolledBack, 'prod')).toBeUndefined()
  })
})

describe('messages', () => {
  it('round-trips the audit record and keeps foreign messages as summary only', () => {
    const text = formatMessage('Promote m v1.0.0 to prod', {
      actor: 'alice',
      reason: 'line one\nline two',
      record: { metrics: { accuracy: 0.9 } }
    })
    expect(text.split('\n')[1]).toBe('')
    expect(parseMessage(text)).toEqual({
      summary: 'Promote m v1.0.0 to prod',
      audit: {
        modelgate: 1,
        actor: 'alice',
        reason: 'line one\nline two',
        record: { metrics: { accuracy: 0.9 } }
      }
    })
    expect(parseMessage('Released by hand\n\n{"not": "ours"}\n')).toEqual({
      summary: 'Released by hand'
    })
    expect(parseMessage('')).toEqual({ summary: '' })
  })
})

describe('.gto stages', () => {
  it('reads the stage list and validates it', () => {
    expect(parseGtoStages('stages: [dev, staging, prod]\n')).toEqual(['dev', 'staging', 'prod'])
    expect(parseGtoStages('types: [model]\n')).toBeUndefined()
    expect(parseGtoStages('stages: null\n')).toBeUndefined()
    expect(parseGtoStages('stages: []\n')).toEqual([])
    expect(parseGtoStages('stages: [canary-2, eu-1]\n')).toEqual(['canary-2', 'eu-1'])
    expect(parseGtoStages('')).toBeUndefined()
    expect(() => parseGtoStages('stages: [dev, "pro d"]\n')).toThrow(InvalidInputError)
    expect(() => parseGtoStages('stages: dev\n')).toThrow(InvalidInputError)
  })

  it('accepts every key GTO 1.10 knows, with values of the right type', () => {
    const text = `INDEX: artifacts.yaml
CONFIG_FILE_NAME: .gto
LOG_LEVEL: INFO
DEBUG: false
EMOJIS: true
types: [model, dataset]
stages: [dev, prod]
enrichments: [{ type: dvc, config: {} }]
autoload_enrichments: true
`
    expect(parseGtoStages(text)).toEqual(['dev', 'prod'])
  })

  // GTO 1.10: keys are exact; anything else fails every command with "Wrong config file".
  it.each([
    [
      'Stages: [dev, staging]\n',
      1,
      'Stages',
      /unknown key "Stages" \(GTO's keys are exact: "stages"\)/
    ],
    ['STAGES:\n  - dev\n', 1, 'STAGES', /unknown key "STAGES"/],
    ['stages: [dev]\nstage: [prod]\n', 2, 'stage', /unknown key "stage"/],
    ['stages: [dev]\nindex: x.yaml\n', 2, 'index', /exact: "INDEX"/],
    ['stages: [dev, 1]\n', 1, 'stages', /stages must be a list of names/],
    ['types: model\n', 1, 'types', /types must be a list of names/],
    ['DEBUG: maybe\n', 1, 'DEBUG', /DEBUG must be true or false/],
    ['INDEX: null\n', 1, 'INDEX', /INDEX must be a string/]
  ])('refuses %j as GTO does, naming file, line and key', (text, line, key, reason) => {
    let error: unknown
    try {
      parseGtoStages(text, '/repo/.gto')
    } catch (caught) {
      error = caught
    }
    expect(error).toBeInstanceOf(InvalidInputError)
    const refused = error as InvalidInputError
    expect(refused.exitCode).toBe(2)
    expect(refused.message).toMatch(reason)
    expect(refused.message).toContain(`Wrong config file '/repo/.gto'`)
    expect(refused.locations).toEqual([
      expect.objectContaining({ file: '/repo/.gto', line, keyPath: key })
    ])
  })

  it.each(['- dev\n- prod\n', 'just text\n', 'stages: [dev\n', 'stages: [a]\nstages: [b]\n'])(
    'refuses %j (not a mapping, or not YAML GTO reads)',
    text => {
      expect(() => parseGtoStages(text)).toThrow(/Wrong config file/)
    }
  )
})

describe('GTO_STAGES', () => {
  it('is a JSON list of stages, or null for "not set", its name matched ignoring case', () => {
    expect(parseGtoStagesVariable({ GTO_STAGES: '["dev"]' })).toEqual(['dev'])
    expect(parseGtoStagesVariable({ gto_stages: '["dev", "eu-1"]' })).toEqual(['dev', 'eu-1'])
    expect(parseGtoStagesVariable({ GTO_STAGES: '[]' })).toEqual([])
    expect(parseGtoStagesVariable({ GTO_STAGES: 'null' })).toBeUndefined()
    expect(parseGtoStagesVariable({})).toBeUndefined()
  })

  it.each(['dev', 'dev,prod', '', '"dev"', '[1]', '["pro d"]', '{"stages": []}'])(
    'refuses %j, as GTO does (exit 2)',
    raw => {
      expect(() => parseGtoStagesVariable({ GTO_STAGES: raw })).toThrow(InvalidInputError)
      expect(() => parseGtoStagesVariable({ GTO_STAGES: raw })).toThrow(
        /GTO_STAGES.*Wrong config file/
      )
    }
  )
})

describe('bench repository generator', () => {
  let sandbox: Sandbox
  beforeAll(async () => {
    sandbox = await makeSandbox()
  })
  afterAll(async () => {
    await sandbox.cleanup()
  })

  it('generates versions and tags in one fast-import, readable with one git process', async () => {
    const dir = path.join(sandbox.root, 'bench')
    await mkdir(dir)
    const git = hermeticGit(dir)
    const repo = await generateBenchRepo(git, { versions: 40, tags: 400 })
    expect(repo).toMatchObject({ versions: 40, tags: 400 })
    expect(await tagNames(git)).toHaveLength(400)

    const state = await readState(git)
    const artifact = state.artifacts.get('churn-model')!
    expect(artifact.events).toHaveLength(400)
    expect(state.counters.get('churn-model')).toBe(360)
    expect([...artifact.versions.values()].filter(v => v.registered)).toHaveLength(40)

    let calls = 0
    const counting: GitRunner = (args, options) => {
      calls += 1
      return git(args, options)
    }
    const status = await createGitRegistry({ git: counting }).status()
    // `git remote` (no origin here: the local tags are the registry), then one read.
    expect(calls).toBe(2)
    expect(status[0]?.stages.map(h => h.stage).sort()).toEqual([...artifact.holders.keys()].sort())
  })
})

describe('takenOutOf', () => {
  const audit = (facts: Record<string, unknown>) => formatMessage('summary', facts)
  const state = (...records: TagRecord[]) => buildState(records)

  it('is the latest unassignment of the version in the stage, with its reason', () => {
    const built = state(
      rec('m@v1.0.0', C1, 100),
      rec('m#prod#1', C1, 110),
      rec('m#prod!#2', C1, 120, { message: audit({ reason: 'drift', rollback: {} }) })
    )
    expect(takenOutOf(built, 'm', 'v1.0.0', 'prod')).toEqual({
      at: new Date(120_000),
      by: 'someone',
      reason: 'drift',
      eventId: 'm#prod!#2'
    })
    expect(takenOutOf(built, 'm', 'v1.0.0', 'staging')).toBeUndefined()
    expect(takenOutOf(built, 'm', 'v9.9.9', 'prod')).toBeUndefined()
  })

  it('counts a hand-written GTO removal, and forgets it once the version is assigned again', () => {
    const removed = [rec('m@v1.0.0', C1, 100), rec('m#prod#1', C1, 110), rec('m#prod!#2', C1, 120)]
    expect(takenOutOf(state(...removed), 'm', 'v1.0.0', 'prod')?.eventId).toBe('m#prod!#2')
    expect(
      takenOutOf(state(...removed, rec('m#prod#3', C1, 130)), 'm', 'v1.0.0', 'prod')
    ).toBeUndefined()
  })

  it('does not count a removal that only lets a lower version take the stage', () => {
    const built = state(
      rec('m@v1.0.0', C1, 100),
      rec('m@v2.0.0', C2, 101),
      rec('m#prod#1', C2, 110),
      rec('m#prod!#2', C2, 120, { message: audit({ replacedBy: 'v1.0.0' }) }),
      rec('m#prod#3', C1, 120)
    )
    expect(takenOutOf(built, 'm', 'v2.0.0', 'prod')).toBeUndefined()
  })
})
