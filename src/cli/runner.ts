/**
 * The command table and the runner: a line (or a one-shot command) to a command, its flags parsed,
 * its output sent to stdout or its `> file`, its failure printed on stderr with an exit code
 * (0 done, 1 failed, 127 no such command, 130 cancelled by Ctrl-C).
 */
import { setMaxListeners } from 'node:events'
import { closeSync, openSync, writeSync } from 'node:fs'
import { resolve } from 'node:path'
import { InvalidArgumentError, ZooKeeperError } from '../index.js'
import { UsageError, parseFlags, splitLine } from './args.js'
import { type Command, type CommandContext, checkArity, usageOf } from './command.js'
import { aclCommands } from './commands-acl.js'
import { adminCommands } from './commands-admin.js'
import { dumpCommands } from './commands-dump.js'
import { nodeCommands } from './commands-nodes.js'
import { quotaCommands } from './commands-quota.js'
import { RedoFailed, helpCommand, sessionCommands } from './commands-session.js'
import { viewCommands } from './commands-views.js'
import { watchCommands } from './commands-watch.js'
import { CliError, type CliSession } from './session.js'

/** Every command of the shell, by name. */
export const COMMANDS: ReadonlyMap<string, Command> = (() => {
  const list: Command[] = [...nodeCommands, ...aclCommands, ...quotaCommands, ...watchCommands, ...adminCommands, ...viewCommands, ...dumpCommands, ...sessionCommands]
  list.push(helpCommand(() => list))
  return new Map(list.map((c) => [c.name, c]))
})()

/** Where a runner writes. */
export interface RunnerOutput {
  stdout(text: string): void
  stderr(text: string): void
  cwd: string
}

/** Runs commands against one {@link CliSession}, keeping zkCli's numbered history. */
export class Runner {
  /** Lines run so far, numbered from 0 as zkCli's `history` shows them. */
  readonly history: string[] = []
  /** Set by `quit`/`exit`. */
  quitRequested = false

  constructor(
    readonly session: CliSession,
    readonly output: RunnerOutput,
  ) {}

  /** Runs one line typed in the shell (recorded in the history); resolves with its exit code. */
  async runLine(line: string, signal: AbortSignal): Promise<number> {
    if (line.trim() === '') return 0
    this.history.push(line)
    return this.execute(line, signal)
  }

  private async execute(line: string, signal: AbortSignal): Promise<number> {
    let parsed
    try {
      parsed = splitLine(line)
    } catch (error) {
      return this.report(error)
    }
    if (parsed.words.length === 0) return 0
    return this.runWords(parsed.words, signal, parsed.redirect)
  }

  /** Runs a command given as words (one-shot mode, or a parsed line). */
  async runWords(words: readonly string[], signal: AbortSignal, redirect?: { file: string; append: boolean }): Promise<number> {
    const [name, ...rest] = words
    const command = COMMANDS.get(name!)
    if (command === undefined) {
      this.output.stderr(`Command not found: ${name} (type help for the list of commands)\n`)
      return 127
    }
    let fd: number | null = null
    // Walks put many reads in flight, each listening to the one cancel signal.
    setMaxListeners(0, signal)
    try {
      const args = parseFlags(rest, command.flags ?? {}, command.json === true)
      checkArity(command, args)
      if (redirect !== undefined) fd = openSync(resolve(this.output.cwd, redirect.file), redirect.append ? 'a' : 'w')
      const checks: (() => void)[] = []
      const out = fd === null ? (text: string) => this.output.stdout(text) : (text: string) => void writeSync(fd!, text)
      const ctx: CommandContext = {
        session: this.session,
        out,
        err: (text) => this.output.stderr(text),
        signal,
        json: args.json || this.session.invocation.json,
        cwd: this.output.cwd,
        history: this.history,
        runLine: (l) => {
          this.history[this.history.length - 1] = l
          return this.execute(l, signal)
        },
        quit: () => {
          this.quitRequested = true
        },
        after: (check) => void checks.push(check),
      }
      await command.run(ctx, args)
      for (const check of checks) check()
      // A command that ends on Ctrl-C (watch) was cancelled all the same.
      if (signal.aborted) throw signal.reason
      return 0
    } catch (error) {
      if (error instanceof RedoFailed) return error.exitCode
      if (signal.aborted) {
        this.output.stderr(`${name}: cancelled\n`)
        return 130
      }
      return this.report(error, command)
    } finally {
      if (fd !== null) closeSync(fd)
    }
  }

  /** Prints a failure on stderr; returns its exit code. */
  private report(error: unknown, command?: Command): number {
    if (error instanceof UsageError) {
      this.output.stderr(error.withUsage && command !== undefined ? `${error.message}\nusage: ${usageOf(command)}\n` : `${error.message}\n`)
      return 1
    }
    if (error instanceof CliError) {
      this.output.stderr(`${error.message}\n`)
      return error.exitCode
    }
    if (error instanceof ZooKeeperError || error instanceof InvalidArgumentError) {
      this.output.stderr(`${error.name}: ${error.message}\n`)
      return 1
    }
    const e = error as NodeJS.ErrnoException
    this.output.stderr(`${e?.name ?? 'Error'}: ${e?.message ?? String(error)}\n`)
    return 1
  }
}
