/**
 * Helpers of the CLI suites: `zkwire` run in-process with captured output (the same code path as
 * the executable, without a process start per command), and the command lines that start the real
 * executable from the sources.
 */
import { Readable, Writable } from 'node:stream'
import { fileURLToPath } from 'node:url'
import { runCli } from '../../src/cli/cli.js'

/** The repository root. */
export const ROOT = fileURLToPath(new URL('../../', import.meta.url))

/** `node` arguments that run the executable from the TypeScript sources. */
export const MAIN = ['--import', 'tsx', fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url))]

/** Debian's zkCli. */
export const ZKCLI = '/usr/share/zookeeper/bin/zkCli.sh'

/** The outcome of one run. */
export interface CliResult {
  code: number
  stdout: string
  stderr: string
}

class Capture extends Writable {
  text = ''
  override _write(chunk: Buffer | string, _enc: BufferEncoding, done: () => void): void {
    this.text += chunk.toString()
    done()
  }
}

/** Runs `zkwire ...argv` in-process; `input` is fed on stdin (not a terminal). */
export async function zkwire(argv: readonly string[], options: { input?: string; signal?: AbortSignal; cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<CliResult> {
  const stdout = new Capture()
  const stderr = new Capture()
  const code = await runCli(argv, {
    stdin: Readable.from(options.input === undefined ? [] : [options.input]),
    stdout,
    stderr,
    env: options.env ?? { ZKWIRE_HISTORY: '' },
    cwd: options.cwd ?? process.cwd(),
    ...(options.signal === undefined ? {} : { signal: options.signal }),
  })
  return { code, stdout: stdout.text, stderr: stderr.text }
}

/** Runs one command against `server` and expects it to succeed; returns its stdout. */
export async function ok(server: string, ...command: string[]): Promise<string> {
  const r = await zkwire(['-server', server, '-timeout', '10000', ...command])
  if (r.code !== 0) throw new Error(`zkwire ${command.join(' ')} exited ${r.code}: ${r.stderr}`)
  return r.stdout
}

/** Runs one command against `server`; returns the whole result (for failures). */
export function run(server: string, ...command: string[]): Promise<CliResult> {
  return zkwire(['-server', server, '-timeout', '10000', ...command])
}

/** A `zkwire` run in progress (in-process), whose output can be awaited line by line. */
export interface LiveRun {
  /** Everything written to stdout so far. */
  readonly stdout: () => string
  /** Resolves once stdout matches `pattern` (rejects after `timeoutMs`). */
  until(pattern: RegExp, timeoutMs?: number): Promise<void>
  /** Cancels the command, as Ctrl-C does in the executable. */
  abort(): void
  /** The run's result. */
  done: Promise<CliResult>
}

/** Starts `zkwire ...argv` in-process without waiting for it. */
export function start(argv: readonly string[]): LiveRun {
  const controller = new AbortController()
  const stdout = new Capture()
  const stderr = new Capture()
  const waiters: (() => void)[] = []
  const write = stdout._write.bind(stdout)
  stdout._write = (chunk, enc, cb) => write(chunk, enc, () => {
    cb()
    for (const w of waiters.splice(0)) w()
  })
  const done = runCli(argv, { stdin: Readable.from([]), stdout, stderr, env: { ZKWIRE_HISTORY: '' }, cwd: process.cwd(), signal: controller.signal }).then((code) => ({ code, stdout: stdout.text, stderr: stderr.text }))
  return {
    stdout: () => stdout.text,
    until(pattern, timeoutMs = 10_000) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`stdout did not match ${pattern} within ${timeoutMs} ms; it is:\n${stdout.text}\nstderr:\n${stderr.text}`)), timeoutMs)
        const check = (): void => {
          if (pattern.test(stdout.text)) {
            clearTimeout(timer)
            resolve()
          } else waiters.push(check)
        }
        check()
      })
    },
    abort: () => controller.abort(new Error('interrupted')),
    done,
  }
}
