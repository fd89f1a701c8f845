// @actions/core as libraries under test see it, with every log line dropped (progress,
// `::debug::`, `::add-mask::`, warnings): pass to jest.unstable_mockModule('@actions/core', ...).
const quiet = () => undefined

export function quietActionsCore() {
  return {
    debug: quiet,
    info: quiet,
    notice: quiet,
    warning: quiet,
    error: quiet,
    setSecret: quiet,
    isDebug: () => false
  }
}
