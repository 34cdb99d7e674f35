/**
 * What a shell command is: its name, zkCli's usage text, its flags, and the function that runs it
 * with the shell's context (the connection, output, and a signal that Ctrl-C aborts).
 */
import { type FlagSpec, type ParsedArgs, UsageError } from './args.js'
import type { CliSession } from './session.js'

/** What a running command can use. */
export interface CommandContext {
  /** The connection. */
  session: CliSession
  /** Writes to the command's output (stdout, or the `> file` of the line). */
  out(text: string): void
  /** Writes to stderr. */
  err(text: string): void
  /** Aborted by Ctrl-C in the shell. */
  signal: AbortSignal
  /** Whether JSON output was asked for (`--json` on the command or at invocation). */
  json: boolean
  /** The directory relative file names are resolved against. */
  cwd: string
  /** The numbered lines of this shell (zkCli's `history`), and a way to run one again (`redo`). */
  history: readonly string[]
  /** Runs a line as if typed (for `redo`); resolves with its exit code. */
  runLine(line: string): Promise<number>
  /** Ends the shell once the command returns (`quit`). */
  quit(): void
  /** Runs `check` once the command has printed its output; it may throw to fail the command. */
  after(check: () => void): void
}

/** One command of the shell. */
export interface Command {
  /** The word that runs it. */
  name: string
  /** Arguments as zkCli prints them in its usage, e.g. `[-s] [-w] path`. */
  usage: string
  /** One line for `help`. */
  summary: string
  /** Its flags (besides `--json`). */
  flags?: FlagSpec
  /** Whether it accepts `--json`. */
  json?: boolean
  /** Fewest positional arguments; fewer prints the usage (exit code 1). */
  minArgs?: number
  /** Most positional arguments (default: any). */
  maxArgs?: number
  /** Which positional arguments are znode paths (for completion); default: none. */
  pathArgs?: readonly number[]
  /** Runs the command. */
  run(ctx: CommandContext, args: ParsedArgs): Promise<void>
}

/** The usage line of a command, as zkCli prints it. */
export function usageOf(command: Command): string {
  return `${command.name} ${command.usage}`.trimEnd()
}

/** Checks the number of positional arguments; UsageError with the command's usage otherwise. */
export function checkArity(command: Command, args: ParsedArgs): void {
  const n = args.positional.length
  if (n < (command.minArgs ?? 0) || (command.maxArgs !== undefined && n > command.maxArgs)) throw new UsageError(usageOf(command))
}

/** The n-th positional argument (checked present by {@link checkArity}). */
export function arg(args: ParsedArgs, n: number): string {
  return args.positional[n]!
}
