import { describe, expect, test } from 'vitest'
import { AcquireTimeoutError, Barrier, DoubleBarrier, InvalidArgumentError, type ZooKeeperClient } from '../../src/index.js'
import { startLockChild } from './helpers/lock-children.js'
import { nextState, proxiedClient } from './helpers/session.js'
import { chrootClient, connect } from '../support/zk.js'

const SESSION_TIMEOUT = 2_000

/** Several round trips on `client`: whatever a member of this client had in flight before is answered. */
async function settle(client: ZooKeeperClient): Promise<void> {
  for (let i = 0; i < 4; i++) await client.sync('/')
}

/** Resolves once `path` has exactly `count` children (watching, not polling). */
async function childCount(client: ZooKeeperClient, path: string, count: number): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const changed = new Promise<void>((resolve) => {
      void client
        .getChildren(path, { watcher: () => resolve() })
        .then(({ children }) => {
          if (children.length === count) resolve()
        })
        .catch(() => resolve())
    })
    await changed
    if ((await client.getChildren(path).catch(() => ({ children: [] }))).children.length === count) return
  }
  throw new Error(`${path} never had ${count} children`)
}

describe('Barrier', () => {
  test('waiters pass when it is removed, not on other events; wait on a missing barrier returns at once', async () => {
    const { client, connectString } = await chrootClient()
    const barrier = new Barrier(client, '/gate/b')
    await barrier.wait({ timeout: 1_000 })
    await barrier.set()
    await barrier.set() // idempotent
    expect((await client.getData('/gate/b')).data.toString()).toMatch(/^\d+\.\d+\.\d+\.\d+$/)
    const other = await connect(connectString)
    let passed = false
    const waiting = new Barrier(other, '/gate/b').wait({ timeout: 10_000 }).then(() => (passed = true))
    await settle(other)
    await client.setData('/gate/b', 'changed') // a watch event, but the barrier is still up
    await settle(other)
    expect(passed).toBe(false)
    await expect(new Barrier(other, '/gate/b').wait({ timeout: 100 })).rejects.toBeInstanceOf(AcquireTimeoutError)
    await barrier.remove()
    await waiting
    await barrier.remove() // idempotent
    expect(() => new Barrier(client, 'gate')).toThrow(InvalidArgumentError)
    await expect(barrier.wait({ signal: 'x' } as never)).rejects.toThrow(InvalidArgumentError)
  })
})

describe('DoubleBarrier', () => {
  test('nobody enters before the count, all enter together, all leave together; a reconnect lets nobody through', async () => {
    const { client, chroot, connectString } = await chrootClient()
    const { client: flaky, proxy } = await proxiedClient(chroot)
    const entered: string[] = []
    const a = new DoubleBarrier(flaky, '/dbar', 3)
    const b = new DoubleBarrier(await connect(connectString), '/dbar', 3)
    const enterA = a.enter({ timeout: 20_000 }).then(() => entered.push('a'))
    const enterB = b.enter({ timeout: 20_000 }).then(() => entered.push('b'))
    await childCount(client, '/dbar', 2)
    // Spurious wake-ups: a reconnect and a foreign node's comings and goings.
    const back = nextState(flaky, (c) => c.state === 'reconnected')
    proxy.cut()
    await back
    await settle(flaky)
    expect(entered).toEqual([])
    const c = new DoubleBarrier(client, '/dbar', 3)
    await c.enter({ timeout: 20_000 })
    await Promise.all([enterA, enterB])
    expect(entered.sort()).toEqual(['a', 'b'])
    expect(await client.exists('/dbar/ready')).not.toBeNull()
    // Curator's layout: a plain UUID per member (ephemeral), and `ready`.
    const members = (await client.getChildren('/dbar')).children.filter((n) => n !== 'ready')
    for (const m of members) expect(m).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/)
    expect((await client.exists(c.memberPath))!.ephemeralOwner).toBe(client.sessionId)
    let left = 0
    const leaveA = a.leave({ timeout: 20_000 }).then(() => left++)
    const leaveB = b.leave({ timeout: 20_000 }).then(() => left++)
    await settle(client)
    expect(left).toBe(0)
    await c.leave({ timeout: 20_000 })
    await Promise.all([leaveA, leaveB])
    expect((await client.getChildren('/dbar').catch(() => ({ children: [] }))).children).toEqual([])
  })

  test('a member killed before the count is reached does not count once its session ends', async () => {
    const { client, connectString } = await chrootClient()
    const doomed = startLockChild({ connect: connectString, sessionTimeout: SESSION_TIMEOUT, id: 'doomed', mode: 'double-barrier', path: '/dbar', memberCount: 3 })
    await doomed.next('connected', 30_000)
    await childCount(client, '/dbar', 1)
    await doomed.kill9()
    await childCount(client, '/dbar', 0)
    const entered: string[] = []
    const b = new DoubleBarrier(await connect(connectString), '/dbar', 3)
    const c = new DoubleBarrier(await connect(connectString), '/dbar', 3)
    const enterB = b.enter({ timeout: 20_000 }).then(() => entered.push('b'))
    const enterC = c.enter({ timeout: 20_000 }).then(() => entered.push('c'))
    await childCount(client, '/dbar', 2)
    await settle(client)
    expect(entered).toEqual([])
    await new DoubleBarrier(client, '/dbar', 3).enter({ timeout: 20_000 })
    await Promise.all([enterB, enterC])
  })

  test('a member killed after entering: the others\' leave waits until its session ends', async () => {
    const { client, connectString } = await chrootClient()
    const member = startLockChild({ connect: connectString, sessionTimeout: SESSION_TIMEOUT, id: 'm', mode: 'double-barrier', path: '/dbar', memberCount: 3 })
    await member.next('connected', 30_000)
    const b = new DoubleBarrier(await connect(connectString), '/dbar', 3)
    const c = new DoubleBarrier(client, '/dbar', 3)
    await Promise.all([b.enter({ timeout: 20_000 }), c.enter({ timeout: 20_000 }), member.next('entered')])
    const killedAt = await member.kill9()
    await Promise.all([b.leave({ timeout: 20_000 }), c.leave({ timeout: 20_000 })])
    const waited = Date.now() - killedAt
    expect(waited).toBeGreaterThan(SESSION_TIMEOUT / 2)
    expect(waited).toBeLessThan(SESSION_TIMEOUT + 3_000)
    expect((await client.getChildren('/dbar').catch(() => ({ children: [] }))).children).toEqual([])
  })

  test('a timed-out enter leaves no member node; wrong shapes are refused', async () => {
    const { client } = await chrootClient()
    const d = new DoubleBarrier(client, '/dbar', 2)
    await expect(d.enter({ timeout: 150 })).rejects.toBeInstanceOf(AcquireTimeoutError)
    expect(await client.exists(d.memberPath)).toBeNull()
    expect(() => new DoubleBarrier(client, '/d', 0)).toThrow(/memberCount must be an integer from 1/)
    expect(() => new DoubleBarrier(client, '/d', 2.5)).toThrow(InvalidArgumentError)
    expect(() => new (DoubleBarrier as unknown as new (...a: unknown[]) => DoubleBarrier)(client, '/d')).toThrow(/got undefined/)
    await expect(d.leave({ timeout: 'x' } as never)).rejects.toThrow(InvalidArgumentError)
  })
})
