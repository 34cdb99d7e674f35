/**
 * The shell's own commands: help, history, redo, connect, close, quit/exit.
 */
import { UsageError } from './args.js'
import { type Command, usageOf } from './command.js'

/** Builds `help`, which lists `all` (itself included). */
export function helpCommand(all: () => readonly Command[]): Command {
  return {
    name: 'help',
    usage: '[command]',
    summary: 'list the commands, or show one',
    maxArgs: 1,
    async run(ctx, args) {
      const commands = [...all()].sort((a, b) => a.name.localeCompare(b.name))
      const name = args.positional[0]
      if (name !== undefined) {
        const c = commands.find((x) => x.name === name)
        if (c === undefined) throw new UsageError(`no command ${name}; type help for the list`)
        ctx.out(`${usageOf(c)}\n  ${c.summary}${c.json === true ? '\n  --json: output as JSON' : ''}\n`)
        return
      }
      ctx.out(`zkwire -server host:port[,host:port][/chroot] [-timeout ms] [-r] [cmd args]\n${commands.map((c) => `\t${usageOf(c)}\n`).join('')}`)
    },
  }
}

const history: Command = {
  name: 'history',
  usage: '',
  summary: 'list the last commands of this shell, numbered for redo',
  maxArgs: 0,
  async run(ctx) {
    const n = ctx.history.length - 1
    // zkCli shows the last ten before the current line, and the current line.
    for (let i = Math.max(0, n - 10); i <= n; i++) ctx.out(`${i} - ${ctx.history[i]}\n`)
  },
}

const redo: Command = {
  name: 'redo',
  usage: 'cmdno',
  summary: 'run a numbered command of history again',
  minArgs: 1,
  maxArgs: 1,
  async run(ctx, args) {
    const n = Number(args.positional[0])
    const current = ctx.history.length - 1
    if (!Number.isInteger(n) || n < 0 || n >= current) throw new UsageError('Command index out of range')
    const line = ctx.history[n]!
    if (/^\s*redo(\s|$)/.test(line)) throw new UsageError('No redoing redos')
    const code = await ctx.runLine(line)
    if (code !== 0) throw new RedoFailed(code)
  },
}

/** The redone line failed (its error is printed already): carries its exit code. */
export class RedoFailed extends Error {
  constructor(readonly exitCode: number) {
    super(`redo failed with exit code ${exitCode}`)
    this.name = 'RedoFailed'
  }
}

const connect: Command = {
  name: 'connect',
  usage: 'host:port',
  summary: 'close the session and connect to another ensemble (default: the same one again)',
  maxArgs: 1,
  async run(ctx, args) {
    ctx.session.connect(args.positional[0] ?? ctx.session.server)
    await ctx.session.zk(ctx.signal)
  },
}

const close: Command = {
  name: 'close',
  usage: '',
  summary: 'close the session (its ephemeral nodes go); connect opens a new one',
  maxArgs: 0,
  async run(ctx) {
    await ctx.session.close()
  },
}

function quitCommand(name: string): Command {
  return {
    name,
    usage: '',
    summary: 'close the session and leave the shell',
    maxArgs: 0,
    async run(ctx) {
      ctx.quit()
    },
  }
}

/** The shell commands (help is built with the whole table). */
export const sessionCommands: readonly Command[] = [history, redo, connect, close, quitCommand('quit'), quitCommand('exit')]
