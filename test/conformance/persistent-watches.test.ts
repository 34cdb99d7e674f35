/**
 * Persistent and recursive watches (`addWatch`, ZooKeeper 3.6+) and `removeWatches` against a
 * real server. Writes are made by the watching client, so their events have arrived by the time
 * each write's reply does.
 */
import { describe, expect, it } from 'vitest'
import { NoWatcherError, type PersistentWatch, type WatchedEvent } from '../../src/index.js'
import { chrootClient, connect, sharedServer } from '../support/zk.js'
import { EventQueue, brief, serverWatchPaths, take, within } from './helpers.js'

/** Iterates `watch` to its end (its final event), in the background. */
function drain(watch: PersistentWatch): Promise<WatchedEvent[]> {
  return (async () => {
    const seen: WatchedEvent[] = []
    for await (const e of watch) seen.push(e)
    return seen
  })()
}

describe('persistent watches', () => {
  it('see the node\'s own changes and its children changing, and stay after firing', async () => {
    const { client } = await chrootClient()
    const watch = await client.addWatch('/p') // the node need not exist
    expect(watch).toMatchObject({ path: '/p', recursive: false, closed: false })
    await client.create('/p')
    await client.setData('/p', '1')
    await client.create('/p/c')
    await client.setData('/p/c', 'x') // a child's data: not this watch's business
    await client.create('/p/c/g') // nor a grandchild
    await client.setData('/p', '2')
    await client.delete('/p/c/g')
    await client.delete('/p/c')
    await client.delete('/p')
    await client.create('/p') // still watching after NodeDeleted
    const events = await take(watch, 7)
    expect(events.map(brief)).toEqual([
      'NodeCreated /p',
      'NodeDataChanged /p',
      'NodeChildrenChanged /p',
      'NodeDataChanged /p',
      'NodeChildrenChanged /p',
      'NodeDeleted /p',
      'NodeCreated /p',
    ])
    expect(events.every((e) => e.state === 'SyncConnected')).toBe(true)
  })

  it('recursive: sees every descendant created, changed and deleted, never NodeChildrenChanged', async () => {
    const { client } = await chrootClient()
    await client.create('/r')
    const watch = await client.addWatch('/r', { recursive: true })
    expect(watch.recursive).toBe(true)
    const all = drain(watch)
    await client.create('/r/a')
    await client.create('/r/a/b', 'x')
    await client.setData('/r/a/b', 'y')
    await client.setData('/r', 'z')
    await client.create('/elsewhere') // outside the subtree
    await client.delete('/r/a/b')
    await client.delete('/r/a')
    await watch.remove()
    expect((await within(all, 1_000, 'the iterator to end')).map(brief)).toEqual([
      'NodeCreated /r/a',
      'NodeCreated /r/a/b',
      'NodeDataChanged /r/a/b',
      'NodeDataChanged /r',
      'NodeDeleted /r/a/b',
      'NodeDeleted /r/a',
      'PersistentWatchRemoved /r',
    ])
    expect(watch.closed).toBe(true)
  })

  it('a listener sees the same events as the iterator', async () => {
    const { client } = await chrootClient()
    const q = new EventQueue()
    const watch = await client.addWatch('/', { recursive: true, listener: q.watcher })
    // With a listener, the iterator sees events from its creation on (nothing is kept before it).
    const taken = take(watch, 2)
    await client.create('/x')
    await client.create('/x/y')
    expect((await taken).map(brief)).toEqual(['NodeCreated /x', 'NodeCreated /x/y'])
    expect(q.all.map(brief)).toEqual(['NodeCreated /x', 'NodeCreated /x/y', 'PersistentWatchRemoved /'])
  })

  it('unread events are kept, never dropped', async () => {
    const { client } = await chrootClient()
    await client.create('/n', '0')
    const watch = await client.addWatch('/n')
    for (let i = 1; i <= 200; i++) void client.setData('/n', String(i))
    await client.sync('/n')
    const events = await take(watch, 200)
    expect(events.every((e) => e.type === 'NodeDataChanged')).toBe(true)
  })

  it('event paths come back without the chroot, and a chroot-less client sees full paths', async () => {
    const { client, chroot } = await chrootClient()
    const root = await connect(sharedServer())
    const outside = await root.addWatch(chroot, { recursive: true })
    const inside = await client.addWatch('/', { recursive: true })
    await client.create('/a')
    await client.create('/a/b')
    expect((await take(inside, 2)).map(brief)).toEqual(['NodeCreated /a', 'NodeCreated /a/b'])
    expect((await take(outside, 2)).map(brief)).toEqual([`NodeCreated ${chroot}/a`, `NodeCreated ${chroot}/a/b`])
  })
})

describe('removing persistent watches', () => {
  it('leaving a for-await loop removes the watch from the server', async () => {
    const { client } = await chrootClient()
    const watch = await client.addWatch('/p')
    await client.create('/p')
    for await (const event of watch) {
      expect(brief(event)).toBe('NodeCreated /p')
      break
    }
    expect(watch.closed).toBe(true)
    // Neither the client nor the server holds a watch on /p any more.
    await expect(client.removeWatches('/p', 'persistent')).rejects.toThrow(NoWatcherError)
    expect(await serverWatchPaths(client)).toEqual([])
  })

  it('remove() ends the iterator with a PersistentWatchRemoved event', async () => {
    const { client } = await chrootClient()
    const watch = await client.addWatch('/p', { recursive: true })
    const all = drain(watch)
    await client.create('/p')
    await watch.remove()
    await client.setData('/p', 'after')
    expect((await all).map(brief)).toEqual(['NodeCreated /p', 'PersistentWatchRemoved /p'])
    await watch.remove() // a second remove is harmless
    expect(await serverWatchPaths(client)).toEqual([])
  })

  it('removing a persistent watch keeps a one-shot watch on the same path working', async () => {
    const { client, chroot } = await chrootClient()
    await client.create('/p')
    const q = new EventQueue()
    const watch = await client.addWatch('/p')
    await client.getData('/p', { watcher: q.watcher })
    await watch.remove()
    expect(watch.closed).toBe(true)
    expect(await serverWatchPaths(client)).toEqual([`${chroot}/p`])
    await client.setData('/p', 'x')
    expect(await q.next()).toMatchObject({ type: 'NodeDataChanged', path: '/p' })
    expect(q.count).toBe(1)
  })

  it('removeWatches(path, "persistent") removes the server\'s watch too', async () => {
    const { client, chroot } = await chrootClient()
    const first = drain(await client.addWatch('/p'))
    const second = drain(await client.addWatch('/p'))
    await client.addWatch('/other')
    expect(await serverWatchPaths(client)).toEqual([`${chroot}/other`, `${chroot}/p`])
    await client.removeWatches('/p', 'persistent')
    expect((await first).map(brief)).toEqual(['PersistentWatchRemoved /p'])
    expect((await second).map(brief)).toEqual(['PersistentWatchRemoved /p'])
    expect(await serverWatchPaths(client)).toEqual([`${chroot}/other`])
  })

  it('two watches on one path: removing one keeps the other on the server', async () => {
    const { client } = await chrootClient()
    const first = await client.addWatch('/p')
    const second = await client.addWatch('/p')
    const firstEvents = drain(first)
    await first.remove()
    await client.create('/p')
    expect((await take(second, 1)).map(brief)).toEqual(['NodeCreated /p'])
    expect((await firstEvents).map(brief)).toEqual(['PersistentWatchRemoved /p'])
  })

  it('removeWatches(path, "persistentRecursive") ends every recursive watch of the path', async () => {
    const { client } = await chrootClient()
    const watch = await client.addWatch('/p', { recursive: true })
    const plain = await client.addWatch('/p')
    const all = drain(watch)
    await client.removeWatches('/p', 'persistentRecursive')
    expect((await all).map(brief)).toEqual(['PersistentWatchRemoved /p'])
    await client.create('/p')
    expect((await take(plain, 1)).map(brief)).toEqual(['NodeCreated /p'])
  })
})

describe('removeWatches', () => {
  it('with a watcher: removes only that watcher, which gets DataWatchRemoved', async () => {
    const { client } = await chrootClient()
    await client.create('/a')
    const removed = new EventQueue()
    const kept = new EventQueue()
    await client.getData('/a', { watcher: removed.watcher })
    await client.exists('/a', { watcher: kept.watcher })
    await client.removeWatches('/a', 'data', { watcher: removed.watcher })
    expect(removed.all).toEqual([{ type: 'DataWatchRemoved', state: 'SyncConnected', path: '/a' }])
    await client.setData('/a', 'x')
    expect(brief(await kept.next())).toBe('NodeDataChanged /a')
    expect(removed.count).toBe(1)
  })

  it('without a watcher: removes every watch of that type, each told ChildWatchRemoved', async () => {
    const { client } = await chrootClient()
    await client.create('/a')
    const q1 = new EventQueue()
    const q2 = new EventQueue()
    const data = new EventQueue()
    await client.getChildren('/a', { watcher: q1.watcher })
    await client.getChildren('/a', { watcher: q2.watcher })
    await client.getData('/a', { watcher: data.watcher })
    await client.removeWatches('/a', 'children')
    expect(q1.all.map(brief)).toEqual(['ChildWatchRemoved /a'])
    expect(q2.all.map(brief)).toEqual(['ChildWatchRemoved /a'])
    await client.create('/a/c')
    await client.setData('/a', 'x')
    expect(brief(await data.next())).toBe('NodeDataChanged /a')
    expect(q1.count + q2.count).toBe(2)
  })

  it('"any" removes data, child and persistent watches alike', async () => {
    const { client } = await chrootClient()
    await client.create('/a')
    const q = new EventQueue()
    await client.getData('/a', { watcher: q.watcher })
    await client.getChildren('/a', { watcher: q.watcher })
    const watch = await client.addWatch('/a')
    const persistentEvents = drain(watch)
    await client.removeWatches('/a', 'any')
    expect(q.all.map(brief).sort()).toEqual(['ChildWatchRemoved /a', 'DataWatchRemoved /a'])
    expect((await persistentEvents).map(brief)).toEqual(['PersistentWatchRemoved /a'])
    await client.delete('/a')
    expect(q.count).toBe(2)
  })

  it('NoWatcherError when there is no such watch, with or without a watcher', async () => {
    const { client } = await chrootClient()
    await client.create('/a')
    const q = new EventQueue()
    const error = await client.removeWatches('/a', 'data', { watcher: q.watcher }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(NoWatcherError)
    expect(error).toMatchObject({ code: 'NOWATCHER', path: '/a', operation: 'removeWatches' })
    await expect(client.removeWatches('/a', 'children')).rejects.toThrow(NoWatcherError)
    await expect(client.removeWatches('/a', 'any')).rejects.toThrow(NoWatcherError)
    // A data watch is not a child watch.
    await client.getData('/a', { watcher: q.watcher })
    await expect(client.removeWatches('/a', 'children', { watcher: q.watcher })).rejects.toThrow(NoWatcherError)
    await expect(client.removeWatches('/a', 'children')).rejects.toThrow(NoWatcherError)
    expect(q.count).toBe(0)
  })

  it('a fired one-shot watch cannot be removed any more', async () => {
    const { client } = await chrootClient()
    await client.create('/a')
    const q = new EventQueue()
    await client.getData('/a', { watcher: q.watcher })
    await client.setData('/a', 'x')
    expect(q.count).toBe(1)
    await expect(client.removeWatches('/a', 'data', { watcher: q.watcher })).rejects.toThrow(NoWatcherError)
    await expect(client.removeWatches('/a', 'data')).rejects.toThrow(NoWatcherError)
  })
})
