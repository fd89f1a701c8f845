import path from 'node:path'
import { loadCandidate } from '../src/candidate/load.js'
import { parseModelInfo } from '../src/candidate/model-info.js'
import { parseMlmodelSignature, parseSchemaJson } from '../src/candidate/signature.js'
import { InvalidInputError } from '../src/errors.js'
import { failure, failureOf, METRICS, scratchFolder } from './fixtures/candidates/make-candidate.js'

let scratch: Awaited<ReturnType<typeof scratchFolder>>
beforeAll(async () => {
  scratch = await scratchFolder('signature')
})
afterAll(async () => {
  await scratch.dispose()
})

/** An MLmodel file as MLflow 2.x writes it, with the given signature lines. */
const mlmodel = (signature: string): string =>
  [
    'artifact_path: model',
    'flavors:',
    '  python_function:',
    '    env:',
    '      conda: conda.yaml',
    '    loader_module: mlflow.sklearn',
    '    python_version: 3.11.7',
    '  sklearn:',
    '    pickled_model: model.pkl',
    '    sklearn_version: 1.4.0',
    'mlflow_version: 2.12.1',
    'model_uuid: 3a1d3b4ad8a94ba4b6c3a4a1d6c3e2f1',
    'run_id: 9f1c2e3d4b5a',
    signature,
    "utc_time_created: '2024-05-01 10:00:00.000000'",
    ''
  ].join('\n')

describe('MLmodel signatures', () => {
  it('reads a column-based signature from the JSON strings MLflow writes', async () => {
    const dir = await scratch.candidate({
      'metrics.json': METRICS,
      MLmodel: mlmodel(
        [
          'signature:',
          `  inputs: '[{"type": "long", "name": "age", "required": true}, {"type": "string", "name": "plan", "required": false}, {"type": "double", "name": "spend"}]'`,
          `  outputs: '[{"type": "double", "required": true}]'`,
          '  params: null'
        ].join('\n')
      )
    })
    const candidate = await loadCandidate(dir)
    expect(candidate.signature).toEqual({
      source: 'MLmodel',
      inputs: [
        { name: 'age', type: 'long', required: true },
        { name: 'plan', type: 'string', required: false },
        { name: 'spend', type: 'double', required: true }
      ],
      outputs: [{ name: '#0', type: 'double', required: true }]
    })
    expect(candidate.notes).toBeUndefined()
  })

  it('reads a tensor-based signature as tensor:dtype[shape]', () => {
    const signature = parseMlmodelSignature(
      mlmodel(
        [
          'signature:',
          `  inputs: '[{"type": "tensor", "tensor-spec": {"dtype": "float32", "shape": [-1, 4]}}]'`,
          `  outputs: '[{"name": "probs", "type": "tensor", "tensor-spec": {"dtype": "float64", "shape": [-1]}}]'`
        ].join('\n')
      ),
      'cand/MLmodel'
    )
    expect(signature).toEqual({
      source: 'MLmodel',
      inputs: [{ name: '#0', type: 'tensor:float32[-1,4]', required: true }],
      outputs: [{ name: 'probs', type: 'tensor:float64[-1]', required: true }]
    })
  })

  it("normalises MLflow's array, map and object types to one comparable string", () => {
    const signature = parseMlmodelSignature(
      mlmodel(
        [
          'signature:',
          `  inputs: '[{"type": "array", "items": {"type": "string"}, "name": "tags"}, {"type": "map", "values": {"type": "double"}, "name": "scores", "required": false}, {"type": "object", "properties": {"zip": {"type": "string", "required": false}, "city": {"type": "string", "required": true}}, "name": "address"}]'`
        ].join('\n')
      ),
      'MLmodel'
    )
    expect(signature?.inputs).toEqual([
      { name: 'tags', type: 'array<string>', required: true },
      { name: 'scores', type: 'map<double>', required: false },
      { name: 'address', type: 'object{city:string,zip?:string}', required: true }
    ])
    expect(signature?.outputs).toEqual([])
  })

  it('also accepts inputs written as a YAML list', () => {
    const signature = parseMlmodelSignature(
      'signature:\n  inputs:\n    - { name: age, type: long }\n  outputs: null\n',
      'MLmodel'
    )
    expect(signature?.inputs).toEqual([{ name: 'age', type: 'long', required: true }])
  })

  it('has no signature when MLmodel has none', async () => {
    const dir = await scratch.candidate({ 'metrics.json': METRICS, MLmodel: mlmodel('') })
    expect((await loadCandidate(dir)).signature).toBeUndefined()
  })

  it('names the line of a signature string that is not JSON', () => {
    const text = mlmodel(
      `signature:\n  inputs: '[{"type": "long", "name": "age",]'\n  outputs: '[]'`
    )
    const error = failureOf(() => parseMlmodelSignature(text, 'cand/MLmodel'))
    expect(error).toBeInstanceOf(InvalidInputError)
    expect(error.locations).toEqual([
      {
        file: 'cand/MLmodel',
        line: 15,
        column: 11,
        keyPath: 'signature.inputs',
        problem: expect.stringMatching(
          /^invalid JSON in the signature string at its column 33: expected a string key/
        )
      }
    ])
  })

  it('names file and line of a YAML error (a tab used as indentation)', async () => {
    const dir = await scratch.candidate({
      'metrics.json': METRICS,
      MLmodel: 'artifact_path: model\nsignature:\n\tinputs: "[]"\n'
    })
    const error = await failure(loadCandidate(dir))
    expect(error.exitCode).toBe(2)
    expect(error.locations[0]).toMatchObject({ file: path.join(dir, 'MLmodel'), line: 3 })
  })

  it('refuses a signature without inputs, a field without a type, and duplicate names', () => {
    const noInputs = failureOf(() =>
      parseMlmodelSignature("signature:\n  outputs: '[]'\n", 'MLmodel')
    )
    expect(noInputs.locations[0]).toMatchObject({
      keyPath: 'signature.inputs',
      problem: 'is missing'
    })

    const noType = failureOf(() =>
      parseMlmodelSignature(`signature:\n  inputs: '[{"name": "age"}]'\n`, 'MLmodel')
    )
    expect(noType.locations[0]).toMatchObject({ keyPath: 'signature.inputs[0].type', line: 2 })

    const duplicate = failureOf(() =>
      parseMlmodelSignature(
        `signature:\n  inputs: '[{"name": "a", "type": "long"}, {"name": "a", "type": "double"}]'\n`,
        'MLmodel'
      )
    )
    expect(duplicate.message).toContain('the name "a" is also used by signature.inputs[0]')
  })

  it('refuses an MLmodel whose top level is not a mapping', () => {
    expect(failureOf(() => parseMlmodelSignature('- a\n- b\n', 'MLmodel')).message).toMatch(
      /top level must be a mapping/
    )
    expect(failureOf(() => parseMlmodelSignature('', 'MLmodel')).message).toMatch(
      /the file is empty/
    )
  })
})

describe('schema.json', () => {
  it('reads inputs and outputs, with optional: true meaning not required', async () => {
    const dir = await scratch.candidate({
      'metrics.json': METRICS,
      'schema.json': JSON.stringify({
        inputs: [
          { name: 'age', type: 'long' },
          { name: 'plan', type: 'string', optional: true },
          { name: 'spend', type: 'double', required: false, description: 'last 30 days' }
        ],
        outputs: [{ name: 'churn', type: 'double' }]
      })
    })
    const candidate = await loadCandidate(dir)
    expect(candidate.signature).toEqual({
      source: 'schema.json',
      inputs: [
        { name: 'age', type: 'long', required: true },
        { name: 'plan', type: 'string', required: false },
        { name: 'spend', type: 'double', required: false }
      ],
      outputs: [{ name: 'churn', type: 'double', required: true }]
    })
  })

  it('reads a bare array as the inputs', () => {
    expect(parseSchemaJson('[{"name": "x", "type": "float"}]', 'schema.json')).toEqual({
      source: 'schema.json',
      inputs: [{ name: 'x', type: 'float', required: true }],
      outputs: []
    })
  })

  it('refuses unknown keys, naming line, column and key path', () => {
    const error = failureOf(() =>
      parseSchemaJson(
        '{\n  "inputs": [\n    {"name": "x", "type": "float", "nullable": true}\n  ],\n  "extra": 1\n}',
        'cand/schema.json'
      )
    )
    expect(error.locations).toEqual([
      expect.objectContaining({
        file: 'cand/schema.json',
        line: 3,
        column: 36,
        keyPath: 'inputs[0].nullable'
      }),
      expect.objectContaining({ line: 5, column: 3, keyPath: 'extra' })
    ])
  })

  it('names line and column of bad JSON', () => {
    const error = failureOf(() =>
      parseSchemaJson('{\n  "inputs": [\n    {"name": x}\n  ]\n}', 'schema.json')
    )
    expect(error.locations[0]).toMatchObject({ file: 'schema.json', line: 3, column: 14 })
  })

  it('refuses contradictory required and optional', () => {
    const error = failureOf(() =>
      parseSchemaJson(
        '[{"name": "x", "type": "float", "required": true, "optional": true}]',
        'schema.json'
      )
    )
    expect(error.message).toMatch(/contradict/)
  })

  it('when MLmodel and schema.json both exist, prefers MLmodel and says so', async () => {
    const dir = await scratch.candidate({
      'metrics.json': METRICS,
      MLmodel: mlmodel(`signature:\n  inputs: '[{"name": "from_mlmodel", "type": "long"}]'`),
      'schema.json': '[{"name": "from_schema", "type": "long"}]'
    })
    const candidate = await loadCandidate(dir)
    expect(candidate.signature?.source).toBe('MLmodel')
    expect(candidate.signature?.inputs.map(field => field.name)).toEqual(['from_mlmodel'])
    expect(candidate.notes).toEqual([
      'Both MLmodel and schema.json describe the signature; MLmodel is used.'
    ])
  })

  it('uses schema.json when MLmodel has no signature, and says so', async () => {
    const dir = await scratch.candidate({
      'metrics.json': METRICS,
      MLmodel: mlmodel(''),
      'schema.json': '[{"name": "from_schema", "type": "long"}]'
    })
    const candidate = await loadCandidate(dir)
    expect(candidate.signature?.source).toBe('schema.json')
    expect(candidate.notes).toEqual([
      'MLmodel has no signature; the signature comes from schema.json.'
    ])
  })

  it('still refuses a broken schema.json when MLmodel wins', async () => {
    const dir = await scratch.candidate({
      'metrics.json': METRICS,
      MLmodel: mlmodel(`signature:\n  inputs: '[{"name": "a", "type": "long"}]'`),
      'schema.json': '[{"name": "a"'
    })
    const error = await failure(loadCandidate(dir))
    expect(error.locations[0]?.file).toBe(path.join(dir, 'schema.json'))
  })
})

describe('model.yaml', () => {
  it('reads every field, keeping numbers as written', async () => {
    const dir = await scratch.candidate({
      'metrics.json': METRICS,
      'model.yaml': [
        'version: 1.10',
        'run_id: 0123abc',
        'training_data_snapshot: s3://data/churn/2024-05-01',
        'feature_view_version: 7',
        'owner: "@acme/ds-leads"',
        ''
      ].join('\n')
    })
    expect((await loadCandidate(dir)).info).toEqual({
      version: '1.10',
      run_id: '0123abc',
      training_data_snapshot: 's3://data/churn/2024-05-01',
      feature_view_version: '7',
      owner: '@acme/ds-leads'
    })
  })

  it('keeps a leading zero in an all-digit run id', () => {
    expect(parseModelInfo('run_id: 0123\n', 'model.yaml')).toEqual({ run_id: '0123' })
  })

  it('refuses an unknown key with file, line, column and key', async () => {
    const dir = await scratch.candidate({
      'metrics.json': METRICS,
      'model.yaml': 'version: "3"\nowner_team: ds\n'
    })
    const error = await failure(loadCandidate(dir))
    expect(error).toBeInstanceOf(InvalidInputError)
    expect(error.locations).toEqual([
      {
        file: path.join(dir, 'model.yaml'),
        line: 2,
        column: 1,
        keyPath: 'owner_team',
        problem: expect.stringContaining('unknown key')
      }
    ])
    expect(error.message).toContain(`${path.join(dir, 'model.yaml')}:2:1 (owner_team): unknown key`)
  })

  it('refuses a wrong type, pointing at the value', () => {
    const error = failureOf(() =>
      parseModelInfo('version: 3\nowner:\n  - a\n  - b\n', 'model.yaml')
    )
    expect(error.locations).toEqual([
      { file: 'model.yaml', line: 3, column: 3, keyPath: 'owner', problem: 'must be a string' }
    ])
  })

  it('refuses null, booleans, duplicate keys and an empty file', () => {
    expect(
      failureOf(() => parseModelInfo('owner: null\n', 'model.yaml')).locations[0]
    ).toMatchObject({
      keyPath: 'owner',
      problem: 'must be a string'
    })
    expect(failureOf(() => parseModelInfo('version: true\n', 'model.yaml')).message).toMatch(
      /must be a string/
    )
    expect(
      failureOf(() => parseModelInfo('owner: a\nowner: b\n', 'model.yaml')).locations[0]
    ).toMatchObject({
      line: 2
    })
    expect(failureOf(() => parseModelInfo('', 'model.yaml')).message).toMatch(/the file is empty/)
  })
})
