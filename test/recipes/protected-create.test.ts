import { randomUUID } from 'node:crypto'
import { afterEach, describe, expect, test } from 'vitest'
import { type ConnectionState, type ZooKeeperClient, ProtectedCreateAbortedError, findProtectedNode, isProtectedName, protectedCreate, protectedName, withoutProtection } from '../../src/index.js'
import { FaultProxy } from '../../src/testing/index.js'
import { chrootClient, connect, sharedServer } from '../support/zk.js'

const proxies: FaultProxy[] = []
afterEach(async () => {
  await Promise.all(proxies.splice(0).map((p) => p.close()))
})

const nameOf = (path: string): string => path.slice(path.lastIndexOf('/') + 1)

/**
 * A client behind a FaultProxy, and a way to lose the reply of its next create: `armReplyLoss`
 * sets a watch on the parent through `observer` (a direct connection) and makes the proxy hold
 * every chunk for a second; once the node shows up, the link is cut, dropping the reply still held
 * in the proxy. The client then reconnects through the proxy (same session).
 */
async function lossyClient(): Promise<{ client: ZooKeeperClient; observer: ZooKeeperClient; chroot: string; suspendedAt: () => number | undefined; armReplyLoss: (parent: string) => Promise<{ done: Promise<void> }> }> {
  const { client: observer, chroot } = await chrootClient()
  const proxy = await FaultProxy.start({ upstream: sharedServer() })
  proxies.push(proxy)
  const client = await connect(`${proxy.address}${chroot}`, { sessionTimeout: 10_000 })
  let suspended: number | undefined
  client.on('state', (s: { state: ConnectionState }) => {
    if (s.state === 'suspended') suspended ??= performance.now()
  })
  const armReplyLoss = async (parent: string): Promise<{ done: Promise<void> }> => {
    const { changed } = await observer.watchChildren(parent)
    proxy.delay(1_000)
    const done = changed.then(() => {
      // The create was applied; its reply waits in the proxy.
      proxy.blackhole()
      proxy.cut()
      proxy.restore()
    })
    return { done }
  }
  return { client, observer, chroot, suspendedAt: () => suspended, armReplyLoss }
}

/** Resolves with the result and the time it came. */
async function timed<T>(promise: Promise<T>): Promise<T & { at: number }> {
  const value = await promise
  return { ...value, at: performance.now() }
}

describe('protectedCreate', () => {
  test('names nodes as Curator does: _c_<uuid>-<name><sequence>', async () => {
    const { client } = await chrootClient()
    const { path, stat } = await protectedCreate(client, '/locks/lock-', 'x', { mode: 'ephemeralSequential', createParents: 'container' })
    const name = nameOf(path)
    expect(name).toMatch(/^_c_[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}-lock-\d{10}$/)
    expect(isProtectedName(name)).toBe(true)
    expect(withoutProtection(name)).toMatch(/^lock-\d{10}$/)
    expect(stat.ephemeralOwner).toBe(client.sessionId)
    // Curator's rules: the prefix alone is not a protected name, nor one without a valid UUID.
    const id = '53345f98-9423-4e0c-a7b5-9f819e3ec2e1'
    expect(protectedName(id, 'name1')).toBe('_c_53345f98-9423-4e0c-a7b5-9f819e3ec2e1-name1')
    expect(isProtectedName(protectedName(id, ''))).toBe(false)
    expect(isProtectedName('_c_53345f98-9423-4e0c-a7b5-9f819e3ec2eX-name1')).toBe(false)
    expect(withoutProtection('plain-0000000001')).toBe('plain-0000000001')
  })

  for (const mode of ['persistentSequential', 'ephemeralSequential'] as const) {
    test(`a ${mode} create whose reply is lost with the connection leaves exactly one node`, async () => {
      const { client, observer, suspendedAt, armReplyLoss } = await lossyClient()
      await observer.create('/q')
      const sessionId = client.sessionId
      const lost = await armReplyLoss('/q')
      const creating = timed(protectedCreate(client, '/q/item-', 'payload', { mode }))
      await lost.done
      const { path, stat, at } = await creating
      // The reply really was lost (the call ended after the suspension), and the session resumed.
      expect(suspendedAt()).toBeLessThan(at)
      expect(client.sessionId).toBe(sessionId)
      expect((await observer.getChildren('/q')).children).toEqual([nameOf(path)])
      expect((await observer.getData(path)).data.toString()).toBe('payload')
      expect(stat.ephemeralOwner).toBe(mode === 'ephemeralSequential' ? sessionId : 0n)
    })
  }

  test('a found ephemeral node of another session is deleted, not adopted', async () => {
    const { client, observer, chroot, suspendedAt, armReplyLoss } = await lossyClient()
    await observer.create('/q')
    // A node with our prefix owned by another session, as one left by an expired session of ours.
    const protectedId = randomUUID()
    const other = await connect(`${sharedServer()}${chroot}`)
    const stale = await other.create(`/q/${protectedName(protectedId, 'item-')}`, 'stale', { mode: 'ephemeralSequential' })
    const lost = await armReplyLoss('/q')
    const creating = timed(protectedCreate(client, '/q/item-', 'fresh', { mode: 'ephemeralSequential', protectedId }))
    await lost.done
    const { path, stat, at } = await creating
    expect(suspendedAt()).toBeLessThan(at)
    expect(path).not.toBe(stale.path)
    expect(stat.ephemeralOwner).toBe(client.sessionId)
    expect(await observer.exists(stale.path)).toBeNull()
    expect((await observer.getChildren('/q')).children).toEqual([nameOf(path)])
  })

  test('after a session expiry in the middle, the node is made once, in the new session', async () => {
    const { client: observer, chroot } = await chrootClient()
    const proxy = await FaultProxy.start({ upstream: sharedServer() })
    proxies.push(proxy)
    const client = await connect(`${proxy.address}${chroot}`, { sessionTimeout: 10_000 })
    await observer.create('/q')
    const oldSession = { id: client.sessionId, password: client.sessionPassword }
    const { changed } = await observer.watchChildren('/q')
    proxy.delay(1_000)
    const creating = protectedCreate(client, '/q/item-', 'x', { mode: 'ephemeralSequential' })
    await changed
    proxy.blackhole()
    proxy.cut()
    // Expire the session on the server: attach to it from another client and close that one.
    const thief = await connect(`${sharedServer()}${chroot}`, { session: oldSession })
    await thief.close()
    proxy.restore()
    const { path, stat } = await creating
    expect(client.sessionId).not.toBe(oldSession.id)
    expect(stat.ephemeralOwner).toBe(client.sessionId)
    expect((await observer.getChildren('/q')).children).toEqual([nameOf(path)])
  })

  test('aborted by its signal while disconnected after the reply was lost: the error names the protected id, and the node is found with it', async () => {
    const { client: observer, chroot } = await chrootClient()
    const proxy = await FaultProxy.start({ upstream: sharedServer() })
    proxies.push(proxy)
    const client = await connect(`${proxy.address}${chroot}`, { sessionTimeout: 10_000 })
    await observer.create('/a')
    const { changed } = await observer.watchChildren('/a')
    proxy.delay(1_000)
    const controller = new AbortController()
    const protectedId = randomUUID()
    const creating = protectedCreate(client, '/a/item-', 'x', { mode: 'persistentSequential', protectedId, signal: controller.signal })
    const suspended = new Promise<void>((resolve) => client.on('state', (s: { state: ConnectionState }) => s.state === 'suspended' && resolve()))
    await changed
    // The create was applied; its reply waits in the proxy. Drop it, and keep the client out.
    proxy.blackhole()
    proxy.cut()
    proxy.restore()
    proxy.refuse(true)
    await suspended
    controller.abort()
    const error = await creating.then(() => null, (e: unknown) => e)
    expect(error).toBeInstanceOf(ProtectedCreateAbortedError)
    expect(error).toMatchObject({ name: 'AbortError', protectedId, parent: '/a', foundPath: null, outcomeKnown: false })
    expect((error as Error).cause).toBe(controller.signal.reason)
    const [left] = (await observer.getChildren('/a')).children
    expect(left).toMatch(new RegExp(`^_c_${protectedId}-item-\\d{10}$`))
    proxy.refuse(false)
    await client.connected({ timeout: 10_000 })
    expect((await findProtectedNode(client, '/a', protectedId, { ephemeral: false }))?.path).toBe(`/a/${left}`)
  })
})
