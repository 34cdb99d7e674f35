/**
 * A pseudo-terminal for the shell tests: the executable runs in a tmux pane on a private tmux
 * server, keys go in with send-keys, and the screen comes back with capture-pane.
 */
import { execFileSync } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { waitFor } from '../../src/testing/index.js'
import { MAIN, ROOT } from './helpers.js'

/** One terminal running `zkwire`. */
export class Terminal {
  private readonly socket = `zkwire-test-${randomUUID().slice(0, 8)}`
  private closed = false

  private constructor() {}

  /** Starts `zkwire ...args` in an 160x40 terminal; when it exits, the pane shows `[exit N]`. */
  static open(args: readonly string[], env: Record<string, string>): Terminal {
    const t = new Terminal()
    const quote = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`
    const assignments = Object.entries(env).map(([k, v]) => `${k}=${quote(v)}`).join(' ')
    const command = `cd ${quote(ROOT)} && env TERM=xterm ${assignments} ${quote(process.execPath)} ${[...MAIN, ...args].map(quote).join(' ')}; echo "[exit $?]"; sleep 600`
    t.tmux('new-session', '-d', '-x', '160', '-y', '40', command)
    return t
  }

  private tmux(...args: string[]): string {
    return execFileSync('tmux', ['-L', this.socket, '-f', '/dev/null', ...args], { encoding: 'utf8' })
  }

  /** Sends keys (tmux names: `Enter`, `Tab`, `C-c`, `Up`, ... ; other words are typed literally). */
  keys(...keys: string[]): void {
    this.tmux('send-keys', ...keys)
  }

  /** Types text literally. */
  type(text: string): void {
    this.tmux('send-keys', '-l', text)
  }

  /** The visible screen, trailing blank lines dropped. */
  screen(): string {
    return this.tmux('capture-pane', '-p', '-J').replace(/\n+$/, '\n')
  }

  /** Waits until the screen matches `pattern` (bounded); returns the screen. */
  async until(pattern: RegExp, timeoutMs = 15_000): Promise<string> {
    let last = ''
    try {
      return await waitFor(
        () => {
          last = this.screen()
          return pattern.test(last) ? last : null
        },
        { timeoutMs, intervalMs: 50, description: `the terminal to show ${pattern}` },
      )
    } catch (error) {
      throw new Error(`${(error as Error).message}\n--- screen ---\n${last}`)
    }
  }

  /** Ends the terminal and the tmux server. */
  close(): void {
    if (this.closed) return
    this.closed = true
    try {
      this.tmux('kill-server')
    } catch {
      // Already gone.
    }
  }
}
