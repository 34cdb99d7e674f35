/**
 * The executable itself (src/cli/main.ts run by node): exit codes through the process, stderr, and
 * output into a pipe whose reader left.
 */
import { spawn } from 'node:child_process'
import { describe, expect, it } from 'vitest'
import { chrootClient } from '../support/zk.js'
import { MAIN } from './helpers.js'

function exec(args: string[], options: { closeStdout?: boolean } = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...MAIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ZKWIRE_HISTORY: '' } })
    let stdout = ''
    let stderr = ''
    if (options.closeStdout === true) child.stdout.destroy()
    else child.stdout.on('data', (c: Buffer) => (stdout += c.toString()))
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()))
    child.on('error', reject)
    child.on('close', (code) => resolve({ code, stdout, stderr }))
  })
}

describe('the zkwire executable', () => {
  it('exits 0 with the answer on stdout, 1 with the error on stderr', async () => {
    const { client, connectString } = await chrootClient()
    await client.create('/x', 'data')
    expect(await exec(['-server', connectString, 'get', '/x'])).toEqual({ code: 0, stdout: 'data\n', stderr: '' })
    expect(await exec(['-server', connectString, 'get', '/y'])).toMatchObject({ code: 1, stdout: '', stderr: expect.stringMatching(/^NoNodeError: \/y does not exist/) })
    expect(await exec(['-nope'])).toMatchObject({ code: 2, stderr: expect.stringContaining('unknown option -nope') })
  })

  it('ends quietly when the reader of its output has gone (| head)', async () => {
    const { client, connectString } = await chrootClient()
    await client.create('/x', 'data')
    // A watch would run until Ctrl-C; its first line meets the closed pipe and ends it.
    const r = await exec(['-server', connectString, 'watch', '/x'], { closeStdout: true })
    expect(r).toMatchObject({ code: 0, stderr: '' })
  })
})
