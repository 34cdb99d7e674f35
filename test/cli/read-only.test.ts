/**
 * `-r` (zkCli's read-only flag) against a real 3-node ensemble with `readonlymode.enabled=true`:
 * with two members down, the survivor serves reads to `zkwire -r` (writes fail), and the shell's
 * prompt names the state CONNECTEDREADONLY; without `-r` the survivor refuses the session.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createClient } from '../../src/index.js'
import { TestingCluster, type TestingServer, waitFor } from '../../src/testing/index.js'
import { zkwire } from './helpers.js'
import { Terminal } from './tmux.js'

let cluster: TestingCluster
let survivor: TestingServer

beforeAll(async () => {
  cluster = await TestingCluster.start({ size: 3, tickTime: 200, maxSessionTimeout: 10_000, readOnlyMode: true, config: { localSessionsEnabled: true } })
  const setup = createClient(cluster.connectString, { sessionTimeout: 4_000 })
  try {
    await setup.connected({ timeout: 20_000 })
    await setup.create('/ro', 'before the partition')
    // Every member has the node before two of them go.
    for (const s of cluster.servers) {
      const c = createClient(s.connectString, { sessionTimeout: 4_000 })
      await c.connected({ timeout: 20_000 })
      await c.sync('/ro')
      await c.close()
    }
  } finally {
    await setup.close()
  }
  const [first, a, b] = cluster.servers as [TestingServer, TestingServer, TestingServer]
  survivor = first
  await Promise.all([a.stop(), b.stop()])
  await waitFor(async () => (await survivor.mode({ timeoutMs: 1_000 })) === 'read-only', { timeoutMs: 20_000, intervalMs: 100, description: 'the survivor in read-only mode' })
}, 120_000)

afterAll(async () => {
  await cluster?.close()
})

describe('-r', () => {
  it('reads from a read-only member; writes fail with NotReadOnlyError; without -r no session', async () => {
    const server = ['-server', survivor.connectString, '-timeout', '4000']
    expect(await zkwire([...server, '-r', 'get', '/ro'])).toMatchObject({ code: 0, stdout: 'before the partition\n' })
    expect(await zkwire([...server, '-r', 'set', '/ro', 'x'])).toMatchObject({ code: 1, stderr: expect.stringMatching(/^NotReadOnlyError/) })
    expect(await zkwire(['-server', survivor.connectString, '-timeout', '1000', 'get', '/ro'])).toMatchObject({ code: 1, stderr: expect.stringContaining('could not connect') })
  })

  it('the shell prompt says CONNECTEDREADONLY', async () => {
    const t = Terminal.open(['-server', survivor.connectString, '-r'], { ZKWIRE_HISTORY: '' })
    try {
      await t.until(/\(CONNECTEDREADONLY\) 0\] $/m)
    } finally {
      t.close()
    }
  })
})
