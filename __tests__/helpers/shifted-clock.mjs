// Preloaded into the bundled CLI (NODE_OPTIONS=--import) by tests that need it to live at
// another time: its clock starts at SHIFTED_CLOCK_START_MS and runs at the real pace, so the
// registry's tags, audit records and `monitor`'s "now" all agree with test data that is dated
// in the past (a real Prometheus loaded with fixed-date series). The CLI itself is unchanged.
const start = Number(process.env.SHIFTED_CLOCK_START_MS)
if (Number.isFinite(start)) {
  const RealDate = Date
  const offset = start - RealDate.now()
  class ShiftedDate extends RealDate {
    constructor(...args) {
      if (args.length === 0) super(RealDate.now() + offset)
      else super(...args)
    }
    static now() {
      return RealDate.now() + offset
    }
  }
  globalThis.Date = ShiftedDate
}
