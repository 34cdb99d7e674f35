/**
 * `await using` (Symbol.asyncDispose) on what has a lifetime: the client (closed), a persistent
 * watch (removed), a leader election (left), a service registry (unregistered) and a discovery
 * (stopped), each checked on the real server when the scope ends, normally or by a throw.
 */
import { describe, expect, it } from 'vitest'
import { LeaderElection, ServiceDiscovery, ServiceRegistry, createClient } from '../../src/index.js'
import { serverWatchPaths } from './helpers.js'
import { chrootClient, sharedServer } from '../support/zk.js'

describe('await using', () => {
  it('closes the client at the end of the scope, even when the scope throws', async () => {
    let outer: ReturnType<typeof createClient> | undefined
    await expect(
      (async () => {
        await using zk = createClient(sharedServer())
        outer = zk
        await zk.connected({ timeout: 20_000 })
        throw new Error('boom')
      })(),
    ).rejects.toThrow('boom')
    expect(outer!.state).toBe('closed')
  })

  it('removes a persistent watch from the server at the end of the scope', async () => {
    const { client, chroot } = await chrootClient()
    await client.create('/w')
    {
      await using watch = await client.addWatch('/w')
      expect(watch.closed).toBe(false)
      expect(await serverWatchPaths(client)).toContain(`${chroot}/w`)
    }
    expect(await serverWatchPaths(client)).not.toContain(`${chroot}/w`)
  })

  it('leaves an election, unregisters a registry and stops a discovery at the end of the scope', async () => {
    const { client } = await chrootClient()
    {
      await using election = new LeaderElection(client, '/election', { id: 'me' })
      await election.start()
      await election.leadership()
      expect((await client.getChildren('/election')).children).toHaveLength(1)
    }
    expect((await client.getChildren('/election')).children).toEqual([])

    let discovery: ServiceDiscovery | undefined
    {
      await using registry = new ServiceRegistry(client)
      await registry.register('api', { id: 'api-1', port: 8080 })
      await using api = new ServiceDiscovery(client, 'api')
      discovery = api
      expect((await api.start()).map((i) => i.id)).toEqual(['api-1'])
    }
    expect(await client.exists('/services/api/api-1')).toBeNull()
    // A stopped discovery's snapshot stream ends at once.
    const snapshots = discovery!.snapshots()
    expect(await snapshots.next()).toEqual({ value: undefined, done: true })
  })
})
