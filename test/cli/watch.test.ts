/**
 * `watch`: a node's data or children followed live through one-shot watches re-armed after each
 * event, across a server restart, until -n events or Ctrl-C.
 */
import { spawn } from 'node:child_process'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createClient } from '../../src/index.js'
import { TestingServer } from '../../src/testing/index.js'
import { chrootClient } from '../support/zk.js'
import { MAIN, start } from './helpers.js'

describe('watch', () => {
  it('prints the data now and after every change, deletion and re-creation; -n stops after that many', async () => {
    const { client, connectString } = await chrootClient()
    await client.create('/w', 'a')
    const live = start(['-server', connectString, 'watch', '-n', '3', '/w'])
    await live.until(/Current \/w version=0: a\n/)
    await client.setData('/w', 'b')
    await live.until(/NodeDataChanged \/w version=1: b\n/)
    await client.delete('/w')
    await live.until(/NodeDeleted \/w \(does not exist\)\n/)
    await client.create('/w', 'c')
    const r = await live.done
    expect(r.code).toBe(0)
    expect(r.stdout).toBe('Current /w version=0: a\nNodeDataChanged /w version=1: b\nNodeDeleted /w (does not exist)\nNodeCreated /w version=0: c\n')
  })

  it('-c follows the children; --json prints one parseable object a line', async () => {
    const { client, connectString } = await chrootClient()
    await client.create('/p')
    const live = start(['-server', connectString, 'watch', '-c', '--json', '-n', '2', '/p'])
    await live.until(/"event":"Current"/)
    await client.create('/p/x')
    await live.until(/NodeChildrenChanged/)
    await client.create('/p/y')
    const r = await live.done
    const events = r.stdout.trim().split('\n').map((l) => JSON.parse(l))
    expect(events.map((e) => [e.event, e.children])).toEqual([
      ['Current', []],
      ['NodeChildrenChanged', ['x']],
      ['NodeChildrenChanged', ['x', 'y']],
    ])
  })

  it('Ctrl-C ends it with exit code 130 and leaves nothing running', async () => {
    const { client, connectString } = await chrootClient()
    await client.create('/w', 'a')
    const live = start(['-server', connectString, 'watch', '/w'])
    await live.until(/Current/)
    live.abort()
    expect(await live.done).toMatchObject({ code: 130, stderr: 'watch: cancelled\n' })
  })

  it('the executable stops a one-shot watch on SIGINT (Ctrl-C) with exit code 130', async () => {
    const { client, connectString } = await chrootClient()
    await client.create('/w', 'a')
    const child = spawn(process.execPath, [...MAIN, '-server', connectString, 'watch', '/w'], { stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    let err = ''
    child.stderr.on('data', (c: Buffer) => (err += c.toString()))
    await new Promise<void>((resolve, reject) => {
      child.on('error', reject)
      child.stdout.on('data', (c: Buffer) => {
        out += c.toString()
        if (out.includes('Current /w')) resolve()
      })
    })
    child.kill('SIGINT')
    const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)))
    expect(code).toBe(130)
    expect(err).toBe('watch: cancelled\n')
  })

  describe('across a server restart', () => {
    let server: TestingServer
    beforeAll(async () => {
      server = await TestingServer.start({ tickTime: 200 })
    })
    afterAll(async () => {
      await server?.close()
    })

    it('keeps following after the connection comes back', async () => {
      const writer = createClient(server.connectString)
      try {
        await writer.connected({ timeout: 20_000 })
        await writer.create('/w', 'before')
        const live = start(['-server', server.connectString, '-timeout', '20000', 'watch', '-n', '1', '/w'])
        await live.until(/Current \/w version=0: before\n/)
        await server.stop()
        await server.restart()
        await writer.connected({ timeout: 20_000 })
        await writer.setData('/w', 'after')
        const r = await live.done
        expect(r.stdout).toMatch(/^Current \/w version=0: before\n-- connection suspended: .*\n-- connection reconnected: .*\nNodeDataChanged \/w version=1: after\n$/)
      } finally {
        await writer.close()
      }
    })

    it('re-arms on a new session after the old one is lost, printing what changed meanwhile', async () => {
      const live = start(['-server', server.connectString, '-timeout', '1500', 'watch', '-n', '1', '/w2'])
      await live.until(/Current \/w2 \(does not exist\)\n/)
      await server.stop()
      await live.until(/-- connection lost: /)
      await server.restart()
      const writer = createClient(server.connectString)
      try {
        await writer.connected({ timeout: 20_000 })
        await writer.create('/w2', 'new')
        const r = await live.done
        // Re-read on the new session either before the create (then the create fires) or after it.
        expect(r.stdout).toMatch(/-- connection reconnected: .*\n(NodeCreated|Resync) \/w2 version=0: new\n$/)
      } finally {
        await writer.close()
      }
    })
  })
})
