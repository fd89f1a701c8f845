import { checksGate, type CheckRun } from '../src/gates/checks.js'

const HEAD = 'c0ffee1234567890c0ffee1234567890c0ffee12'

const run = (name: string, status: string, conclusion: string | null = null, id = 1): CheckRun => ({
  id,
  name,
  status,
  conclusion
})

const gate = (required: string[], runs: CheckRun[]) => checksGate({ required, runs, headSha: HEAD })

describe('checksGate', () => {
  it('passes when every required check concluded success', () => {
    const result = gate(
      ['smoke-tests', 'lint'],
      [
        run('smoke-tests', 'completed', 'success'),
        run('lint', 'completed', 'success', 2),
        run('unrelated', 'completed', 'failure', 3)
      ]
    )
    expect(result).toEqual({
      gate: 'checks',
      status: 'pass',
      summary: 'smoke-tests and lint have succeeded on c0ffee1',
      details: ['smoke-tests: success on c0ffee1', 'lint: success on c0ffee1']
    })
  })

  it.each(['failure', 'cancelled', 'timed_out', 'action_required', 'stale', 'startup_failure'])(
    'fails on %s',
    conclusion => {
      const result = gate(['smoke-tests'], [run('smoke-tests', 'completed', conclusion)])
      expect(result.status).toBe('fail')
      expect(result.summary).toBe('smoke-tests did not succeed on c0ffee1')
    }
  )

  it.each(['neutral', 'skipped'])('fails on %s: not success, fail closed', conclusion => {
    const result = gate(['smoke-tests'], [run('smoke-tests', 'completed', conclusion)])
    expect(result.status).toBe('fail')
    expect(result.details).toEqual([`smoke-tests: ${conclusion} on c0ffee1, which is not success`])
  })

  it('fails a completed run without a conclusion, and says so', () => {
    const result = gate(['smoke-tests'], [run('smoke-tests', 'completed', null)])
    expect(result.status).toBe('fail')
    expect(result.details).toEqual(['smoke-tests: no conclusion on c0ffee1'])
  })

  it('spells statuses and conclusions with spaces in the details', () => {
    expect(gate(['a'], [run('a', 'completed', 'timed_out')]).details).toEqual([
      'a: timed out on c0ffee1'
    ])
    expect(gate(['a'], [run('a', 'in_progress')]).details).toEqual(['a: in progress on c0ffee1'])
    expect(gate(['a'], [run('a', 'completed', 'action_required_now')]).details).toEqual([
      'a: action required now on c0ffee1'
    ])
  })

  it('names the app only when several apps report the name', () => {
    const one: CheckRun = {
      id: 1,
      name: 'a',
      status: 'completed',
      conclusion: 'success',
      app: 'github-actions'
    }
    expect(gate(['a'], [one]).details).toEqual(['a: success on c0ffee1'])
    const pending: CheckRun[] = [one, { id: 2, name: 'a', status: 'queued', app: 'circleci' }]
    const result = gate(['a'], pending)
    expect(result.status).toBe('pending')
    expect(result.summary).toBe('waiting for a on c0ffee1')
    expect(result.details).toEqual([
      'a (github-actions): success on c0ffee1',
      'a (circleci): queued on c0ffee1'
    ])
  })

  it('says "has" for one required name, and lists each failing or waiting name once', () => {
    expect(gate(['a'], [run('a', 'completed', 'success')]).summary).toBe(
      'a has succeeded on c0ffee1'
    )
    const twoApps = (status: string, conclusion: string | null): CheckRun[] => [
      { id: 1, name: 'a', status, conclusion, app: 'x' },
      { id: 2, name: 'a', status, conclusion, app: 'y' }
    ]
    expect(gate(['a'], twoApps('completed', 'failure')).summary).toBe(
      'a did not succeed on c0ffee1'
    )
    expect(gate(['a'], twoApps('queued', null)).summary).toBe('waiting for a on c0ffee1')
    expect(
      gate(['a', 'b'], [run('a', 'completed', 'failure'), run('b', 'completed', 'failure')]).summary
    ).toBe('a and b did not succeed on c0ffee1')
  })

  it.each(['queued', 'in_progress', 'waiting', 'requested', 'pending'])(
    'is pending while %s',
    status => {
      const result = gate(['smoke-tests'], [run('smoke-tests', status)])
      expect(result.status).toBe('pending')
      expect(result.summary).toBe('waiting for smoke-tests on c0ffee1')
    }
  )

  it('is pending when the check has not reported yet, and hints at a wrong name', () => {
    const result = gate(['smoke-tests'], [run('smoke-test', 'completed', 'success')])
    expect(result.status).toBe('pending')
    expect(result.details).toEqual([
      'smoke-tests: no run on c0ffee1 yet (if none ever starts, check the name in the policy)'
    ])
  })

  it('matches names exactly', () => {
    expect(gate(['Smoke-Tests'], [run('smoke-tests', 'completed', 'success')]).status).toBe(
      'pending'
    )
  })

  it('takes the latest run of a name: a successful re-run replaces a failure', () => {
    const runs = [
      run('smoke-tests', 'completed', 'success', 20),
      run('smoke-tests', 'completed', 'failure', 10)
    ]
    expect(gate(['smoke-tests'], runs).status).toBe('pass')
    const rerunning = [
      run('smoke-tests', 'completed', 'success', 10),
      run('smoke-tests', 'in_progress', null, 20)
    ]
    expect(gate(['smoke-tests'], rerunning).status).toBe('pending')
  })

  it('between two runs of one app with the same id, takes the later in the list', () => {
    const failureLast = [
      run('smoke-tests', 'completed', 'success', 10),
      run('smoke-tests', 'completed', 'failure', 10)
    ]
    expect(gate(['smoke-tests'], failureLast).status).toBe('fail')
    const successLast = [
      run('smoke-tests', 'completed', 'failure', 10),
      run('smoke-tests', 'completed', 'success', 10)
    ]
    expect(gate(['smoke-tests'], successLast).status).toBe('pass')
  })

  it('without ids, takes the later in the list', () => {
    const failed: CheckRun = { name: 'smoke-tests', status: 'completed', conclusion: 'failure' }
    const passed: CheckRun = { name: 'smoke-tests', status: 'completed', conclusion: 'success' }
    expect(gate(['smoke-tests'], [failed, passed]).status).toBe('pass')
    expect(gate(['smoke-tests'], [passed, failed]).status).toBe('fail')
    // Mixed: a run without an id counts as older than any later run and newer than any earlier.
    const failed99: CheckRun = { ...failed, id: 99 }
    expect(gate(['smoke-tests'], [passed, failed99]).status).toBe('fail')
    expect(gate(['smoke-tests'], [failed99, passed]).status).toBe('pass')
  })

  it("does not let one app's success hide another app's failure under the same name", () => {
    const runs: CheckRun[] = [
      {
        id: 30,
        name: 'smoke-tests',
        status: 'completed',
        conclusion: 'success',
        app: 'github-actions'
      },
      { id: 10, name: 'smoke-tests', status: 'completed', conclusion: 'failure', app: 'circleci' }
    ]
    const result = gate(['smoke-tests'], runs)
    expect(result.status).toBe('fail')
    expect(result.details).toEqual([
      'smoke-tests (github-actions): success on c0ffee1',
      'smoke-tests (circleci): failure on c0ffee1'
    ])
  })

  it('fails over pending, pending over pass', () => {
    const result = gate(
      ['a', 'b', 'c'],
      [run('a', 'completed', 'success'), run('b', 'queued'), run('c', 'completed', 'timed_out')]
    )
    expect(result.status).toBe('fail')
    expect(result.summary).toBe('c did not succeed on c0ffee1')
    expect(gate(['a', 'b'], [run('a', 'completed', 'success'), run('b', 'queued')]).status).toBe(
      'pending'
    )
  })

  it('lists a name required twice once', () => {
    const result = gate(['a', 'a'], [run('a', 'completed', 'success')])
    expect(result.details).toEqual(['a: success on c0ffee1'])
  })
})
