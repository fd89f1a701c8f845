// The action's entry point: nothing but the call, so importing main.ts starts no work.
// run() has its own error boundary and never rejects.
import { run } from './main.js'

void run()
