import { InvalidInputError } from '../src/errors.js'
import type { GtoTag } from '../src/registry/git/tag-name.js'
import {
  TAG_RE,
  assertModelName,
  assertStageName,
  formatTagName,
  parseTagName
} from '../src/registry/git/tag-name.js'
import { compareVersions } from '../src/registry/git/semver.js'
import { GTO_TAG_RE } from './helpers/git-gto-reference.js'

const CORPUS = [
  'churn-model@v1.2.0',
  'churn-model@v1.2.0#4',
  'churn-model@v1.2.0!',
  'churn-model@v1.2.0!#7',
  'churn-model@v1.2.0-rc.1+build.5',
  'churn-model#prod',
  'churn-model#prod#3',
  'churn-model#prod!#12',
  'churn-model#prod-3',
  'churn-model@deprecated',
  'churn-model@deprecated#9',
  'churn-model@created',
  'dir/sub=model@v0.0.1',
  'dir/sub=model#staging#2',
  'a.b/c-d_e=M_1/x#Stage_2#10',
  'Model_A#PROD',
  'm',
  'm@',
  'm#',
  'm@1.2.0',
  'm@v1.2',
  'm@v01.2.0',
  'm#prod#x',
  'm#prod#',
  '-m#prod',
  'm-#prod',
  'm#-prod',
  'a=b=c@v1.0.0',
  'm#prod!!',
  'm@v1.0.0#1#2',
  'v1.0.0',
  'release-2024',
  'm#pr od',
  'm@deprecated!',
  'dir:model@v1.0.0'
]

describe('GTO tag regex', () => {
  it.each(CORPUS)('matches GTO on %s', tag => {
    const ours = TAG_RE.exec(tag)?.groups
    const gto = GTO_TAG_RE.exec(tag)?.groups
    expect(Boolean(ours)).toBe(Boolean(gto))
    if (ours && gto) {
      for (const group of [
        'artifact',
        'stage',
        'version',
        'cancel',
        'deprecated',
        'created',
        'counter'
      ]) {
        expect([group, ours[group]]).toEqual([group, gto[group]])
      }
    }
  })
})

describe('parseTagName', () => {
  const cases: Array<[string, GtoTag]> = [
    ['churn-model@v1.2.0', { action: 'register', model: 'churn-model', version: 'v1.2.0' }],
    [
      'churn-model@v1.2.0#4',
      { action: 'register', model: 'churn-model', version: 'v1.2.0', counter: 4 }
    ],
    ['churn-model@v1.2.0!', { action: 'deregister', model: 'churn-model', version: 'v1.2.0' }],
    [
      'churn-model@v1.2.0!#7',
      { action: 'deregister', model: 'churn-model', version: 'v1.2.0', counter: 7 }
    ],
    ['churn-model#prod', { action: 'assign', model: 'churn-model', stage: 'prod' }],
    ['churn-model#prod#3', { action: 'assign', model: 'churn-model', stage: 'prod', counter: 3 }],
    [
      'churn-model#prod!#12',
      { action: 'unassign', model: 'churn-model', stage: 'prod', counter: 12 }
    ],
    ['churn-model#prod!', { action: 'unassign', model: 'churn-model', stage: 'prod' }],
    ['churn-model#prod-3', { action: 'assign', model: 'churn-model', stage: 'prod-3' }],
    ['m#eu-1', { action: 'assign', model: 'm', stage: 'eu-1' }],
    ['m#canary-2#4', { action: 'assign', model: 'm', stage: 'canary-2', counter: 4 }],
    ['m#eu-1!#5', { action: 'unassign', model: 'm', stage: 'eu-1', counter: 5 }],
    ['churn-model@deprecated', { action: 'deprecate', model: 'churn-model' }],
    ['churn-model@deprecated#9', { action: 'deprecate', model: 'churn-model', counter: 9 }],
    ['churn-model@created', { action: 'create', model: 'churn-model' }],
    ['churn-model@created#2', { action: 'create', model: 'churn-model', counter: 2 }],
    [
      'dir/sub=model#staging#2',
      { action: 'assign', model: 'dir/sub:model', stage: 'staging', counter: 2 }
    ],
    ['dir/sub=model@v0.0.1', { action: 'register', model: 'dir/sub:model', version: 'v0.0.1' }]
  ]

  it.each(cases)('reads %s', (tag, parsed) => {
    expect(parseTagName(tag)).toEqual(parsed)
  })

  it.each(cases)('round-trips %s', (tag, parsed) => {
    expect(formatTagName(parsed)).toBe(tag)
  })

  it('reads a counter on a stage ending in digits as the modern form', () => {
    expect(parseTagName('m#prod-3#4')).toEqual({
      action: 'assign',
      model: 'm',
      stage: 'prod-3',
      counter: 4
    })
  })

  it.each(['v1.0.0', 'release-2024', 'm@1.2.0', 'm@v1.2', 'm#', '-m#prod', 'm#prod#x'])(
    'ignores %s, as GTO does',
    tag => {
      expect(parseTagName(tag)).toBeUndefined()
    }
  )
})

describe('formatTagName refuses what GTO or git cannot read', () => {
  const bad: Array<[string, GtoTag]> = [
    ['version without v', { action: 'register', model: 'm', version: '1.2.0' }],
    ['short version', { action: 'register', model: 'm', version: 'v1.2' }],
    ['leading zero', { action: 'register', model: 'm', version: 'v01.2.0' }],
    ['empty prerelease', { action: 'register', model: 'm', version: 'v1.2.0-' }],
    ['model with space', { action: 'register', model: 'my model', version: 'v1.0.0' }],
    ['model ending in -', { action: 'register', model: 'model-', version: 'v1.0.0' }],
    ['model with @', { action: 'assign', model: 'm@x', stage: 'prod' }],
    ['model with #', { action: 'assign', model: 'm#x', stage: 'prod' }],
    ['model with =', { action: 'assign', model: 'a=b', stage: 'prod' }],
    ['two colons', { action: 'assign', model: 'a:b:c', stage: 'prod' }],
    ['dir starting with -', { action: 'assign', model: '-x:model', stage: 'prod' }],
    ['dir with ..', { action: 'assign', model: 'a/../b:model', stage: 'prod' }],
    ['dir with //', { action: 'assign', model: 'a//b:model', stage: 'prod' }],
    ['dir component .lock', { action: 'assign', model: 'a.lock/b:model', stage: 'prod' }],
    ['name with //', { action: 'assign', model: 'a//b', stage: 'prod' }],
    ['stage with space', { action: 'assign', model: 'm', stage: 'pro d' }],
    ['stage with !', { action: 'assign', model: 'm', stage: 'prod!' }],
    ['empty stage', { action: 'assign', model: 'm', stage: '' }],
    ['negative counter', { action: 'assign', model: 'm', stage: 'prod', counter: -1 }],
    ['fractional counter', { action: 'assign', model: 'm', stage: 'prod', counter: 1.5 }]
  ]
  it.each(bad)('%s', (_label, tag) => {
    expect(() => formatTagName(tag)).toThrow(InvalidInputError)
    try {
      formatTagName(tag)
    } catch (error) {
      expect((error as InvalidInputError).exitCode).toBe(2)
    }
  })

  it('accepts monorepo names and keeps GTO readable', () => {
    const name = formatTagName({
      action: 'assign',
      model: 'ml/models:churn',
      stage: 'prod',
      counter: 5
    })
    expect(name).toBe('ml/models=churn#prod#5')
    expect(GTO_TAG_RE.test(name)).toBe(true)
    expect(() => assertModelName('ml/models:churn')).not.toThrow()
  })
})

describe('stages ending in -<digits> (GTO 1.10)', () => {
  it.each(['prod-3', 'eu-1', 'canary-2', 'a-0'])('%s is an ordinary stage name', stage => {
    expect(() => assertStageName(stage)).not.toThrow()
    expect(parseTagName(`m#${stage}`)).toEqual({ action: 'assign', model: 'm', stage })
    expect(formatTagName({ action: 'assign', model: 'm', stage, counter: 7 })).toBe(`m#${stage}#7`)
    expect(GTO_TAG_RE.exec(`m#${stage}`)?.groups?.stage).toBe(stage)
  })
})

describe('compareVersions', () => {
  it('orders by semver precedence', () => {
    const sorted = ['v1.10.0', 'v1.2.0', 'v1.2.0-rc.1', 'v1.2.0-alpha', 'v1.2.0-rc.10', 'v0.9.9']
      .slice()
      .sort((a, b) => compareVersions(a, b) ?? 0)
    expect(sorted).toEqual([
      'v0.9.9',
      'v1.2.0-alpha',
      'v1.2.0-rc.1',
      'v1.2.0-rc.10',
      'v1.2.0',
      'v1.10.0'
    ])
    expect(compareVersions('v1.0.0+a', 'v1.0.0+b')).toBe(0)
    expect(compareVersions('v1.0.0', 'deadbeef')).toBeUndefined()
  })
})
