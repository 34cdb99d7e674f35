/**
 * The interactive shell on node:readline: zkCli's prompt with the connection state in it
 * (`[zk: host:port(CONNECTED) 3] `, SUSPENDED/LOST while the session is in doubt or gone), tab
 * completion of commands, flags and znode paths (read from the server), a history file kept between
 * runs, and Ctrl-C that cancels the running command (or clears the line) without leaving.
 * When stdin is not a terminal, lines are read and run one by one without a prompt, as zkCli does.
 */
import { readFileSync, writeFileSync } from 'node:fs'
import { homedir } from 'node:os'
import { join } from 'node:path'
import { type Interface, createInterface } from 'node:readline'
import type { Readable, Writable } from 'node:stream'
import { splitLine } from './args.js'
import { COMMANDS, type Runner } from './runner.js'

/** Streams and environment of the shell. */
export interface ShellIo {
  stdin: Readable & { isTTY?: boolean }
  stdout: Writable & { isTTY?: boolean }
  env: NodeJS.ProcessEnv
}

const HISTORY_SIZE = 1000

/** The history file: `ZKWIRE_HISTORY` (empty to keep none), else `~/.zkwire_history`. */
export function historyFile(env: NodeJS.ProcessEnv): string | null {
  const configured = env.ZKWIRE_HISTORY
  if (configured !== undefined) return configured === '' ? null : configured
  return join(homedir(), '.zkwire_history')
}

function loadHistory(file: string | null): string[] {
  if (file === null) return []
  try {
    // The file is oldest first; readline wants newest first.
    return readFileSync(file, 'utf8').split('\n').filter((l) => l.trim() !== '').slice(-HISTORY_SIZE).reverse()
  } catch {
    return []
  }
}

/** Completions for the word before the cursor: commands, the command's flags, or znode paths. */
export async function complete(runner: Runner, line: string): Promise<[string[], string]> {
  let words: string[]
  try {
    words = splitLine(line).words
  } catch {
    return [[], '']
  }
  const current = /\s$/.test(line) || line === '' ? '' : words.pop() ?? ''
  // A word completed to its only candidate gets the space that ends it, as in bash.
  const finish = (candidates: string[]): [string[], string] => [candidates.length === 1 ? [`${candidates[0]} `] : candidates, current]
  if (words.length === 0) return finish([...COMMANDS.keys()].filter((c) => c.startsWith(current)).sort())
  const command = COMMANDS.get(words[0]!)
  if (current.startsWith('-') && command !== undefined) {
    const flags = [...Object.keys(command.flags ?? {}).map((f) => `-${f}`), ...(command.json === true ? ['--json'] : [])]
    return finish(flags.filter((f) => f.startsWith(current)).sort())
  }
  if (!current.startsWith('/')) return [[], current]
  const zk = runner.session.current
  if (zk === null || !['connected', 'reconnected', 'readOnly'].includes(zk.state)) return [[], current]
  const slash = current.lastIndexOf('/')
  const parent = slash === 0 ? '/' : current.slice(0, slash)
  const prefix = current.slice(slash + 1)
  try {
    const { children } = await zk.getChildren(parent, { timeout: 2_000 })
    const base = parent === '/' ? '' : parent
    return [children.filter((c) => c.startsWith(prefix)).sort().map((c) => `${base}/${c}`), current]
  } catch {
    return [[], current]
  }
}

/** Runs the shell until Ctrl-D, `quit`, or the end of the input; resolves with the exit code of the last command. */
export async function runShell(runner: Runner, io: ShellIo): Promise<number> {
  const interactive = io.stdin.isTTY === true && io.stdout.isTTY === true
  if (!interactive) return runPiped(runner, io)
  const file = historyFile(io.env)
  const session = runner.session
  let busy: AbortController | null = null
  let leaving = false
  let lastCode = 0
  const prompt = (): string => `[zk: ${session.server}(${session.stateLabel}) ${runner.history.length}] `
  const rl: Interface = createInterface({
    input: io.stdin,
    output: io.stdout,
    terminal: true,
    history: loadHistory(file),
    historySize: HISTORY_SIZE,
    removeHistoryDuplicates: true,
    completer: (line: string, callback: (error: null, result: [string[], string]) => void) => {
      void complete(runner, line).then((result) => callback(null, result))
    },
  })
  rl.setPrompt(prompt())
  rl.on('history', (history: string[]) => {
    if (file === null) return
    try {
      writeFileSync(file, `${[...history].reverse().join('\n')}\n`, { mode: 0o600 })
    } catch {
      // A history file that cannot be written must not stop the shell.
    }
  })
  const redraw = (): void => {
    if (leaving) return
    rl.setPrompt(prompt())
    if (busy === null) rl.prompt(true)
  }
  session.notify = (text: string): void => {
    if (busy !== null) return void io.stdout.write(text)
    // Print above the prompt, then give the prompt and what was being typed back.
    io.stdout.write('\r\x1b[K')
    io.stdout.write(text.endsWith('\n') ? text : `${text}\n`)
    rl.prompt(true)
  }
  session.onState((label, change) => {
    if (change !== null && change.state !== 'connected' && change.state !== 'closed') session.notify(`[${label}: ${change.reason}]\n`)
    redraw()
  })
  io.stdout.write(`Connecting to ${session.server}\nWelcome to zkwire! Type help for the commands; Tab completes, Ctrl-C cancels, Ctrl-D leaves.\n`)
  try {
    session.connect()
  } catch (error) {
    // Unusable options (TLS material node:tls refuses): said now, and again by each command.
    io.stdout.write(`${(error as Error).name}: ${(error as Error).message}\n`)
  }

  const queue: string[] = []
  let running = false
  return new Promise<number>((resolve) => {
    const finish = async (): Promise<void> => {
      leaving = true
      // Ctrl-D in the middle of a command ends the command first.
      busy?.abort(new Error('the shell is closing'))
      rl.close()
      await session.close().catch(() => {})
      resolve(lastCode)
    }
    const drain = async (): Promise<void> => {
      if (running) return
      running = true
      while (queue.length > 0 && !runner.quitRequested) {
        const line = queue.shift()!
        busy = new AbortController()
        lastCode = await runner.runLine(line, busy.signal)
        busy = null
      }
      running = false
      if (runner.quitRequested) return void finish()
      redraw()
    }
    rl.on('line', (line) => {
      queue.push(line)
      void drain()
    })
    rl.on('SIGINT', () => {
      if (busy !== null) {
        io.stdout.write('^C\n')
        busy.abort(new Error('cancelled by Ctrl-C'))
        return
      }
      // At the prompt, Ctrl-C drops the line being typed, as in bash.
      io.stdout.write('^C\n')
      rl.write(null, { ctrl: true, name: 'e' })
      rl.write(null, { ctrl: true, name: 'u' })
      rl.prompt()
    })
    rl.on('close', () => {
      if (!leaving) {
        io.stdout.write('\n')
        void finish()
      }
    })
    rl.prompt()
  })
}

/** Lines from a pipe or file: run in order, no prompt; the exit code is the last command's. */
async function runPiped(runner: Runner, io: ShellIo): Promise<number> {
  const rl = createInterface({ input: io.stdin, terminal: false })
  const controller = new AbortController()
  let lastCode = 0
  runner.session.notify = (text) => void io.stdout.write(text)
  for await (const line of rl) {
    lastCode = await runner.runLine(line, controller.signal)
    if (runner.quitRequested) break
  }
  rl.close()
  await runner.session.close().catch(() => {})
  return lastCode
}
