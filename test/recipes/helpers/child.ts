/**
 * Runs recipe-child.ts in its own Node process (through tsx) and reads what it reports, so a
 * test can kill a session's owner with SIGKILL, as a crash would.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { createInterface } from 'node:readline'
import { afterEach } from 'vitest'

const script = fileURLToPath(new URL('./recipe-child.ts', import.meta.url))

/** One line a child reported. */
export interface ChildEvent {
  event: string
  at: number
  [key: string]: unknown
}

/** A child process holding one session. */
export class Child {
  readonly events: ChildEvent[] = []
  private waiters: Array<{ match: (e: ChildEvent) => boolean; resolve: (e: ChildEvent) => void }> = []
  readonly exited: Promise<void>
  private stderr = ''

  constructor(readonly process: ChildProcess) {
    createInterface({ input: process.stdout! }).on('line', (line) => {
      let event: ChildEvent
      try {
        event = JSON.parse(line) as ChildEvent
      } catch {
        return
      }
      this.events.push(event)
      for (const w of [...this.waiters]) {
        if (w.match(event)) {
          this.waiters = this.waiters.filter((x) => x !== w)
          w.resolve(event)
        }
      }
    })
    process.stderr!.on('data', (chunk: Buffer) => (this.stderr += chunk.toString()))
    this.exited = new Promise((resolve) => process.once('exit', () => resolve()))
  }

  get pid(): number {
    return this.process.pid!
  }

  /** Resolves with the first reported event (past or future) that matches; bounded. */
  next(event: string, timeoutMs = 20_000, match: (e: ChildEvent) => boolean = () => true): Promise<ChildEvent> {
    const seen = this.events.find((e) => e.event === event && match(e))
    if (seen) return Promise.resolve(seen)
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`child ${this.pid} did not report ${event} within ${timeoutMs} ms; stderr: ${this.stderr.slice(-2000)}`)), timeoutMs)
      this.waiters.push({
        match: (e) => e.event === event && match(e),
        resolve: (e) => {
          clearTimeout(timer)
          resolve(e)
        },
      })
    })
  }

  /** SIGKILL: no close, no goodbye; its session lives on until the server expires it. */
  async kill9(): Promise<number> {
    const at = Date.now()
    this.process.kill('SIGKILL')
    await this.exited
    return at
  }
}

const running: Child[] = []

afterEach(async () => {
  await Promise.all(
    running.splice(0).map(async (c) => {
      if (c.process.exitCode === null && c.process.signalCode === null) c.process.kill('SIGKILL')
      await c.exited
    }),
  )
})

/** Starts a child with this configuration (see recipe-child.ts); killed after the test. */
export function startChild(config: Record<string, unknown>): Child {
  const proc = spawn(process.execPath, ['--import', 'tsx', script, JSON.stringify(config)], { stdio: ['pipe', 'pipe', 'pipe'] })
  const child = new Child(proc)
  running.push(child)
  return child
}
