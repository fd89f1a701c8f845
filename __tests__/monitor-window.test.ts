import { watchWindow } from '../src/monitor/window.js'

const HOUR = 3600_000
const T = Date.UTC(2026, 0, 5)

describe('watchWindow', () => {
  it('watches from the promotion to the evaluation time, with a baseline as long before it', () => {
    expect(watchWindow(T, T + 5 * HOUR, 24 * HOUR)).toEqual({
      watched: { start: T, end: T + 5 * HOUR },
      baseline: { start: T - 1 - 5 * HOUR, end: T - 1 },
      ended: false
    })
  })

  it('stops at the end of the watch, and says the watch ended', () => {
    expect(watchWindow(T, T + 30 * HOUR, 24 * HOUR)).toEqual({
      watched: { start: T, end: T + 24 * HOUR },
      baseline: { start: T - 1 - 24 * HOUR, end: T - 1 },
      ended: true
    })
    expect(watchWindow(T, T + 24 * HOUR, 24 * HOUR)?.ended).toBe(true)
    expect(watchWindow(T, T + 24 * HOUR - 1, 24 * HOUR)?.ended).toBe(false)
  })

  it('has an empty window at the promotion itself, and none before it', () => {
    expect(watchWindow(T, T, HOUR)).toEqual({
      watched: { start: T, end: T },
      baseline: { start: T - 1, end: T - 1 },
      ended: false
    })
    expect(watchWindow(T, T - 1, HOUR)).toBeUndefined()
  })
})
