// `history --since` reads a time as the table prints it (issue 12, item 3), through the bundled
// CLI (dist/cli/index.js) in a machine zone other than UTC: a zone-less date-time is UTC, as a
// bare date is; an explicit zone or offset is kept; anything else is exit 2 naming the value.
import { makeSandbox, type Clone, type Sandbox } from './helpers/git-sandbox.js'
import { bundledCli } from './helpers/cli-bundle.js'
import { commitModel, demoPolicy, writePolicy } from './helpers/model-checkout.js'

/** Machine zones west and east of UTC, where reading a UTC time as local moves it by hours. */
const ZONES = ['America/New_York', 'Asia/Tokyo']

interface Event {
  id: string
  at: string
}

describe('history --since (bundled CLI, machine zone not UTC)', () => {
  let sandbox: Sandbox
  let clone: Clone
  /** The newest event (the promotion), a second or more after the registration. */
  let newest: Event
  let all: Event[]

  const since = async (value: string, zone: string) => {
    const run = await bundledCli(clone.dir, ['history', 'demo', '--json', '--since', value], {
      TZ: zone
    })
    expect(run.stderr).toBe('')
    expect(run.exitCode).toBe(0)
    return (JSON.parse(run.stdout) as Event[]).map(event => event.id)
  }

  beforeAll(async () => {
    sandbox = await makeSandbox()
    clone = await sandbox.clone('work')
    await writePolicy(clone, demoPolicy())
    await commitModel(clone, '{"accuracy": 0.9}')
    expect(
      (await bundledCli(clone.dir, ['register', 'demo', '--version', 'v1.0.0'])).exitCode
    ).toBe(0)
    const promoted = await bundledCli(clone.dir, [
      'promote',
      'demo',
      '--to',
      'dev',
      '--version',
      'v1.0.0'
    ])
    expect(promoted.exitCode).toBe(0)
    const history = await bundledCli(clone.dir, ['history', 'demo', '--json'], { TZ: 'UTC' })
    all = JSON.parse(history.stdout) as Event[]
    expect(all).toHaveLength(2)
    newest = all[0] as Event
    // The registry writes one event per second per model, so the two are seconds apart.
    expect(Date.parse(newest.at)).toBeGreaterThan(Date.parse((all[1] as Event).at))
  })
  afterAll(() => sandbox.cleanup())

  it.each(ZONES)('a time pasted from the "When (UTC)" column is UTC (TZ=%s)', async zone => {
    // `2026-11-20 14:03:07`, as the history table prints it.
    const printed = newest.at.replace('T', ' ').slice(0, 19)
    expect(await since(printed, zone)).toEqual([newest.id])
    // `2026-11-20T14:03:07`: ISO 8601 without a zone.
    expect(await since(newest.at.slice(0, 19), zone)).toEqual([newest.id])
    // `2026-11-20 14:03 UTC`, as the reports print a time.
    const minute = `${newest.at.slice(0, 16).replace('T', ' ')} UTC`
    const inMinute = all.filter(e => e.at.slice(0, 16) >= newest.at.slice(0, 16)).map(e => e.id)
    expect(await since(minute, zone)).toEqual(inMinute)
  })

  it.each(ZONES)('a bare date is UTC midnight (TZ=%s)', async zone => {
    const day = newest.at.slice(0, 10)
    expect(await since(day, zone)).toEqual(all.map(e => e.id))
    const next = new Date(Date.parse(`${day}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10)
    expect(await since(next, zone)).toEqual([])
  })

  it.each(ZONES)('an explicit offset is kept (TZ=%s)', async zone => {
    // The newest event's instant written in Tokyo time, and in New York's winter offset.
    const at = Date.parse(newest.at)
    const local = (offsetHours: number) =>
      new Date(at + offsetHours * 3_600_000).toISOString().slice(0, 19)
    expect(await since(`${local(9)}+09:00`, zone)).toEqual([newest.id])
    expect(await since(`${local(-5)}-05:00`, zone)).toEqual([newest.id])
    expect(await since(newest.at, zone)).toEqual([newest.id])
  })

  it.each([
    'yesterday',
    '11/20/2026',
    '2026-02-30',
    '2026-11-20 25:00',
    '2026-11-20T14:03+99:00',
    '',
    ' '
  ])('an unparseable value (%s) is exit 2 naming --since and the value', async value => {
    const run = await bundledCli(clone.dir, ['history', 'demo', '--since', value], {
      TZ: 'America/New_York'
    })
    expect(run.exitCode).toBe(2)
    expect(run.stdout).toBe('')
    expect(run.stderr).toContain('--since')
    expect(run.stderr).toContain(`"${value}"`)
    expect(run.stderr).not.toMatch(/\n\s+at /)
  })
})
