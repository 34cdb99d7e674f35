import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { ServiceDiscovery, ServiceRegistry, queryInstances } from '../../src/index.js'
import { TestingCluster, waitFor } from '../../src/testing/index.js'
import { nextState } from './helpers/session.js'
import { connect } from '../support/zk.js'

describe('service registry on a three-server ensemble', () => {
  let cluster: TestingCluster

  beforeAll(async () => {
    cluster = await TestingCluster.start({ size: 3 })
  })

  afterAll(async () => {
    await cluster?.close()
  })

  test('registrations asked for while there is no quorum all appear once it is back, none doubled', async () => {
    const client = await connect(cluster.connectString, { sessionTimeout: 10_000 })
    const observer = await connect(cluster.connectString)
    const registry = new ServiceRegistry(client)
    const discovery = new ServiceDiscovery(observer, 'api')
    await registry.register('api', { id: 'before', port: 1 })
    await discovery.start()

    // Two of three servers stop: the third loses its quorum and drops every client.
    const [first, second] = cluster.servers
    const suspended = nextState(client, (c) => c.state === 'suspended')
    await Promise.all([first!.stop(), second!.stop()])
    await suspended
    const ids = ['a', 'b', 'c', 'd', 'e']
    const calls = [...ids.map((id) => registry.register('api', { id, port: 2 })), registry.update('api', { id: 'before', port: 3 })]
    expect(registry.pendingOperations).toBe(6)

    await Promise.all([first!.restart(), second!.restart()])
    await Promise.all(calls)
    const expected = ['a', 'b', 'before', 'c', 'd', 'e']
    // Every registration once, with the data last asked for.
    expect((await client.getChildren('/services/api')).children.sort()).toEqual(expected)
    expect((await queryInstances(client, 'api')).map((i) => `${i.id}:${i.port}`)).toEqual(['a:2', 'b:2', 'before:3', 'c:2', 'd:2', 'e:2'])
    await waitFor(() => discovery.instances.map((i) => i.id).join() === expected.join(), { description: 'discovery to see them all' })
    await discovery.close()
    await registry.close()
  })
})
