import { describe, expect, test } from 'vitest'
import { ChildrenCache, InvalidArgumentError, NodeCache } from '../../src/index.js'
import { waitFor } from '../../src/testing/index.js'
import { chrootClient, connect } from '../support/zk.js'
import { cutOff, proxiedClient } from './helpers/session.js'

describe.each(['persistent', 'oneShot'] as const)('NodeCache and ChildrenCache (%s watches)', (watchMode) => {
  test('NodeCache follows one node: data changes, deletion, re-creation; children are not cached', async () => {
    const { client, connectString } = await chrootClient()
    const writer = await connect(connectString)
    await writer.create('/cfg', 'v1')
    const cache = new NodeCache(client, '/cfg', { watchMode })
    await cache.start()
    expect(cache.current?.data.toString()).toBe('v1')
    await writer.create('/cfg/child')
    await writer.setData('/cfg', 'v2')
    await waitFor(() => cache.current?.data.toString() === 'v2')
    expect(cache.size).toBe(1)
    await writer.delete('/cfg/child')
    await writer.delete('/cfg')
    await waitFor(() => cache.current === undefined)
    await writer.create('/cfg', 'v3')
    await waitFor(() => cache.current?.data.toString() === 'v3')
    await cache.close()
  })

  test('ChildrenCache follows one level, through a cut connection', async () => {
    const { chroot, connectString } = await chrootClient()
    const writer = await connect(connectString)
    await writer.create('/svc')
    await writer.create('/svc/a', '1')
    await writer.create('/svc/a/deep', 'x')
    const { client, proxy } = await proxiedClient(chroot)
    const cache = new ChildrenCache(client, '/svc', { watchMode })
    await cache.start()
    expect([...cache.current.keys()]).toEqual(['a'])
    expect(cache.get('/svc/a/deep')).toBeUndefined()
    await cutOff(client, proxy)
    await writer.create('/svc/b', '2')
    await writer.setData('/svc/a', '1b')
    proxy.restore()
    await waitFor(() => cache.current.size === 2 && cache.current.get('a')?.data.toString() === '1b')
    expect([...cache.current].map(([k, v]) => `${k}=${v.data.toString()}`)).toEqual(['a=1b', 'b=2'])
    await cache.close()
  })
})

test('narrow caches refuse maxDepth and unknown options', async () => {
  const { client } = await chrootClient()
  expect(() => new NodeCache(client, '/x', { maxDepth: 3 } as never)).toThrow(InvalidArgumentError)
  expect(() => new ChildrenCache(client, '/x', { watchmode: 'oneShot' } as never)).toThrow(/did you mean "watchMode"/)
})
