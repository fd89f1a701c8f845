// The package's version, inlined into both bundles at build time (ncc bundles JSON imports), so
// a release's lone modelgate.mjs still knows which release it is.
import packageJson from '../package.json' with { type: 'json' }

export const VERSION: string = packageJson.version
