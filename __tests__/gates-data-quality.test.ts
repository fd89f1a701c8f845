import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { parseDataQuality } from '../src/candidate/data-quality.js'
import { loadCandidate } from '../src/candidate/load.js'
import { dataQualityGate } from '../src/gates/data-quality.js'
import { evaluateStage } from '../src/gates/evaluate.js'
import { Policy } from '../src/policy/schema.js'

const SNAPSHOT = 's3://acme-data/train/2026-11-01'
const FILE = 'data_quality.json'

const modelgate = (checks: unknown[], snapshot: string | undefined = SNAPSHOT) =>
  JSON.stringify({ format: 'modelgate.data-quality/v1', ...(snapshot ? { snapshot } : {}), checks })

/** A Great Expectations 0.x checkpoint result, abridged to the fields read. */
const gx0 = (success: boolean, runName = SNAPSHOT) =>
  JSON.stringify({
    success,
    run_id: { run_name: runName, run_time: '2026-11-01T00:00:00Z' },
    run_results: {
      'ValidationResultIdentifier::train/__none__/x': {
        validation_result: {
          success,
          results: [
            {
              success: true,
              expectation_config: {
                expectation_type: 'expect_column_values_to_not_be_null',
                kwargs: { column: 'age' }
              },
              result: { unexpected_percent: 0 }
            },
            {
              success,
              expectation_config: {
                expectation_type: 'expect_table_row_count_to_be_between',
                kwargs: { min_value: 1000 }
              },
              result: { observed_value: success ? 12000 : 10 }
            }
          ]
        }
      }
    }
  })

/** A Great Expectations 1.x checkpoint result: the validation result directly, `type`. */
const gx1 = JSON.stringify({
  name: 'train-checkpoint',
  success: true,
  run_id: { run_name: SNAPSHOT },
  run_results: {
    'train-suite': {
      success: true,
      results: [
        {
          success: true,
          expectation_config: {
            type: 'expect_column_values_to_be_unique',
            kwargs: { column: 'id' }
          },
          result: { observed_value: 0 }
        }
      ]
    }
  }
})

describe('parseDataQuality', () => {
  it('reads the ModelGate format', () => {
    expect(
      parseDataQuality(
        modelgate([{ name: 'null_rate.age', passed: true, value: 0.01, threshold: 0.05 }]),
        FILE
      )
    ).toEqual({
      file: FILE,
      format: 'modelgate',
      snapshot: SNAPSHOT,
      checks: [{ name: 'null_rate.age', passed: true, observed: '0.01 (threshold 0.05)' }]
    })
  })

  it('reads Great Expectations 0.x and 1.x checkpoint results', () => {
    expect(parseDataQuality(gx0(true), FILE)).toEqual({
      file: FILE,
      format: 'great_expectations',
      snapshot: SNAPSHOT,
      success: true,
      checks: [
        { name: 'expect_column_values_to_not_be_null(age)', passed: true, observed: '0' },
        { name: 'expect_table_row_count_to_be_between', passed: true, observed: '12000' }
      ]
    })
    expect(parseDataQuality(gx1, FILE).checks).toEqual([
      { name: 'expect_column_values_to_be_unique(id)', passed: true, observed: '0' }
    ])
  })

  it('a report it cannot read carries a problem instead of throwing', () => {
    expect(parseDataQuality('{', FILE).problem).toMatch(/^data_quality.json is not valid JSON/)
    expect(parseDataQuality('[]', FILE).problem).toBe('data_quality.json is not a JSON object')
    expect(parseDataQuality('{"checks": []}', FILE).problem).toMatch(/neither a ModelGate report/)
    expect(parseDataQuality(modelgate([{ name: 'x', passed: 'yes' }]), FILE).problem).toMatch(
      /checks\[0\] needs/
    )
  })
})

describe('dataQualityGate', () => {
  const info = { training_data_snapshot: SNAPSHOT }
  const gate = (text: string | undefined, rules = {}, withInfo: object | undefined = info) =>
    dataQualityGate({
      rules,
      report: text === undefined ? undefined : parseDataQuality(text, FILE),
      info: withInfo
    })

  it('passes a report for the snapshot whose checks all pass', () => {
    expect(gate(gx0(true))).toEqual({
      gate: 'data_quality',
      status: 'pass',
      summary: `2 checks passed on snapshot ${SNAPSHOT} (Great Expectations)`,
      details: [
        'expect_column_values_to_not_be_null(age): passed, 0',
        'expect_table_row_count_to_be_between: passed, 12000'
      ]
    })
  })

  it.each([
    ['no report', undefined, {}, info, /no data-quality report/],
    ['an unreadable report', '{', {}, info, /cannot be read/],
    ['no snapshot in model.yaml', gx0(true), {}, {}, /model.yaml names no training_data_snapshot/],
    ['a report for another snapshot', gx0(true, 's3://other'), {}, info, /another snapshot/],
    [
      'a report naming no snapshot',
      modelgate([{ name: 'a', passed: true }], ''),
      {},
      info,
      /names no snapshot/
    ],
    ['a failed check', gx0(false), {}, info, /2 data-quality problems/],
    ['no checks at all', modelgate([]), {}, info, /1 data-quality problem/],
    ['a named check missing', gx0(true), { checks: ['row_count'] }, info, /1 data-quality problem/]
  ])('fails on %s', (_what, text, rules, withInfo, summary) => {
    const result = gate(text, rules, withInfo)
    expect(result.status).toBe('fail')
    expect(result.summary).toMatch(summary)
  })

  it('with checks listed, only those must pass', () => {
    const text = modelgate([
      { name: 'row_count', passed: true, value: 12000 },
      { name: 'drift.psi', passed: false, value: 0.4 }
    ])
    expect(gate(text, { checks: ['row_count'] }).status).toBe('pass')
    expect(gate(text).details).toEqual(['drift.psi: failed, 0.4', 'row_count: passed, 12000'])
    expect(gate(text, { checks: ['row_count', 'drift.psi'] }).status).toBe('fail')
  })
})

describe('data_quality through loadCandidate and evaluateStage', () => {
  let dir: string
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'modelgate-dq-'))
    await writeFile(path.join(dir, 'metrics.json'), '{"accuracy": 0.9}')
    await writeFile(
      path.join(dir, 'model.yaml'),
      `version: v3\ntraining_data_snapshot: ${SNAPSHOT}\n`
    )
    await writeFile(path.join(dir, FILE), gx0(false))
  })
  afterAll(() => rm(dir, { recursive: true, force: true }))

  it('the loader reads data_quality.json and a stage with data_quality blocks on it', async () => {
    const candidate = await loadCandidate(dir)
    expect(candidate.dataQuality?.format).toBe('great_expectations')
    const policy = Policy.parse({
      model: 'm',
      stages: { production: { from: ['candidate'], data_quality: {} } }
    })
    const evaluation = evaluateStage({
      policy,
      stage: 'production',
      candidate: { ...candidate, label: 'v3' },
      now: new Date('2026-12-02T00:00:00Z')
    })
    expect(evaluation.gates.map(g => `${g.gate} ${g.status}`)).toEqual(['data_quality fail'])
    expect(evaluation.decision).toBe('blocked')
    expect(() =>
      Policy.parse({
        model: 'm',
        stages: { p: { from: ['candidate'], data_quality: { check: [] } } }
      })
    ).toThrow()
  })
})
