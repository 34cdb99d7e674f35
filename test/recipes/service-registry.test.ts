import { afterEach, describe, expect, test } from 'vitest'
import { type ServiceChange, ServiceDiscovery, ServiceRegistry, type ZooKeeperClient, buildUri, isProtectedName, listServices, parseServiceInstance, queryInstances } from '../../src/index.js'
import { waitFor } from '../../src/testing/index.js'
import { startChild } from './helpers/child.js'
import { cutOff, expireSession, expireWhileCutOff, nextState, proxiedClient } from './helpers/session.js'
import { chrootClient, connect } from '../support/zk.js'

const closers: Array<() => Promise<void>> = []
afterEach(async () => {
  await Promise.all(closers.splice(0).map((c) => c().catch(() => {})))
})

function discover(client: ZooKeeperClient, service: string): ServiceDiscovery {
  const d = new ServiceDiscovery(client, service)
  closers.push(() => d.close())
  return d
}

const ids = (d: ServiceDiscovery): string[] => d.instances.map((i) => i.id)

describe('service registry and discovery', () => {
  test('register, update, unregister and close, seen by discovery, in Curator\'s layout', async () => {
    const { client, connectString } = await chrootClient()
    const watcherClient = await connect(connectString)
    const registry = new ServiceRegistry(client)
    const discovery = discover(watcherClient, 'api')
    const changes: ServiceChange<unknown>[] = []
    discovery.on('change', (c) => changes.push(c))
    expect(await discovery.start()).toEqual([])

    const a = await registry.register('api', { id: 'a', address: '10.0.0.1', port: 8080, uriSpec: '{scheme}://{address}:{port}' })
    const stat = await client.exists('/services/api/a')
    expect(stat?.ephemeralOwner).toBe(client.sessionId)
    expect(parseServiceInstance((await client.getData('/services/api/a')).data)).toEqual(a)
    await waitFor(() => ids(discovery).join() === 'a', { description: 'a to be discovered' })
    expect(buildUri(discovery.instances[0]!)).toBe('http://10.0.0.1:8080')

    await registry.register('api', { id: 'b', address: '10.0.0.2', port: 8080 })
    await registry.update('api', { id: 'a', payload: { weight: 2 } })
    await waitFor(() => discovery.instances.find((i) => i.id === 'a')?.payload !== null && ids(discovery).join() === 'a,b', { description: 'the update and b' })
    expect(discovery.instances[0]).toMatchObject({ id: 'a', address: '10.0.0.1', payload: { weight: 2 }, registrationTimeUTC: a.registrationTimeUTC })

    await registry.unregister('api', 'b')
    await waitFor(() => ids(discovery).join() === 'a', { description: 'b to leave' })
    const seq = await registry.register('api', { id: 'worker', serviceType: 'DYNAMIC_SEQUENTIAL' })
    const seqPath = registry.pathOf('api', seq.id)!
    expect(isProtectedName(seqPath.split('/').pop()!)).toBe(true)
    await registry.register('billing', { id: 'static-1', serviceType: 'STATIC' })
    expect((await client.exists('/services/billing/static-1'))?.ephemeralOwner).toBe(0n)
    expect(await listServices(watcherClient)).toEqual(['api', 'billing'])
    await waitFor(() => ids(discovery).join() === 'a,worker', { description: 'the sequential instance' })

    await registry.close()
    await waitFor(() => discovery.instances.length === 0, { description: 'every instance to leave' })
    expect(await client.exists('/services/billing/static-1')).toBeNull()
    // Every change was reported, with what differed.
    const all = (pick: (c: ServiceChange<unknown>) => { id: string }[]): string[] => [...new Set(changes.flatMap((c) => pick(c).map((i) => i.id)))].sort()
    expect(all((c) => c.added)).toEqual(['a', 'b', 'worker'])
    expect(all((c) => c.updated)).toEqual(['a'])
    expect(all((c) => c.removed)).toEqual(['a', 'b', 'worker'])
  })

  test('snapshots and pickers', async () => {
    const { client, connectString } = await chrootClient()
    const registry = new ServiceRegistry(client)
    const discovery = discover(await connect(connectString), 'api')
    const iterator = discovery.snapshots()
    expect((await iterator.next()).value).toEqual([])
    await registry.register('api', { id: 'a' })
    expect((await iterator.next()).value?.map((i) => i.id)).toEqual(['a'])
    await Promise.all(['b', 'c'].map((id) => registry.register('api', { id })))
    await registry.register('api', { id: 'd', enabled: false })
    await waitFor(() => discovery.instances.length === 4, { description: 'four instances' })
    // A slow consumer gets the latest view, not every one in between.
    expect((await iterator.next()).value?.map((i) => i.id)).toEqual(['a', 'b', 'c', 'd'])
    expect([1, 2, 3, 4, 5, 6].map(() => discovery.pick()?.id)).toEqual(['a', 'b', 'c', 'a', 'b', 'c'])
    expect(['a', 'b', 'c']).toContain(discovery.pick('random')?.id)
    await discovery.close()
    expect((await iterator.next()).done).toBe(true)
    expect((await queryInstances(client, 'api')).map((i) => i.id)).toEqual(['a', 'b', 'c', 'd'])
  })

  test('an instance whose process is killed with -9 leaves discovery within the session timeout', async () => {
    const { client, connectString } = await chrootClient()
    const sessionTimeout = 2_000
    const child = startChild({ connect: connectString, sessionTimeout, register: { service: 'api', id: 'doomed' } })
    const discovery = discover(client, 'api')
    await discovery.start()
    await child.next('registered')
    await waitFor(() => ids(discovery).includes('doomed'), { description: 'the child to be discovered' })
    const removed = new Promise<number>((resolve) => discovery.on('change', (c) => c.removed.some((i) => i.id === 'doomed') && resolve(Date.now())))
    const killedAt = await child.kill9()
    const elapsed = (await removed) - killedAt
    expect(ids(discovery)).toEqual([])
    // The server expires a silent session between 2/3 of its timeout (the last ping) and the
    // timeout plus one tick after the kill; the watch and a read add milliseconds.
    expect(elapsed).toBeLessThan(sessionTimeout + 500)
  })

  test('after a session expiry every registration is made again, by itself', async () => {
    const { client: reader, chroot } = await chrootClient()
    const { client, proxy } = await proxiedClient(chroot)
    const registry = new ServiceRegistry(client)
    const discovery = discover(reader, 'api')
    await discovery.start()
    await Promise.all(['a', 'b'].map((id) => registry.register('api', { id, port: 1 })))
    await registry.register('api', { id: 'seq', serviceType: 'DYNAMIC_SEQUENTIAL' })
    await waitFor(() => ids(discovery).join() === 'a,b,seq', { description: 'three instances' })
    const oldSession = client.sessionId
    const restored: string[] = []
    registry.on('registered', (i, d) => d.restored && restored.push(i.id))
    const { sessionId } = await expireSession(client, proxy, chroot)
    const reconnectedAt = Date.now()
    await waitFor(() => restored.length === 3, { timeoutMs: 5_000, description: 'the registrations to be restored' })
    expect(Date.now() - reconnectedAt).toBeLessThan(2_000)
    expect(restored.sort()).toEqual(['a', 'b', 'seq'])
    await waitFor(() => ids(discovery).join() === 'a,b,seq', { description: 'discovery to see them again' })
    // Once each, owned by the new session.
    const { children } = await client.getChildren('/services/api')
    expect(children).toHaveLength(3)
    for (const name of children) expect((await client.exists(`/services/api/${name}`))?.ephemeralOwner).toBe(sessionId)
    expect(sessionId).not.toBe(oldSession)
  })

  test('calls made while disconnected are carried out in order once back, none lost or doubled', async () => {
    const { client: observer, chroot } = await chrootClient()
    const { client, proxy } = await proxiedClient(chroot)
    const registry = new ServiceRegistry(client)
    await registry.register('api', { id: 'a' })
    await registry.register('api', { id: 'c' })
    const log: string[] = []
    registry.on('registered', (i) => log.push(`+${i.id}${i.payload === null ? '' : `:${JSON.stringify(i.payload)}`}`))
    registry.on('unregistered', (i) => log.push(`-${i.id}`))
    await cutOff(client, proxy)
    const calls = [
      registry.register('api', { id: 'b' }),
      registry.update('api', { id: 'a', payload: 1 }),
      registry.unregister('api', 'c'),
      registry.register('api', { id: 'd' }),
      registry.update('api', { id: 'd', payload: 2 }),
      registry.update('api', { id: 'a', payload: 3 }),
    ]
    expect(registry.pendingOperations).toBe(6)
    proxy.restore()
    await Promise.all(calls)
    expect(log).toEqual(['+b', '+a:1', '-c', '+d', '+d:2', '+a:3'])
    const instances = await queryInstances(observer, 'api')
    expect(instances.map((i) => [i.id, i.payload])).toEqual([['a', 3], ['b', null], ['d', 2]])
    expect((await observer.getChildren('/services/api')).children.sort()).toEqual(['a', 'b', 'd'])
  })

  test('calls made while disconnected survive an expiry: old registrations restored first, then the calls', async () => {
    const { client: observer, chroot } = await chrootClient()
    const { client, proxy } = await proxiedClient(chroot)
    const registry = new ServiceRegistry(client)
    await Promise.all(['a', 'c', 'e'].map((id) => registry.register('api', { id })))
    await cutOff(client, proxy)
    const calls = [registry.register('api', { id: 'b' }), registry.unregister('api', 'c'), registry.update('api', { id: 'e', payload: 'x' })]
    await expireWhileCutOff(client, chroot)
    const renewed = nextState(client, (c) => c.state === 'reconnected' && c.newSession)
    proxy.restore()
    await renewed
    await Promise.all(calls)
    await waitFor(async () => (await observer.getChildren('/services/api')).children.sort().join() === 'a,b,e', { description: 'a, b and e registered' })
    const instances = await queryInstances(observer, 'api')
    expect(instances.map((i) => [i.id, i.payload])).toEqual([['a', null], ['b', null], ['e', 'x']])
    for (const i of instances) expect((await observer.exists(`/services/api/${i.id}`))?.ephemeralOwner).toBe(client.sessionId)
  })

  test('discovery re-reads after its own session expired: no stale or missing instance survives', async () => {
    const { client: writer, chroot } = await chrootClient()
    const registry = new ServiceRegistry(writer)
    await Promise.all(['stays', 'goes'].map((id) => registry.register('api', { id })))
    const { client: reader, proxy } = await proxiedClient(chroot)
    const discovery = discover(reader, 'api')
    await discovery.start()
    expect(ids(discovery)).toEqual(['goes', 'stays'])
    await cutOff(reader, proxy)
    // Changes the reader cannot hear of, then its session (and watches) end.
    await registry.unregister('api', 'goes')
    await registry.register('api', { id: 'new' })
    await registry.update('api', { id: 'stays', payload: 'changed' })
    await expireWhileCutOff(reader, chroot)
    proxy.restore()
    await waitFor(() => ids(discovery).join() === 'new,stays' && discovery.instances[1]?.payload === 'changed', { description: 'the view to be re-read' })
    // Watches are in place again in the new session.
    await registry.register('api', { id: 'later' })
    await waitFor(() => ids(discovery).join() === 'later,new,stays', { description: 'a later registration' })
  })
})
