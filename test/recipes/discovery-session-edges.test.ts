/**
 * Service discovery at the session's edges: close() during an outage acts at once (its watches
 * are removed locally), and snapshot iterators end when the client closes.
 */
import { describe, expect, test } from 'vitest'
import { ServiceDiscovery, ServiceRegistry } from '../../src/index.js'
import { cutOff, proxiedClient } from './helpers/session.js'
import { chrootClient } from '../support/zk.js'

describe('service discovery and the session', () => {
  test('close() during an outage returns at once, with its watches gone from the client', async () => {
    const { client: owner, chroot } = await chrootClient()
    const registry = new ServiceRegistry(owner)
    await registry.register('api', { id: 'a1', address: '127.0.0.1', port: 8080 })
    const { client, proxy } = await proxiedClient(chroot)
    const discovery = new ServiceDiscovery(client, 'api')
    expect((await discovery.start()).map((i) => i.id)).toEqual(['a1'])
    await cutOff(client, proxy)
    const started = performance.now()
    await discovery.close()
    expect(performance.now() - started).toBeLessThan(500)
    // Nothing of the discovery is re-armed: removing its child watch again finds none.
    await expect(client.removeWatches('/services/api', 'children', { local: true })).rejects.toMatchObject({ code: 'NOWATCHER' })
    proxy.restore()
    await client.connected()
    await registry.close()
  })

  test('snapshots() ends when the client closes, and at once on a closed client', async () => {
    const { client } = await chrootClient()
    const discovery = new ServiceDiscovery(client, 'quiet')
    const seen: number[] = []
    const loop = (async () => {
      for await (const instances of discovery.snapshots()) seen.push(instances.length)
      return 'ended'
    })()
    await discovery.start()
    await client.close()
    expect(await loop).toBe('ended')
    expect(seen).toEqual([0])
    const after = discovery.snapshots()
    expect(await after.next()).toEqual({ value: undefined, done: true })
    await discovery.close()
  })
})
