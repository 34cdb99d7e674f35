import { spawn } from 'node:child_process'
import { existsSync, rmSync } from 'node:fs'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { waitFor } from '../../src/testing/index.js'
import { isAlive } from './helpers/process.js'

const CHILD = fileURLToPath(new URL('./helpers/server-child.ts', import.meta.url))

/** Starts a Node process that starts a TestingServer; resolves with both pids once it serves. */
async function startChild(): Promise<{ node: ReturnType<typeof spawn>; jvmPid: number; dir: string }> {
  const node = spawn(process.execPath, ['--import', 'tsx', CHILD], { stdio: ['pipe', 'pipe', 'inherit'] })
  const lines = createInterface({ input: node.stdout! })
  const first = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the child did not report a server within 20 s')), 20_000)
    lines.once('line', (line) => {
      clearTimeout(timer)
      resolve(line)
    })
    node.once('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`the child exited with code ${code} before reporting a server`))
    })
  })
  const { pid, dir } = JSON.parse(first) as { pid: number; dir: string }
  expect(isAlive(pid)).toBe(true)
  return { node, jvmPid: pid, dir }
}

/** Resolves once the child process has exited (its exit hooks have run), within 10 s. */
async function exited(node: ReturnType<typeof spawn>): Promise<void> {
  await waitFor(() => node.exitCode !== null || node.signalCode !== null, { timeoutMs: 10_000, description: 'the Node child to exit' })
}

async function expectGone(pid: number): Promise<void> {
  await waitFor(() => !isAlive(pid), { timeoutMs: 10_000, description: `JVM ${pid} to be gone` })
}

describe('no JVM outlives the Node process that started it', () => {
  it.each([
    ['exits without closing the server', 'exit'],
    ['is killed with SIGTERM', 'SIGTERM'],
    ['is killed with SIGKILL (no exit hooks run)', 'SIGKILL'],
  ] as const)('when Node %s', async (_, how) => {
    const { node, jvmPid, dir } = await startChild()
    try {
      if (how === 'exit') node.stdin?.write('exit\n')
      else node.kill(how)
      await expectGone(jvmPid)
      // Exit hooks also remove the temporary directory, after killing the JVM, so the directory is
      // checked once the Node process has really exited; after a SIGKILL nothing in Node can.
      if (how !== 'SIGKILL') {
        await exited(node)
        expect(existsSync(dir)).toBe(false)
      }
    } finally {
      node.kill('SIGKILL')
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
