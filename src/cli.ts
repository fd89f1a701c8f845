#!/usr/bin/env node
// The `modelgate` command. All work is in runCli, which never rejects, so tests can call it directly.
import { runCli } from './cli/run.js'

void runCli(process.argv.slice(2), {
  stdout: text => process.stdout.write(text),
  stderr: text => process.stderr.write(text),
  stdoutIsTTY: process.stdout.isTTY === true
}).then(exitCode => {
  process.exitCode = exitCode
})
