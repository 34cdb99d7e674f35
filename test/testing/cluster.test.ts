import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { TestingCluster, type TestingServer, waitFor } from '../../src/testing/index.js'
import { isAlive } from './helpers/process.js'

describe('TestingCluster', () => {
  let cluster: TestingCluster
  beforeAll(async () => {
    cluster = await TestingCluster.start({ size: 3 })
  })
  afterAll(async () => {
    await cluster?.close()
  })

  it('starts 3 members on loopback: exactly one leader and two followers', async () => {
    expect(cluster.servers.map((s) => s.myid)).toEqual([1, 2, 3])
    expect(cluster.connectString).toBe(cluster.servers.map((s) => `127.0.0.1:${s.port}`).join(','))
    expect(new Set(cluster.servers.map((s) => s.port)).size).toBe(3)
    const modes = await cluster.modes()
    expect(modes.filter((m) => m === 'leader')).toHaveLength(1)
    expect(modes.filter((m) => m === 'follower')).toHaveLength(2)
    expect(await cluster.findLeader()).toBe(cluster.servers[modes.indexOf('leader')])
  })

  it('elects a new leader when the leader is killed, and takes the old one back as a follower', async () => {
    const old = await cluster.leader()
    const pid = old.pid as number
    await old.kill()
    expect(isAlive(pid)).toBe(false)
    const next = await cluster.leader({ timeoutMs: 20_000 })
    expect(next).not.toBe(old)
    expect(await cluster.waitForQuorum()).toBe(next)

    await old.restart()
    expect(await old.mode()).toBe('follower')
    const modes = await waitFor(async () => {
      const m = await cluster.modes()
      return m.every((x) => x !== null) ? m : null
    }, { timeoutMs: 20_000, description: 'all three serving' })
    expect(modes.filter((m) => m === 'leader')).toHaveLength(1)
  })

  it('keeps a quorum with one member paused, and the member rejoins on resume', async () => {
    const leader = await cluster.leader()
    const victim = cluster.servers.find((s) => s !== leader) as TestingServer
    await victim.pause()
    expect(await cluster.waitForQuorum()).toBe(leader)
    expect((await cluster.modes())[cluster.servers.indexOf(victim)]).toBeNull()
    await victim.resume()
    await waitFor(async () => (await victim.mode().catch(() => null)) === 'follower', {
      timeoutMs: 20_000,
      description: 'the resumed member to follow again',
    })
  })

  it('loses its quorum with two members stopped, and regains it when one is back', async () => {
    const [a, b] = cluster.servers as [TestingServer, TestingServer]
    await Promise.all([a.stop(), b.stop()])
    await waitFor(async () => (await cluster.modes()).every((m) => m === null), {
      timeoutMs: 20_000,
      description: 'the lone member to stop serving',
    })
    await a.restart()
    await cluster.waitForQuorum({ timeoutMs: 20_000 })
    await b.restart()
  })
})
