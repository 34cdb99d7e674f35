#!/usr/bin/env node
/**
 * The `zkwire` executable: zkCli's invocation, a one-shot command or the interactive shell.
 */
import { runCli } from './cli.js'

// Output piped into `head` and the like: a reader that left is not an error of the command.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(0)
  throw error
})

const controller = new AbortController()
// In one-shot mode Ctrl-C cancels the command (a `watch`, a long walk); the shell handles its own.
process.on('SIGINT', () => controller.abort(new Error('interrupted')))
const code = await runCli(process.argv.slice(2), {
  stdin: process.stdin,
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  cwd: process.cwd(),
  signal: controller.signal,
})
// Exit once what was written is flushed; nothing else (sockets, timers) may keep the process alive.
process.stdout.write('', () => process.exit(code))
