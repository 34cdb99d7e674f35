/** Starts lock-child.ts processes (see there), each killed after the test. */
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { afterEach } from 'vitest'
import { Child } from './child.js'

const script = fileURLToPath(new URL('./lock-child.ts', import.meta.url))
const running: Child[] = []

afterEach(async () => {
  await Promise.all(
    running.splice(0).map(async (c) => {
      if (c.process.exitCode === null && c.process.signalCode === null) {
        c.process.kill('SIGCONT')
        c.process.kill('SIGKILL')
      }
      await c.exited
    }),
  )
})

/** Starts a lock child with this configuration. */
export function startLockChild(config: Record<string, unknown>): Child {
  const child = new Child(spawn(process.execPath, ['--import', 'tsx', script, JSON.stringify(config)], { stdio: ['pipe', 'pipe', 'pipe'] }))
  running.push(child)
  return child
}

/** Sends one command line to a child. */
export function tell(child: Child, command: string): void {
  child.process.stdin!.write(`${command}\n`)
}
