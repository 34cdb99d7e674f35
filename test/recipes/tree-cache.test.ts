import { describe, expect, test } from 'vitest'
import { ClientClosedError, InvalidArgumentError, TreeCache, type TreeCacheEvent, type TreeCacheWatchMode } from '../../src/index.js'
import { fourLetterWord, waitFor } from '../../src/testing/index.js'
import { chrootClient, connect, sharedServer } from '../support/zk.js'
import { cutOff, expireWhileCutOff, nextState, proxiedClient } from './helpers/session.js'
import { burst, cacheTree, difference, serverTree } from './helpers/tree.js'


/** Waits until the cache equals the server's tree node by node (the writer has stopped). */
async function converges(cache: TreeCache, reader: Parameters<typeof serverTree>[0], root: string, maxDepth = Infinity): Promise<void> {
  const expected = await serverTree(reader, root, maxDepth)
  let last: string | null = null
  await waitFor(
    () => {
      last = difference(expected, cacheTree(cache))
      return last === null
    },
    { timeoutMs: 15_000, intervalMs: 20, description: 'the cache to equal the server tree' },
  ).catch((error: unknown) => {
    throw new Error(`${String(error)}; first difference: ${last}`)
  })
}

const modes: TreeCacheWatchMode[] = ['persistent', 'oneShot']

describe.each(modes)('TreeCache (%s watches)', (watchMode) => {
  test('events for create, set, nested create and recursive delete, in order; get and children', async () => {
    const { client } = await chrootClient()
    await client.create('/root')
    await client.create('/root/pre', 'p')
    const cache = new TreeCache(client, '/root', { watchMode })
    const events: string[] = []
    const iterated: TreeCacheEvent[] = []
    const loop = (async () => {
      for await (const e of cache) {
        iterated.push(e)
        if (e.type === 'removed' && e.path === '/root/a') break
      }
    })()
    cache.on('added', (e) => events.push(`added ${e.path} ${e.node.data.toString()}`))
    cache.on('changed', (e) => events.push(`changed ${e.path} ${e.node.data.toString()} v${e.node.stat.version}`))
    cache.on('removed', (e) => events.push(`removed ${e.path} ${e.node.data.toString()}`))
    cache.on('initialized', () => events.push('initialized'))
    await cache.start()
    expect(cache.watchMode).toBe(watchMode)
    expect(cache.initialized).toBe(true)
    expect(events).toEqual(['added /root ', 'added /root/pre p', 'initialized'])
    await client.create('/root/a', 'v1')
    await waitFor(() => cache.get('/root/a'))
    await client.setData('/root/a', 'v2')
    await waitFor(() => cache.get('/root/a')?.stat.version === 1)
    await client.create('/root/a/deep', 'd')
    await waitFor(() => cache.get('/root/a/deep'))
    expect(cache.children('/root')).toEqual(['a', 'pre'])
    expect(cache.children('/root/a')).toEqual(['deep'])
    expect(cache.children('/nope')).toBeUndefined()
    await client.delete('/root/a/deep')
    await client.delete('/root/a')
    await loop
    expect(events.slice(3)).toEqual(['added /root/a v1', 'changed /root/a v2 v1', 'added /root/a/deep d', 'removed /root/a/deep d', 'removed /root/a v2'])
    expect(iterated.map((e) => `${e.type}${'path' in e ? ` ${e.path}` : ''}`)).toEqual([
      'added /root', 'added /root/pre', 'initialized', 'added /root/a', 'changed /root/a', 'added /root/a/deep', 'removed /root/a/deep', 'removed /root/a',
    ])
    expect(cache.get('/root/a')).toBeUndefined()
    await cache.close()
  })

  test('equals the server tree node by node after a burst of 3,000 writes from another client', async () => {
    const { client, connectString } = await chrootClient()
    const writer = await connect(connectString)
    await client.create('/t')
    const cache = new TreeCache(client, '/t', { watchMode })
    await cache.start()
    await burst(writer, '/t', 3_000, 1)
    await converges(cache, writer, '/t')
    expect(cache.size).toBeGreaterThan(5)
    await cache.close()
  })

  test('a missing root: only initialized, then the root and its subtree when created', async () => {
    const { client } = await chrootClient()
    const cache = new TreeCache(client, '/later', { watchMode })
    const events: string[] = []
    cache.on('added', (e) => events.push(e.path))
    await cache.start()
    expect(cache.size).toBe(0)
    await client.create('/later', 'x')
    await waitFor(() => cache.get('/later'))
    await client.create('/later/c')
    await waitFor(() => cache.get('/later/c'))
    await client.delete('/later/c')
    await client.delete('/later')
    await waitFor(() => cache.size === 0)
    await client.create('/later', 'again')
    await waitFor(() => cache.get('/later')?.data.toString() === 'again')
    expect(events).toEqual(['/later', '/later/c', '/later'])
    await cache.close()
  })

  test('after a cut connection with changes made meanwhile, the cache re-syncs', async () => {
    const { chroot, connectString } = await chrootClient()
    const writer = await connect(connectString)
    await writer.create('/t')
    await burst(writer, '/t', 300, 2)
    const { client, proxy } = await proxiedClient(chroot)
    const cache = new TreeCache(client, '/t', { watchMode })
    await cache.start()
    await converges(cache, writer, '/t')
    await cutOff(client, proxy)
    await burst(writer, '/t', 1_000, 3)
    proxy.restore()
    await converges(cache, writer, '/t')
    await cache.close()
  })

  test('after a session expiry with changes made meanwhile, the cache rebuilds', async () => {
    const { chroot, connectString } = await chrootClient()
    const writer = await connect(connectString)
    await writer.create('/t')
    await burst(writer, '/t', 300, 4)
    const { client, proxy } = await proxiedClient(chroot)
    const cache = new TreeCache(client, '/t', { watchMode })
    await cache.start()
    await converges(cache, writer, '/t')
    await cutOff(client, proxy)
    await burst(writer, '/t', 1_000, 5)
    await expireWhileCutOff(client, chroot)
    const renewed = nextState(client, (c) => c.state === 'reconnected' && c.newSession)
    proxy.restore()
    await renewed
    await converges(cache, writer, '/t')
    // And it keeps following in the new session.
    await burst(writer, '/t', 500, 6)
    await converges(cache, writer, '/t')
    await cache.close()
  })

  test('maxDepth bounds the levels cached; maxNodes the count', async () => {
    const { client } = await chrootClient()
    await client.create('/d')
    await client.create('/d/a', '1')
    await client.create('/d/a/b', '2')
    await client.create('/d/a/b/c', '3')
    const shallow = new TreeCache(client, '/d', { watchMode, maxDepth: 1 })
    await shallow.start()
    expect(shallow.paths().sort()).toEqual(['/d', '/d/a'])
    await client.setData('/d/a/b', 'changed')
    await client.create('/d/z')
    await waitFor(() => shallow.get('/d/z'))
    expect(shallow.get('/d/a/b')).toBeUndefined()
    await shallow.close()

    const small = new TreeCache(client, '/d', { watchMode, maxNodes: 3 })
    const overflow: string[] = []
    small.on('overflow', (p) => overflow.push(p))
    await small.start()
    expect(small.size).toBe(3)
    expect(small.overflowed).toBe(true)
    expect(overflow.length).toBeGreaterThan(0)
    await small.close()
  })
})

describe('TreeCache edges', () => {
  test('auto picks the persistent recursive watch on this server; the server lists one watch for the whole tree', async () => {
    const { client, chroot } = await chrootClient()
    await client.create('/w')
    await client.create('/w/a')
    await client.create('/w/a/b')
    const cache = new TreeCache(client, '/w')
    await cache.start()
    expect(cache.watchMode).toBe('persistent')
    const [host, port] = sharedServer().split(':')
    const wchp = await fourLetterWord(host!, Number(port), 'wchp')
    expect(wchp).toContain(`${chroot}/w`)
    expect(wchp).not.toContain(`${chroot}/w/a`)
    await cache.close()
  })

  test('wrong arguments are refused with InvalidArgumentError', async () => {
    const { client } = await chrootClient()
    expect(() => new TreeCache(client, 'relative')).toThrow(InvalidArgumentError)
    expect(() => new TreeCache(client, '/a', { maxDepth: -1 })).toThrow(/maxDepth must be an integer/)
    expect(() => new TreeCache(client, '/a', { maxNodes: 0 })).toThrow(InvalidArgumentError)
    expect(() => new TreeCache(client, '/a', { watchMode: 'fast' as never })).toThrow(/watchMode must be one of/)
    expect(() => new TreeCache(client, '/a', { depth: 2 } as never)).toThrow(/did you mean "maxDepth"/)
    expect(() => new TreeCache({} as never, '/a')).toThrow(/ZooKeeperClient/)
    expect(() => new TreeCache(client, '/a', 3 as never)).toThrow(InvalidArgumentError)
  })

  test('a closed client: start rejects; closing the client ends a running cache and its iterators', async () => {
    const { client, connectString } = await chrootClient()
    const other = await connect(connectString)
    await other.create('/x')
    const cache = new TreeCache(other, '/x')
    await cache.start()
    const it = cache[Symbol.asyncIterator]()
    const failed = new Promise((resolve) => cache.on('failed', resolve))
    await other.close()
    expect(await failed).toBeInstanceOf(ClientClosedError)
    await expect(it.next()).rejects.toBeInstanceOf(ClientClosedError)
    expect(cache.get('/x')).toBeDefined() // the last view stays readable
    await client.close()
    await expect(new TreeCache(client, '/x').start()).rejects.toBeInstanceOf(ClientClosedError)
  })

  test('close() during a cut-off start does not hang, and start rejects', async () => {
    const { chroot } = await chrootClient()
    const { client, proxy } = await proxiedClient(chroot)
    await cutOff(client, proxy)
    const cache = new TreeCache(client, '/x')
    const started = cache.start()
    await cache.close()
    await expect(started).rejects.toThrow()
  })
})
