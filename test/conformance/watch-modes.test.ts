/**
 * One-shot and persistent watches on the same path, on every server version, and what differs
 * between versions: the event zxid (3.9+) and removing persistent watches by their own watcher
 * types 4 and 5 (3.9+). Before 3.9 (ZOOKEEPER-4466) a server keeps one watch mode per session and
 * path, so a one-shot watch armed beside a persistent one silently ends it; the client serves such
 * one-shot watches from its persistent watch instead. Every assertion states what the server
 * under test (test/support/server-version.ts) gives.
 */
import { describe, expect, it } from 'vitest'
import type { PersistentWatch, WatchedEvent } from '../../src/index.js'
import { eventZxid, serverAtLeast } from '../support/server-version.js'
import { chrootClient } from '../support/zk.js'
import { EventQueue, brief, serverWatchPaths, take } from './helpers.js'

/** Bounded: enough rounds that a lost persistent watch shows at once, few enough to stay fast. */
const ROUNDS = 200

/** Collects a persistent watch's events through its listener-free iterator, in the background. */
function collect(watch: PersistentWatch): WatchedEvent[] {
  const seen: WatchedEvent[] = []
  void (async () => {
    for await (const e of watch) seen.push(e)
  })()
  return seen
}

describe('a one-shot and a persistent watch on one path (ZOOKEEPER-4466)', () => {
  it('getData watches set again and again never cost the persistent watch an event', async () => {
    const { client } = await chrootClient()
    await client.create('/p', 'v')
    const watch = await client.addWatch('/p')
    const seen = collect(watch)
    const oneShot = new EventQueue()
    for (let i = 0; i < ROUNDS; i++) {
      await client.getData('/p', { watcher: oneShot.watcher })
      await client.setData('/p', `${i}a`) // fires both; the event arrives before this reply
      await client.setData('/p', `${i}b`) // the persistent watch alone
    }
    expect(seen.length).toBe(2 * ROUNDS)
    expect(seen.every((e) => e.type === 'NodeDataChanged')).toBe(true)
    expect(oneShot.count).toBe(ROUNDS) // each one-shot fired exactly once
    expect(watch.closed).toBe(false)
    await watch.remove()
  })

  it('child watches beside a persistent watch: every NodeChildrenChanged reaches both', async () => {
    const { client } = await chrootClient()
    await client.create('/p')
    const watch = await client.addWatch('/p')
    const seen = collect(watch)
    const oneShot = new EventQueue()
    for (let i = 0; i < ROUNDS / 4; i++) {
      await client.getChildren('/p', { watcher: oneShot.watcher })
      await client.create(`/p/c${i}`)
      await client.create(`/p/d${i}`) // the persistent watch alone
      await client.exists('/p', { watcher: oneShot.watcher })
      await client.setData('/p', `${i}a`)
      await client.setData('/p', `${i}b`) // the persistent watch alone
    }
    const round = ['NodeChildrenChanged', 'NodeChildrenChanged', 'NodeDataChanged', 'NodeDataChanged']
    expect(seen.map((e) => e.type)).toEqual(Array.from({ length: ROUNDS / 4 }, () => round).flat())
    expect(oneShot.count).toBe(ROUNDS / 2)
    await watch.remove()
  })

  it('a recursive watch keeps its whole subtree while exists watches come and go on its root', async () => {
    const { client } = await chrootClient()
    await client.create('/r')
    const watch = await client.addWatch('/r', { recursive: true })
    const seen = collect(watch)
    const oneShot = new EventQueue()
    for (let i = 0; i < ROUNDS / 4; i++) {
      await client.exists('/r', { watcher: oneShot.watcher })
      await client.setData('/r', String(i))
      await client.create(`/r/c${i}`) // a descendant: only the recursive watch cares
    }
    expect(seen.map(brief)).toEqual(Array.from({ length: ROUNDS / 4 }, (_, i) => ['NodeDataChanged /r', `NodeCreated /r/c${i}`]).flat())
    expect(oneShot.count).toBe(ROUNDS / 4)
    await watch.remove()
  })

  it('a child watch beside a recursive watch on the same node fires', async () => {
    const { client } = await chrootClient()
    await client.create('/r')
    const watch = await client.addWatch('/r', { recursive: true })
    const seen = collect(watch)
    const children = new EventQueue()
    await client.getChildren('/r', { watcher: children.watcher })
    await client.create('/r/a')
    expect(brief(await children.next())).toBe('NodeChildrenChanged /r')
    await client.create('/r/a/b')
    expect(seen.map(brief)).toEqual(['NodeCreated /r/a', 'NodeCreated /r/a/b'])
    await watch.remove()
  })

  it('a read sent while addWatch is still in flight does not replace the persistent watch', async () => {
    const { client } = await chrootClient()
    await client.create('/p')
    const oneShot = new EventQueue()
    const adding = client.addWatch('/p') // not awaited: the read below follows it on the wire
    await client.getData('/p', { watcher: oneShot.watcher })
    const watch = await adding
    const seen = collect(watch)
    for (let i = 0; i < 5; i++) await client.setData('/p', String(i))
    expect(seen.length).toBe(5)
    expect(oneShot.count).toBe(1)
    await watch.remove()
  })

  it('a persistent watch added over a one-shot watch serves both', async () => {
    const { client } = await chrootClient()
    await client.create('/p')
    const oneShot = new EventQueue()
    await client.getData('/p', { watcher: oneShot.watcher })
    const watch = await client.addWatch('/p')
    const seen = collect(watch)
    for (let i = 0; i < 5; i++) await client.setData('/p', String(i))
    expect(seen.length).toBe(5)
    expect(oneShot.count).toBe(1)
    await watch.remove()
  })

  it("removeWatches('data') beside a persistent watch leaves the persistent watch whole (ZOOKEEPER-4471)", async () => {
    const { client } = await chrootClient()
    await client.create('/p')
    const watch = await client.addWatch('/p')
    const seen = collect(watch)
    const oneShot = new EventQueue()
    await client.getData('/p', { watcher: oneShot.watcher })
    await client.getChildren('/p', { watcher: oneShot.watcher })
    await client.removeWatches('/p', 'data')
    await client.removeWatches('/p', 'children', { watcher: oneShot.watcher })
    expect(oneShot.all.map(brief)).toEqual(['DataWatchRemoved /p', 'ChildWatchRemoved /p'])
    await client.setData('/p', 'x')
    await client.create('/p/c')
    expect(seen.map(brief)).toEqual(['NodeDataChanged /p', 'NodeChildrenChanged /p'])
    expect(oneShot.count).toBe(2)
    await watch.remove()
  })

  it('removing the persistent watch hands its one-shot watches to the server, which fires them', async () => {
    const { client, chroot } = await chrootClient()
    await client.create('/p')
    const watch = await client.addWatch('/p')
    const oneShot = new EventQueue()
    await client.getData('/p', { watcher: oneShot.watcher }) // served by the persistent watch
    await client.getChildren('/p', { watcher: oneShot.watcher })
    await watch.remove()
    expect(await serverWatchPaths(client)).toEqual([`${chroot}/p`])
    await client.setData('/p', 'x')
    expect(brief(await oneShot.next())).toBe('NodeDataChanged /p')
    await client.create('/p/c')
    expect(brief(await oneShot.next())).toBe('NodeChildrenChanged /p')
    expect(oneShot.count).toBe(2)
  })
})

describe('removing a persistent watch while a read it serves is in flight', () => {
  it("arms that read's one-shot watch on the server too", async () => {
    const { client } = await chrootClient()
    await client.create('/p')
    const watch = await client.addWatch('/p')
    const oneShot = new EventQueue()
    const read = client.getData('/p', { watcher: oneShot.watcher }) // sent unarmed: the persistent watch serves it
    await watch.remove()
    await read
    await client.setData('/p', 'x')
    expect(brief(await oneShot.next())).toBe('NodeDataChanged /p')
  })
})

describe('removing persistent watches by watcher type', () => {
  it('Persistent (4) on 3.9 removes just that watch; 3.8 refuses it and keeps the watch on the server', async () => {
    const { client, chroot } = await chrootClient()
    await client.create('/p')
    const children = new EventQueue()
    await client.getChildren('/p', { watcher: children.watcher }) // armed on the server first
    const watch = await client.addWatch('/p')
    await watch.remove() // a child watch remains on the path, so not WatcherType.Any
    await client.create('/p/c')
    expect(brief(await children.next())).toBe('NodeChildrenChanged /p')
    // Now this client holds no watch on /p. 3.9 removed the persistent one by its own type; 3.8
    // knows only types 1 to 3, so its persistent watch stays on the server (its events are dropped).
    expect(await serverWatchPaths(client)).toEqual(serverAtLeast('3.9') ? [] : [`${chroot}/p`])
  })

  it('PersistentRecursive (5) on 3.9 removes just that watch; 3.8 keeps it on the server', async () => {
    const { client, chroot } = await chrootClient()
    await client.create('/r')
    const watch = await client.addWatch('/r', { recursive: true })
    const children = new EventQueue()
    await client.getChildren('/r', { watcher: children.watcher }) // a recursive watch sends no child events
    await client.removeWatches('/r', 'persistentRecursive')
    expect(watch.closed).toBe(true)
    await client.create('/r/c')
    expect(brief(await children.next())).toBe('NodeChildrenChanged /r')
    expect(await serverWatchPaths(client)).toEqual(serverAtLeast('3.9') ? [] : [`${chroot}/r`])
  })
})

describe('a persistent and a recursive watch on one path', () => {
  // Before 3.9 the server keeps one of the two modes; the client keeps only the recursive one
  // there and derives the plain watch's NodeChildrenChanged from the recursive watch's child events.
  it('plain, then recursive: both see exactly their own events', async () => {
    const { client } = await chrootClient()
    await client.create('/p')
    const plain = collect(await client.addWatch('/p'))
    const recursive = collect(await client.addWatch('/p', { recursive: true }))
    const child = await client.create('/p/c')
    await client.create('/p/c/g')
    await client.setData('/p', 'x')
    await client.delete('/p/c/g')
    await client.delete('/p/c')
    expect(recursive.map(brief)).toEqual(['NodeCreated /p/c', 'NodeCreated /p/c/g', 'NodeDataChanged /p', 'NodeDeleted /p/c/g', 'NodeDeleted /p/c'])
    expect(plain.map(brief)).toEqual(['NodeChildrenChanged /p', 'NodeDataChanged /p', 'NodeChildrenChanged /p'])
    expect(plain[0]).toEqual({ type: 'NodeChildrenChanged', state: 'SyncConnected', path: '/p', ...eventZxid(child.stat.czxid) })
  })

  it('recursive, then plain: the recursive watch keeps its subtree, the plain one gets its children events', async () => {
    const { client } = await chrootClient()
    await client.create('/p')
    const recursive = collect(await client.addWatch('/p', { recursive: true }))
    const plain = collect(await client.addWatch('/p'))
    await client.create('/p/c')
    await client.create('/p/c/g')
    await client.delete('/p/c/g')
    expect(recursive.map(brief)).toEqual(['NodeCreated /p/c', 'NodeCreated /p/c/g', 'NodeDeleted /p/c/g'])
    expect(plain.map(brief)).toEqual(['NodeChildrenChanged /p'])
  })

  it('removing the recursive watch gives the plain one back to the server, without a gap or a duplicate', async () => {
    const { client, chroot } = await chrootClient()
    await client.create('/p')
    const plainWatch = await client.addWatch('/p')
    const plain = collect(plainWatch)
    const recursiveWatch = await client.addWatch('/p', { recursive: true })
    await client.create('/p/a')
    await recursiveWatch.remove()
    await client.create('/p/b')
    await client.create('/p/b/g') // nobody watches this any more
    await client.setData('/p', 'x')
    expect(plain.map(brief)).toEqual(['NodeChildrenChanged /p', 'NodeChildrenChanged /p', 'NodeDataChanged /p'])
    expect(recursiveWatch.closed).toBe(true)
    expect(await serverWatchPaths(client)).toEqual([`${chroot}/p`])
    await plainWatch.remove()
  })

  it('removing the plain watch leaves the recursive one whole', async () => {
    const { client } = await chrootClient()
    await client.create('/p')
    const recursive = collect(await client.addWatch('/p', { recursive: true }))
    await client.addWatch('/p')
    await client.removeWatches('/p', 'persistent')
    await client.create('/p/c')
    await client.create('/p/c/g')
    expect(recursive.map(brief)).toEqual(['NodeCreated /p/c', 'NodeCreated /p/c/g'])
  })

  it('a child watch armed before a recursive watch on its node still fires, once', async () => {
    const { client } = await chrootClient()
    await client.create('/p')
    const children = new EventQueue()
    await client.getChildren('/p', { watcher: children.watcher })
    const recursive = collect(await client.addWatch('/p', { recursive: true }))
    await client.create('/p/c') // the event arrives before this reply
    await client.create('/p/d')
    expect(recursive.map(brief)).toEqual(['NodeCreated /p/c', 'NodeCreated /p/d'])
    expect(children.all.map(brief)).toEqual(['NodeChildrenChanged /p'])
  })

  it('a child watch set beside a recursive watch is served by it, and handed to the server when it goes', async () => {
    const { client } = await chrootClient()
    await client.create('/p')
    const watch = await client.addWatch('/p', { recursive: true })
    const children = new EventQueue()
    await client.getChildren('/p', { watcher: children.watcher })
    await watch.remove()
    await client.create('/p/c')
    expect(children.all.map(brief)).toEqual(['NodeChildrenChanged /p'])
  })
})

describe('the event zxid', () => {
  it('persistent and recursive watch events name the transaction that fired them on 3.9+, none before', async () => {
    const { client } = await chrootClient()
    const watch = await client.addWatch('/p')
    const recursive = await client.addWatch('/', { recursive: true }) // another path: see the next describe
    const created = await client.create('/p')
    const changed = await client.setData('/p', 'x')
    const child = await client.create('/p/c')
    await client.delete('/p/c')
    const parent = await client.exists('/p') // its pzxid is now the delete's zxid
    await client.delete('/p')
    const events = await take(watch, 5)
    expect(events.slice(0, 4)).toEqual([
      { type: 'NodeCreated', state: 'SyncConnected', path: '/p', ...eventZxid(created.stat.czxid) },
      { type: 'NodeDataChanged', state: 'SyncConnected', path: '/p', ...eventZxid(changed.mzxid) },
      { type: 'NodeChildrenChanged', state: 'SyncConnected', path: '/p', ...eventZxid(child.stat.czxid) },
      { type: 'NodeChildrenChanged', state: 'SyncConnected', path: '/p', ...eventZxid(parent!.pzxid) },
    ])
    expect(events[4]).toMatchObject({ type: 'NodeDeleted', path: '/p' })
    if (serverAtLeast('3.9')) expect(events[4]!.zxid).toBeGreaterThan(parent!.pzxid)
    else expect(events[4]).not.toHaveProperty('zxid')
    const subtree = await take(recursive, 2)
    expect(subtree).toEqual([
      { type: 'NodeCreated', state: 'SyncConnected', path: '/p', ...eventZxid(created.stat.czxid) },
      { type: 'NodeDataChanged', state: 'SyncConnected', path: '/p', ...eventZxid(changed.mzxid) },
    ])
  })

  it('the events the client makes itself (removals, the final event) carry none', async () => {
    const { client } = await chrootClient()
    await client.create('/a')
    const q = new EventQueue()
    await client.getData('/a', { watcher: q.watcher })
    await client.removeWatches('/a', 'data')
    await client.exists('/a', { watcher: q.watcher })
    await client.close()
    expect(q.all).toEqual([
      { type: 'DataWatchRemoved', state: 'SyncConnected', path: '/a' },
      { type: 'None', state: 'Closed', path: '/a' },
    ])
  })
})
