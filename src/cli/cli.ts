/**
 * `zkwire` as a function: parses the invocation, then runs the one command given (and exits) or
 * the interactive shell. The executable (main.ts) calls it with the process's streams; tests call
 * it in-process with their own.
 */
import type { Readable, Writable } from 'node:stream'
import { UsageError } from './args.js'
import { INVOCATION_USAGE, parseInvocation } from './invocation.js'
import { Runner } from './runner.js'
import { CliSession } from './session.js'
import { runShell } from './shell.js'

/** What {@link runCli} reads and writes. */
export interface CliIo {
  stdin: Readable & { isTTY?: boolean }
  stdout: Writable & { isTTY?: boolean }
  stderr: Writable
  env: NodeJS.ProcessEnv
  cwd: string
  /** Aborts a one-shot command (the executable wires it to SIGINT). */
  signal?: AbortSignal
}

/**
 * Runs `zkwire` with `argv` (the arguments after the executable's name); resolves with the exit
 * code: 0 done, 1 failed (the error on stderr), 2 bad invocation, 127 unknown command, 130 cancelled.
 */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  let invocation
  try {
    invocation = parseInvocation(argv, io.env)
  } catch (error) {
    if (!(error instanceof UsageError)) throw error
    io.stderr.write(`${error.message}\n${INVOCATION_USAGE}`)
    return 2
  }
  if (invocation.help) {
    io.stdout.write(INVOCATION_USAGE)
    return 0
  }
  const session = new CliSession(invocation, (text) => void io.stdout.write(text))
  const runner = new Runner(session, { stdout: (t) => void io.stdout.write(t), stderr: (t) => void io.stderr.write(t), cwd: io.cwd })
  if (invocation.version) return runner.runWords(['version'], new AbortController().signal)
  if (invocation.command === null) return runShell(runner, io)
  try {
    // A one-shot command (a `watch`, a long walk) is cancelled by the process's own Ctrl-C, wired to the signal.
    return await runner.runWords(invocation.command, io.signal ?? new AbortController().signal)
  } finally {
    await session.close().catch(() => {})
  }
}
