import { InvalidInputError, ModelGateError, NotFoundError } from '../src/errors.js'
import { loadPolicy, parsePolicy } from '../src/policy/load.js'

const FIXTURES = '__tests__/fixtures/policies'

/** What a call threw; fails the test when it did not throw a ModelGateError. */
async function thrown(action: () => unknown): Promise<ModelGateError> {
  try {
    await action()
  } catch (error) {
    if (error instanceof ModelGateError) return error
    throw new Error(`expected a ModelGateError, got ${String(error)}`, { cause: error })
  }
  throw new Error('expected an error, but the policy was accepted')
}

/**
 * Asserts an invalid-input error (exit 2) whose problems are exactly `expected`, each
 * `line:col keyPath: message` (keyPath may be absent), in both `locations` and the message.
 */
function expectProblems(error: ModelGateError, file: string, expected: string[]): void {
  expect(error).toBeInstanceOf(InvalidInputError)
  expect(error.exitCode).toBe(2)
  const lines = error.locations.map(({ file: where, line, column, keyPath, problem }) => {
    expect(where).toBe(file)
    return keyPath ? `${line}:${column} ${keyPath}: ${problem}` : `${line}:${column}: ${problem}`
  })
  expect(lines).toEqual(expected)
  expect(error.message.split('\n').slice(1)).toEqual(expected.map(p => `${file}:${p}`))
}

const VALID = `model: clinical-classifier
metrics:
  accuracy: { goal: maximize }
stages:
  staging:
    from: [candidate]
`

describe('the bad policies issue 2 lists, each from a file', () => {
  it.each([
    [
      'empty.yml',
      '1:1: the policy is empty: a policy must be a mapping with at least `model` and `stages`'
    ],
    [
      'syntax-error.yml',
      '5:5 stages.staging.from[0]: invalid YAML: flow sequence in block collection must be sufficiently indented and end with a ]'
    ],
    // The yaml library cannot tell which key a tab-indented line belongs to, so no key path.
    ['tab-indented.yml', '4:1: a tab is used for indentation: YAML indents with spaces only'],
    [
      'duplicate-keys.yml',
      '9:7 stages.staging.thresholds.accuracy: duplicate key: each key may appear only once in a mapping'
    ],
    [
      'threshold-string.yml',
      '6:24 stages.staging.thresholds.accuracy.min: must be a number, got the string "0.85"'
    ],
    [
      'min-above-max.yml',
      '7:14 stages.staging.thresholds.accuracy.min: 0.95 is above max 0.9, so no value can pass'
    ],
    [
      'unknown-source-stage.yml',
      '6:12 stages.production.from[0]: names the stage "stagging", which this policy does not define (known: candidate, staging)'
    ],
    [
      'unknown-key.yml',
      '5:5 stages.staging.treshold: unknown key "treshold" (allowed here: from, thresholds, regression, schema, artifact, min_days_in_source_stage, checks, approvals, monitor, model_scan, data_quality, provenance, monitoring, rollout)'
    ],
    [
      'regression-without-direction.yml',
      '11:17 stages.production.regression.f1_score: metric "f1_score" has no direction: give it a goal (maximize or minimize) under metrics'
    ]
  ])('%s', async (name, problem) => {
    const file = `${FIXTURES}/${name}`
    const error = await thrown(() => loadPolicy(file))
    expectProblems(error, file, [problem])
    expect(error.message).toBe(`Policy ${file} has a problem:\n${file}:${problem}`)
  })

  it('reports every stage of a cycle that candidate cannot reach, at the stage key', async () => {
    const file = `${FIXTURES}/unreachable-stage.yml`
    expectProblems(await thrown(() => loadPolicy(file)), file, [
      '5:3 stages.shadow: cannot be reached: no chain of "from" stages leads to it from candidate',
      '7:3 stages.canary: cannot be reached: no chain of "from" stages leads to it from candidate'
    ])
  })

  it('collects every problem of a file into one error, in file order', async () => {
    const file = `${FIXTURES}/many-problems.yml`
    const error = await thrown(() => loadPolicy(file))
    expectProblems(error, file, [
      "1:8 model: must be letters, digits, - _ / . or :, starting and ending with a letter or digit, at most 200 characters (ModelGate's own limit: names go into git tags, registry tag keys and reports; MLflow itself accepts more)",
      '3:21 metrics.accuracy.goal: must be one of "maximize", "minimize", got the string "higher"',
      '5:3 stages.staging.from: is required',
      '7:24 stages.staging.thresholds.accuracy.min: 0.85 is above max 0.8, so no value can pass',
      '8:30 stages.staging.artifact.max_size_mb: must be at least 0, got the number -5',
      '8:45 stages.staging.artifact.checksums: must be one of "required", "optional", got the string "always"',
      '12:11 stages.staging.approvals.groups[0]: lists no users and no teams, so nobody can approve',
      '15:16 stages.staging.approvals.groups[1].min: needs 2 approvals but lists only 1 user',
      '16:11 stages.staging.approvals.groups[1].team: unknown key "team" (allowed here: name, teams, users, min)'
    ])
    expect(error.message.split('\n')[0]).toBe(`Policy ${file} has 9 problems:`)
  })
})

describe('loadPolicy', () => {
  it('reads a valid file', async () => {
    const policy = await loadPolicy('policies/clinical-classifier.yml')
    expect(policy.model).toBe('clinical-classifier')
  })

  it('a missing file is NotFoundError (exit 3) naming the path', async () => {
    const file = `${FIXTURES}/no-such-policy.yml`
    const error = await thrown(() => loadPolicy(file))
    expect(error).toBeInstanceOf(NotFoundError)
    expect(error.exitCode).toBe(3)
    expect(error.message).toBe(`Policy file not found: ${file}`)
    expect(error.locations).toEqual([{ file }])
  })

  it('a directory is InvalidInputError (exit 2)', async () => {
    const error = await thrown(() => loadPolicy(FIXTURES))
    expect(error).toBeInstanceOf(InvalidInputError)
    expect(error.exitCode).toBe(2)
    expect(error.message).toBe(`Policy file ${FIXTURES} is a directory, not a YAML file`)
  })
})

describe('parsePolicy', () => {
  const problemsOf = (text: string) => thrown(() => parsePolicy(text, 'p.yml'))

  it('returns the typed policy with defaults filled in', () => {
    const policy = parsePolicy(
      `${VALID}    artifact: { max_size_mb: 100 }\n    approvals: { required: 1 }\n`,
      'p.yml'
    )
    expect(policy).toEqual({
      model: 'clinical-classifier',
      registry: { type: 'git' },
      metrics: { accuracy: { goal: 'maximize' } },
      stages: {
        staging: {
          from: ['candidate'],
          artifact: { max_size_mb: 100, checksums: 'optional' },
          approvals: { required: 1, exclude_author: true, stale_after_push: true }
        }
      }
    })
  })

  it.each([
    ['a comment only', '# nothing yet\n'],
    ['an empty document', '---\n'],
    ['blank lines', '\n\n  \n']
  ])('rejects %s as an empty policy', async (_, text) => {
    expectProblems(await problemsOf(text), 'p.yml', [
      '1:1: the policy is empty: a policy must be a mapping with at least `model` and `stages`'
    ])
  })

  it.each([
    ['a list', '- staging\n', 'got a list'],
    ['a scalar', 'clinical-classifier\n', 'got the value "clinical-classifier"']
  ])('rejects a document that is %s', async (_, text, got) => {
    expectProblems(await problemsOf(text), 'p.yml', [
      `1:1: a policy must be a mapping with at least \`model\` and \`stages\`, ${got}`
    ])
  })

  it('rejects several YAML documents in one file', async () => {
    expectProblems(await problemsOf(`${VALID}---\nmodel: other\n`), 'p.yml', [
      '7:1: the file holds more than one YAML document (---): a policy is one document'
    ])
  })

  it('treats keys that read the same once parsed as duplicates', async () => {
    const text = `${VALID}    thresholds:\n      1: { min: 0 }\n      "1": { min: 1 }\n`
    expectProblems(await problemsOf(text), 'p.yml', [
      '9:7 stages.staging.thresholds.1: duplicate key: each key may appear only once in a mapping'
    ])
  })

  it('rejects an unknown YAML tag rather than guessing', async () => {
    const error = await problemsOf(`${VALID}    min_days_in_source_stage: !days 7\n`)
    expectProblems(error, 'p.yml', [
      '7:31 stages.staging.min_days_in_source_stage: invalid YAML: unresolved tag: !days'
    ])
  })

  it('points a missing key at the mapping that lacks it', async () => {
    expectProblems(await problemsOf('stages:\n  staging:\n    thresholds: {}\n'), 'p.yml', [
      '1:1 model: is required',
      '2:3 stages.staging.from: is required'
    ])
  })

  it('points an unknown key at the key itself, at any depth', async () => {
    expectProblems(
      await problemsOf(`owner: ml-team\n${VALID}    approvals: { requird: 1 }\n`),
      'p.yml',
      [
        '1:1 owner: unknown key "owner" (allowed here: $schema, model, registry, path, metrics, stages, rollback)',
        '8:18 stages.staging.approvals.requird: unknown key "requird" (allowed here: required, exclude_author, stale_after_push, groups)'
      ]
    )
  })

  it('says in plain words what type was expected and what was found', async () => {
    const text = `model: 42
registry: { type: mlflow, uri: "ftp://mlflow.internal" }
metrics:
  accuracy: maximize
stages:
  staging:
    from: candidate
    thresholds:
      accuracy: { min: .nan }
      latency_p95_ms:
    approvals: { required: 1.5, stale_after_push: "yes" }
`
    expectProblems(await problemsOf(text), 'p.yml', [
      '1:8 model: must be a string, got the number 42',
      '2:32 registry.uri: must be an http(s) URL',
      '4:13 metrics.accuracy: must be a mapping (key: value), got the string "maximize"',
      '7:11 stages.staging.from: must be a list, got the string "candidate"',
      '9:24 stages.staging.thresholds.accuracy.min: must be a number, got .nan (not a number)',
      '10:7 stages.staging.thresholds.latency_p95_ms: must be a mapping (key: value), got an empty value',
      '11:28 stages.staging.approvals.required: must be a whole number, got the number 1.5',
      '11:51 stages.staging.approvals.stale_after_push: must be true or false, got the string "yes"'
    ])
  })

  it('names the registry types when the type is wrong or missing', async () => {
    const wrong = `registry: { type: svn }\n${VALID}`
    expectProblems(await problemsOf(wrong), 'p.yml', [
      '1:19 registry.type: must be one of "git", "mlflow", got the string "svn"'
    ])
    const missing = `registry: { uri: "https://mlflow.internal" }\n${VALID}`
    expectProblems(await problemsOf(missing), 'p.yml', [
      '1:1 registry.type: is required: one of "git", "mlflow"'
    ])
  })

  it('rejects rules that can never be met or say nothing', async () => {
    const text = `${VALID}    thresholds:
      accuracy: {}
    regression:
      accuracy: {}
    approvals:
      exclude_author: false
      groups:
        - { name: leads, users: [] }
stages2: {}
`
    expectProblems(await problemsOf(text), 'p.yml', [
      '8:17 stages.staging.thresholds.accuracy: needs min, max or both',
      '10:17 stages.staging.regression.accuracy: needs max_drop, max_relative_drop or both',
      "12:23 stages.staging.approvals.exclude_author: cannot be turned off: the PR author's own review never counts",
      '14:11 stages.staging.approvals.groups[0]: lists no users and no teams, so nobody can approve',
      '15:1 stages2: unknown key "stages2" (allowed here: $schema, model, registry, path, metrics, stages, rollback)'
    ])
  })

  it('needs at least one stage', async () => {
    expectProblems(await problemsOf('model: m\nstages: {}\n'), 'p.yml', [
      '2:9 stages: must define at least one stage'
    ])
  })

  it('checks stage names and the stage graph', async () => {
    const text = `model: m
stages:
  candidate: { from: [staging] }
  staging: { from: [candidate] }
  loop: { from: [loop, staging] }
  odd: { from: [constructor] }
  "bad name!": { from: [staging] }
`
    expectProblems(await problemsOf(text), 'p.yml', [
      '7:3 stages["bad name!"]: is not a valid name: must be letters, digits, - _ or /, starting and ending with a letter or digit'
    ])
    expectProblems(await problemsOf(text.replace(/ {2}"bad name!".*\n/, '')), 'p.yml', [
      '3:14 stages.candidate: "candidate" is where every new version starts; it cannot be a target stage',
      '5:18 stages.loop.from[0]: a stage cannot be promoted from itself',
      '6:17 stages.odd.from[0]: names the stage "constructor", which this policy does not define (known: candidate, staging, loop)'
    ])
  })

  it('rejects a path that leaves the repository, at the path key', async () => {
    for (const path of ['../x', '/etc', 'models/../../x', '..', 'a/..']) {
      const text = `path: "${path}"\n${VALID}`
      expectProblems(await problemsOf(text), 'p.yml', [
        '1:7 path: must be a path inside the repository'
      ])
    }
  })

  it('accepts a path inside the repository', () => {
    for (const path of ['models/clf', 'models/..clf', 'x..', '.hidden/model', 'a']) {
      expect(parsePolicy(`path: "${path}"\n${VALID}`, 'p.yml').path).toBe(path)
    }
  })

  it('reads a threshold with both bounds, and refuses min above max', async () => {
    const both = `${VALID}    thresholds:\n      accuracy: { min: 0.8, max: 0.99 }\n`
    expect(parsePolicy(both, 'p.yml').stages.staging?.thresholds).toEqual({
      accuracy: { min: 0.8, max: 0.99 }
    })
    const equal = `${VALID}    thresholds:\n      accuracy: { min: 0.9, max: 0.9 }\n`
    expect(parsePolicy(equal, 'p.yml').stages.staging?.thresholds?.accuracy).toEqual({
      min: 0.9,
      max: 0.9
    })
    const crossed = `${VALID}    thresholds:\n      accuracy: { min: 0.99, max: 0.8 }\n`
    expectProblems(await problemsOf(crossed), 'p.yml', [
      '8:24 stages.staging.thresholds.accuracy.min: 0.99 is above max 0.8, so no value can pass'
    ])
  })

  it('reaches stages listed in any order, and still finds one that cannot be reached', async () => {
    const reversed = `model: m
stages:
  production: { from: [canary] }
  canary: { from: [staging] }
  staging: { from: [dev] }
  dev: { from: [candidate] }
`
    expect(Object.keys(parsePolicy(reversed, 'p.yml').stages)).toEqual([
      'production',
      'canary',
      'staging',
      'dev'
    ])
    const island = `${reversed}  shadow: { from: [mirror] }\n  mirror: { from: [shadow] }\n`
    expectProblems(await problemsOf(island), 'p.yml', [
      '7:11 stages.shadow: cannot be reached: no chain of "from" stages leads to it from candidate',
      '8:11 stages.mirror: cannot be reached: no chain of "from" stages leads to it from candidate'
    ])
  })

  it('quotes a metric name with a dot in the key path', async () => {
    const text = `${VALID}    regression:\n      eval.auc: { max_drop: 0 }\n      toString: { max_drop: 0 }\n`
    expectProblems(await problemsOf(text), 'p.yml', [
      '8:17 stages.staging.regression["eval.auc"]: metric "eval.auc" has no direction: give it a goal (maximize or minimize) under metrics',
      '9:17 stages.staging.regression.toString: metric "toString" has no direction: give it a goal (maximize or minimize) under metrics'
    ])
  })

  describe('YAML anchors, aliases and merge keys', () => {
    const shared = `model: m
metrics: { accuracy: { goal: maximize } }
stages:
  staging:
    from: [candidate]
    thresholds: &floor
      accuracy: { min: 0.85 }
  production:
    from: [staging]
    thresholds:
      <<: *floor
      roc_auc: { min: 0.8 }
    regression:
      accuracy: &exact { max_drop: 0 }
`

    it('expands them', () => {
      const policy = parsePolicy(shared, 'p.yml')
      expect(policy.stages.production?.thresholds).toEqual({
        accuracy: { min: 0.85 },
        roc_auc: { min: 0.8 }
      })
      expect(policy.stages.production?.regression).toEqual({ accuracy: { max_drop: 0 } })
    })

    it('points a problem inside an aliased value at where the value is written', async () => {
      const text = shared.replace('{ min: 0.85 }', '{ min: "high" }')
      expectProblems(await problemsOf(text), 'p.yml', [
        '7:24 stages.staging.thresholds.accuracy.min: must be a number, got the string "high"',
        '7:24 stages.production.thresholds.accuracy.min: must be a number, got the string "high"'
      ])
    })

    it('refuses aliases that expand exponentially (a "billion laughs" file)', async () => {
      const ten = (name: string, item: string) =>
        `${name}: &${name} [${Array(10).fill(item).join(', ')}]\n`
      const bomb = `${ten('a', 'lol')}${ten('b', '*a')}${ten('c', '*b')}${ten('d', '*c')}${ten('e', '*d')}`
      const error = await problemsOf(`${bomb}${VALID}    checks: *e\n`)
      expect(error).toBeInstanceOf(InvalidInputError)
      expect(error.message).toMatch(/^p\.yml:1:1: the policy cannot be read as data: .*alias/m)
    })

    it('reports an alias with no anchor, and a merge of something not a mapping', async () => {
      expectProblems(await problemsOf(shared.replace('<<: *floor', '<<: *flor')), 'p.yml', [
        '11:11 stages.production.thresholds["<<"]: the alias *flor has no anchor &flor before it'
      ])
      const scalarMerge = shared.replace('&floor', '').replace('<<: *floor', '<<: 0.85')
      expectProblems(await problemsOf(scalarMerge), 'p.yml', [
        '11:11 stages.production.thresholds["<<"]: a merge key (<<) must name a mapping or a list of mappings'
      ])
    })
  })
})

describe('stage names GTO 1.10 accepts (issue 11, item 8)', () => {
  it('accepts stages ending in -<digits>, such as canary-2 and eu-1', () => {
    const policy = parsePolicy(
      `model: m
stages:
  canary-2: { from: [candidate] }
  eu-1: { from: [canary-2] }
  prod-3: { from: [eu-1] }
`,
      'p.yml'
    )
    expect(Object.keys(policy.stages)).toEqual(['canary-2', 'eu-1', 'prod-3'])
  })
})
