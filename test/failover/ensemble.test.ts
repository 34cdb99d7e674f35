/**
 * Failover against a real 3-node ensemble: a member killed under the client, links cut and
 * blackholed by fault proxies, the whole ensemble frozen past the session timeout, and a session
 * closed behind the client's back. The client must keep its session (and its ephemeral nodes and
 * watches) whenever the ensemble still holds it, report 'lost' exactly once when it does not,
 * and then carry on with a new session.
 */
import { randomUUID } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { ConnectionLossError, type WatchedEvent } from '../../src/index.js'
import { type TestingServer, waitFor } from '../../src/testing/index.js'
import { rejectionOf } from '../session/helpers.js'
import { eventZxid } from '../support/server-version.js'
import { eventually, useCluster, within } from './helpers.js'

const fixture = useCluster()

/** A fresh path for a test. */
const unique = (name: string): string => `/${name}-${randomUUID()}`

describe('a member dies under the client', () => {
  it.each(['leader', 'follower'] as const)('kill -9 of the %s it is connected to: same session on another member, ephemerals kept, watches fire', async (role) => {
    const cluster = fixture.cluster()
    const leader = await cluster.leader()
    const target = role === 'leader' ? leader : (cluster.servers.find((s) => s !== leader) as TestingServer)
    const others = cluster.servers.filter((s) => s !== target)
    // The target first and an order-keeping shuffle (random 0.99 swaps nothing): the client starts on it.
    const connectString = [target, ...others].map((s) => s.connectString).join(',')
    // A leader election takes 1.5 to 4 s on a busy two-core machine; the session must outlive it.
    const a = fixture.client(connectString, { sessionTimeout: 8_000, internals: { random: () => 0.99 } })
    await a.client.connected({ timeout: 20_000 })
    expect(a.client.currentServer).toBe(target.connectString)
    const observer = await fixture.observer(others.map((s) => s.connectString).join(','))

    const base = unique(`kill-${role}`)
    await a.client.create(base, 'v1')
    const ephemeral = await a.client.create(`${base}/owned`, '', { mode: 'ephemeral' })
    const { changed } = await a.client.watchData(base)
    const sessionId = a.client.sessionId
    const from = a.states.length

    const killedAt = performance.now()
    await target.kill()
    const back = await a.reach('reconnected', from, 20_000)
    const took = performance.now() - killedAt

    expect(back.newSession).toBe(false)
    expect(a.client.sessionId).toBe(sessionId)
    expect(took).toBeLessThan(a.client.sessionTimeout)
    expect(a.client.currentServer).not.toBe(target.connectString)
    expect(a.states.slice(from).map((s) => s.state)).toEqual(['suspended', 'reconnected'])

    const stat = await eventually(() => observer.exists(ephemeral.path))
    expect(stat?.ephemeralOwner).toBe(sessionId)
    const written = await eventually(() => observer.setData(base, 'v2'))
    expect(await within(changed, 15_000, 'the data watch')).toEqual({ type: 'NodeDataChanged', state: 'SyncConnected', path: base, ...eventZxid(written.mzxid) })
    expect(a.states.slice(from).map((s) => s.state)).toEqual(['suspended', 'reconnected'])
  })
})

describe('watches across a reconnect', () => {
  it('a one-shot watch gets the change made while the client was cut off, after the re-arm', async () => {
    const proxies = fixture.proxies()
    const a = fixture.client(fixture.viaProxies())
    await a.client.connected({ timeout: 20_000 })
    const observer = await fixture.observer()
    const path = unique('catch-up')
    await a.client.create(path, 'v1')
    const { changed } = await a.client.watchData(path)
    let seenAfter: string | undefined
    const delivered = changed.then((event) => {
      seenAfter = a.states.at(-1)?.state
      return event
    })

    const from = a.states.length
    for (const p of proxies) p.refuse()
    for (const p of proxies) p.cut()
    await a.reach('suspended', from)
    await eventually(() => observer.setData(path, 'v2'))
    expect(seenAfter).toBeUndefined()
    for (const p of proxies) p.restore()

    const back = await a.reach('reconnected', from, 15_000)
    expect(back.newSession).toBe(false)
    // SetWatches makes catch-up events without a transaction: no zxid, on 3.9 as before.
    expect(await within(delivered, 15_000, 'the catch-up event')).toEqual({ type: 'NodeDataChanged', state: 'SyncConnected', path })
    expect(seenAfter).toBe('reconnected')
  })

  it('a persistent watch is re-armed on the new connection and fires on a later change', async () => {
    const a = fixture.client(fixture.viaProxies())
    await a.client.connected({ timeout: 20_000 })
    const observer = await fixture.observer()
    const path = unique('persistent')
    await a.client.create(path, 'v1')
    const events: WatchedEvent[] = []
    await a.client.addWatch(path, { listener: (e) => events.push(e) })

    const from = a.states.length
    for (const p of fixture.proxies()) p.cut()
    const back = await a.reach('reconnected', from, 15_000)
    expect(back.newSession).toBe(false)
    // One round trip on the new connection: SetWatches2 went out before it, so the server holds the watch.
    await a.client.exists(path)
    const v2 = await eventually(() => observer.setData(path, 'v2'))
    const v3 = await eventually(() => observer.setData(path, 'v3'))
    await waitFor(() => events.length >= 2, { timeoutMs: 15_000, description: 'two events of the persistent watch' })
    expect(events).toEqual([
      { type: 'NodeDataChanged', state: 'SyncConnected', path, ...eventZxid(v2.mzxid) },
      { type: 'NodeDataChanged', state: 'SyncConnected', path, ...eventZxid(v3.mzxid) },
    ])
  })

  it('a plain and a recursive watch on one path come back exactly after a reconnect (ZOOKEEPER-4466)', async () => {
    const a = fixture.client(fixture.viaProxies())
    await a.client.connected({ timeout: 20_000 })
    const observer = await fixture.observer()
    const path = unique('modes')
    await a.client.create(path)
    const plain: WatchedEvent[] = []
    const subtree: WatchedEvent[] = []
    await a.client.addWatch(path, { listener: (e) => plain.push(e) })
    await a.client.addWatch(path, { recursive: true, listener: (e) => subtree.push(e) })

    const from = a.states.length
    for (const p of fixture.proxies()) p.cut()
    const back = await a.reach('reconnected', from, 15_000)
    expect(back.newSession).toBe(false)
    await a.client.exists(path) // SetWatches2 went out before this round trip
    await eventually(() => observer.create(`${path}/c`))
    await eventually(() => observer.create(`${path}/c/g`))
    await waitFor(() => subtree.length >= 2, { timeoutMs: 15_000, description: 'two events of the recursive watch' })
    await a.client.exists(path) // any further event would have arrived by now
    expect(subtree.map((e) => `${e.type} ${e.path}`)).toEqual([`NodeCreated ${path}/c`, `NodeCreated ${path}/c/g`])
    expect(plain.map((e) => `${e.type} ${e.path}`)).toEqual([`NodeChildrenChanged ${path}`])
  })
})

describe('a silent link', () => {
  it('is dropped by the read timeout; requests in flight fail then, and the session resumes over another path', async () => {
    const a = fixture.client(fixture.viaProxies())
    await a.client.connected({ timeout: 20_000 })
    const path = unique('blackhole')
    await a.client.create(path)
    const current = fixture.proxies().find((p) => p.address === a.client.currentServer)!
    const readTimeout = Math.floor((a.client.sessionTimeout * 2) / 3)
    const pingInterval = Math.floor(readTimeout / 3)
    const from = a.states.length

    const silencedAt = performance.now()
    current.blackhole()
    const inFlight = rejectionOf(a.client.getData(path), 20_000).then((error) => ({ error, at: performance.now() - silencedAt }))
    await a.reach('suspended', from, 20_000)
    const suspendedAfter = performance.now() - silencedAt
    const { error, at } = await inFlight

    // Last bytes arrived at most one ping interval before the silence began.
    expect(suspendedAfter).toBeGreaterThanOrEqual(readTimeout - pingInterval - 300)
    expect(suspendedAfter).toBeLessThan(readTimeout + 1_000)
    expect(error).toBeInstanceOf(ConnectionLossError)
    expect(at).toBeLessThan(readTimeout + 1_000)

    const back = await a.reach('reconnected', from, 20_000)
    expect(back.newSession).toBe(false)
    expect(a.client.currentServer).not.toBe(current.address)
    expect((await a.client.getData(path)).stat.version).toBe(0)
  })
})

describe('the session ends', () => {
  it('the whole ensemble hung past the session timeout: exactly one lost, then a new session', async () => {
    const cluster = fixture.cluster()
    const a = fixture.client(fixture.viaProxies(), { sessionTimeout: 2_000 })
    await a.client.connected({ timeout: 20_000 })
    // Resume once first: the local expiry must be armed again after a reconnect.
    let from = a.states.length
    for (const p of fixture.proxies()) p.cut()
    await a.reach('reconnected', from, 15_000)
    const oldSession = a.client.sessionId

    from = a.states.length
    await Promise.all(cluster.servers.map((s) => s.pause()))
    const lost = await a.reach('lost', from, 15_000)
    expect(lost.sessionId).toBe(0n)
    // Back as a fresh start: a whole ensemble thawed from SIGSTOP sometimes stops serving clients.
    await Promise.all(cluster.servers.map((s) => s.kill()))
    await Promise.all(cluster.servers.map((s) => s.restart({ wait: false })))

    const renewed = await a.reach('reconnected', a.states.indexOf(lost), 30_000)
    expect(renewed.newSession).toBe(true)
    expect(a.client.sessionId).not.toBe(oldSession)
    expect(a.client.sessionId).not.toBe(0n)
    expect(a.states.slice(from).map((s) => s.state)).toEqual(['suspended', 'lost', 'reconnected'])
    const owned = await eventually(() => a.client.create(unique('after-expiry'), '', { mode: 'ephemeral' }))
    expect(owned.stat.ephemeralOwner).toBe(a.client.sessionId)
    expect(a.states.filter((s) => s.state === 'lost')).toHaveLength(1)
  })

  it('a session closed by another client that attached to it: one lost, then a new session', async () => {
    const [x, y] = fixture.cluster().servers as [TestingServer, TestingServer]
    // On different members: a client attaching on the same member would push the first one off it.
    const a = fixture.client(x.connectString)
    await a.client.connected({ timeout: 20_000 })
    const observer = await fixture.observer()
    const owned = await a.client.create(unique('closed-behind'), '', { mode: 'ephemeral' })
    const oldSession = a.client.sessionId
    const from = a.states.length

    const b = fixture.client(y.connectString, { session: { id: oldSession, password: a.client.sessionPassword } })
    await b.client.connected({ timeout: 20_000 })
    expect(b.client.sessionId).toBe(oldSession)
    await b.client.close()

    const lost = await a.reach('lost', from, 15_000)
    const renewed = await a.reach('reconnected', a.states.indexOf(lost), 15_000)
    expect(renewed.newSession).toBe(true)
    expect(a.client.sessionId).not.toBe(oldSession)
    expect(a.states.slice(from).map((s) => s.state)).toEqual(['suspended', 'lost', 'reconnected'])
    expect(await eventually(() => observer.exists(owned.path))).toBeNull()
  })
})
