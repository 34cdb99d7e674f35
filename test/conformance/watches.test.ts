/**
 * One-shot watches against a real server, with ZooKeeper's exact trigger rules: which read sets
 * which watch, which change fires it, that it fires once, that it is set only when the read
 * succeeds, and that every watch ends with a final event when the client closes.
 *
 * A change made by the watching client itself needs no extra wait: the server sends the
 * notification before the reply to the write. For a change by another client, a round trip on
 * the watching client afterwards guarantees any notification has arrived (the server queues it
 * on the watcher's connection before it answers that client's next request).
 */
import { describe, expect, it } from 'vitest'
import { NoNodeError, type WatchedEvent } from '../../src/index.js'
import { eventZxid } from '../support/server-version.js'
import { chrootClient, connect, sharedServer } from '../support/zk.js'
import { EventQueue, brief, within } from './helpers.js'

describe('exists watches', () => {
  it('on a missing node fire NodeCreated', async () => {
    const { client } = await chrootClient()
    const q = new EventQueue()
    expect(await client.exists('/a', { watcher: q.watcher })).toBeNull()
    const { stat } = await client.create('/a')
    // 3.9+ names the transaction that fired the watch: here the create.
    expect(await q.next()).toEqual({ type: 'NodeCreated', state: 'SyncConnected', path: '/a', ...eventZxid(stat.czxid) })
  })

  it('on an existing node fire NodeDataChanged or NodeDeleted, not child changes', async () => {
    const { client } = await chrootClient()
    await client.create('/a')
    const q = new EventQueue()
    await client.exists('/a', { watcher: q.watcher })
    await client.create('/a/child')
    expect(q.count).toBe(0)
    await client.setData('/a', 'x')
    expect(brief(await q.next())).toBe('NodeDataChanged /a')
    await client.exists('/a', { watcher: q.watcher })
    await client.delete('/a/child')
    await client.delete('/a')
    expect(brief(await q.next())).toBe('NodeDeleted /a')
    expect(q.count).toBe(2)
  })

  it('see changes made by other clients', async () => {
    const { client, connectString } = await chrootClient()
    const other = await connect(connectString)
    const q = new EventQueue()
    await client.exists('/a', { watcher: q.watcher })
    await other.create('/a', 'x')
    expect(brief(await q.next())).toBe('NodeCreated /a')
  })
})

describe('data watches', () => {
  it('fire NodeDataChanged once, then are gone', async () => {
    const { client } = await chrootClient()
    await client.create('/a', 'v0')
    const q = new EventQueue()
    await client.getData('/a', { watcher: q.watcher })
    const changed = await client.setData('/a', 'v1')
    expect(await q.next()).toEqual({ type: 'NodeDataChanged', state: 'SyncConnected', path: '/a', ...eventZxid(changed.mzxid) })
    await client.setData('/a', 'v2')
    await client.delete('/a')
    expect(q.count).toBe(1)
  })

  it('fire NodeDeleted when the node goes', async () => {
    const { client, connectString } = await chrootClient()
    const other = await connect(connectString)
    await client.create('/a')
    const q = new EventQueue()
    await client.getData('/a', { watcher: q.watcher })
    await other.delete('/a')
    expect(brief(await q.next())).toBe('NodeDeleted /a')
  })

  it('are not set when the read fails: getData on a missing node leaves no watch', async () => {
    const { client } = await chrootClient()
    const q = new EventQueue()
    await expect(client.getData('/a', { watcher: q.watcher })).rejects.toThrow(NoNodeError)
    await client.create('/a')
    await client.setData('/a', 'x')
    await client.delete('/a')
    expect(q.count).toBe(0)
    await expect(client.removeWatches('/a', 'data', { watcher: q.watcher })).rejects.toMatchObject({ code: 'NOWATCHER' })
  })
})

describe('child watches', () => {
  it('fire NodeChildrenChanged on a child create and on a child delete, once each', async () => {
    const { client } = await chrootClient()
    await client.create('/p')
    const q = new EventQueue()
    await client.getChildren('/p', { watcher: q.watcher })
    const child = await client.create('/p/a')
    expect(await q.next()).toEqual({ type: 'NodeChildrenChanged', state: 'SyncConnected', path: '/p', ...eventZxid(child.stat.czxid) })
    await client.create('/p/b') // the watch was one-shot
    expect(q.count).toBe(1)
    await client.getChildren('/p', { watcher: q.watcher })
    await client.setData('/p', 'x') // data changes do not fire child watches
    await client.setData('/p/a', 'x') // nor do changes of a child's data
    expect(q.count).toBe(1)
    await client.delete('/p/a')
    expect(brief(await q.next())).toBe('NodeChildrenChanged /p')
  })

  it('fire NodeDeleted when the parent itself goes', async () => {
    const { client } = await chrootClient()
    await client.create('/p')
    const q = new EventQueue()
    await client.getChildren('/p', { watcher: q.watcher })
    await client.delete('/p')
    expect(brief(await q.next())).toBe('NodeDeleted /p')
  })

  it('are not set on a missing node', async () => {
    const { client } = await chrootClient()
    const q = new EventQueue()
    await expect(client.getChildren('/p', { watcher: q.watcher })).rejects.toThrow(NoNodeError)
    await client.create('/p')
    await client.create('/p/a')
    expect(q.count).toBe(0)
  })
})

describe('delivery rules', () => {
  it('the same watcher on the same path fires once, however many reads set it', async () => {
    const { client } = await chrootClient()
    await client.create('/a')
    const q = new EventQueue()
    await client.getData('/a', { watcher: q.watcher })
    await client.getData('/a', { watcher: q.watcher })
    await client.exists('/a', { watcher: q.watcher })
    await client.getChildren('/a', { watcher: q.watcher })
    await client.delete('/a') // fires the data, exist and child watch at once
    expect(q.all.map(brief)).toEqual(['NodeDeleted /a'])
  })

  it('the same watcher set by concurrent reads fires once, and again once re-set after firing', async () => {
    const { client } = await chrootClient()
    await client.create('/a')
    const q = new EventQueue()
    await Promise.all([client.getData('/a', { watcher: q.watcher }), client.exists('/a', { watcher: q.watcher }), client.getData('/a', { watcher: q.watcher })])
    await client.setData('/a', '1')
    expect(q.all.map(brief)).toEqual(['NodeDataChanged /a'])
    for (let i = 2; i <= 4; i++) {
      await client.getData('/a', { watcher: q.watcher })
      await client.setData('/a', String(i))
    }
    expect(q.all.map(brief)).toEqual(Array(4).fill('NodeDataChanged /a'))
  })

  it('different watchers on the same path each fire', async () => {
    const { client } = await chrootClient()
    await client.create('/a')
    const q1 = new EventQueue()
    const q2 = new EventQueue()
    await client.getData('/a', { watcher: q1.watcher })
    await client.exists('/a', { watcher: q2.watcher })
    await client.setData('/a', 'x')
    expect(brief(await q1.next())).toBe('NodeDataChanged /a')
    expect(brief(await q2.next())).toBe('NodeDataChanged /a')
  })

  it('one watcher function on several paths fires for each path, with that path', async () => {
    const { client } = await chrootClient()
    await client.create('/a')
    await client.create('/b')
    const q = new EventQueue()
    await client.getData('/a', { watcher: q.watcher })
    await client.getData('/b', { watcher: q.watcher })
    await client.setData('/b', '1')
    await client.setData('/a', '1')
    expect(q.all.map(brief)).toEqual(['NodeDataChanged /b', 'NodeDataChanged /a'])
  })

  it('events arrive in the order the changes were made', async () => {
    const { client, connectString } = await chrootClient()
    const writer = await connect(connectString)
    const names = ['n0', 'n1', 'n2', 'n3', 'n4', 'n5']
    for (const n of names) await client.create(`/${n}`)
    const q = new EventQueue()
    for (const n of names) await client.getData(`/${n}`, { watcher: q.watcher })
    await client.getChildren('/', { watcher: q.watcher })
    const order = ['n3', 'n0', 'n5', 'n1', 'n4', 'n2']
    await writer.multi([{ type: 'setData', path: '/n3', data: 'x' }]) // one transaction, one event
    for (const n of order.slice(1)) void writer.setData(`/${n}`, 'x') // pipelined
    await writer.create('/last')
    await client.sync('/')
    await client.exists('/') // a round trip after the writer's last change
    expect(q.all.map(brief)).toEqual([...order.map((n) => `NodeDataChanged /${n}`), 'NodeChildrenChanged /'])
  })

  it('a watcher that throws does not stop other watchers or the client', async () => {
    const { client } = await chrootClient()
    await client.create('/a')
    const q = new EventQueue()
    const uncaught: unknown[] = []
    const onUncaught = (e: unknown): void => void uncaught.push(e)
    process.on('uncaughtException', onUncaught)
    try {
      await client.getData('/a', { watcher: () => { throw new Error('watcher bug') } })
      await client.getData('/a', { watcher: q.watcher })
      await client.setData('/a', 'x')
      expect(brief(await q.next())).toBe('NodeDataChanged /a')
      expect((await client.getData('/a')).data.toString()).toBe('x')
      await within(new Promise<void>((r) => setImmediate(r)), 1_000, 'a tick')
      expect(uncaught).toHaveLength(1)
    } finally {
      process.off('uncaughtException', onUncaught)
    }
  })
})

describe('awaitable watches', () => {
  it('watchData resolves `changed` with the next change', async () => {
    const { client } = await chrootClient()
    await client.create('/a', 'v0')
    const { data, stat, changed } = await client.watchData('/a')
    expect(data.toString()).toBe('v0')
    expect(stat.version).toBe(0)
    const next = await client.setData('/a', 'v1')
    expect(await changed).toEqual({ type: 'NodeDataChanged', state: 'SyncConnected', path: '/a', ...eventZxid(next.mzxid) })
  })

  it('watchExists works on a missing node; watchChildren on a parent', async () => {
    const { client } = await chrootClient()
    const { stat, changed } = await client.watchExists('/p')
    expect(stat).toBeNull()
    await client.create('/p')
    expect(brief(await changed)).toBe('NodeCreated /p')
    const children = await client.watchChildren('/p')
    expect(children.children).toEqual([])
    await client.create('/p/x')
    expect(brief(await children.changed)).toBe('NodeChildrenChanged /p')
  })

  it('watchData on a missing node rejects and leaves no watch', async () => {
    const { client } = await chrootClient()
    await expect(client.watchData('/a')).rejects.toThrow(NoNodeError)
    await expect(client.removeWatches('/a', 'any')).rejects.toMatchObject({ code: 'NOWATCHER' })
  })
})

describe('closing the client', () => {
  it('every outstanding watch gets a final None/Closed event', async () => {
    const { client } = await chrootClient()
    await client.create('/a')
    const q = new EventQueue()
    const other = new EventQueue()
    await client.getData('/a', { watcher: q.watcher })
    await client.exists('/missing', { watcher: q.watcher })
    await client.getChildren('/a', { watcher: other.watcher })
    const awaited = await client.watchData('/a')
    const persistent = await client.addWatch('/a')
    const iterated = (async () => {
      const seen: WatchedEvent[] = []
      for await (const e of persistent) seen.push(e)
      return seen
    })()
    await client.close()
    // One final event per (watcher, path), each with the watched path.
    expect(q.all.map((e) => `${e.type} ${e.state} ${e.path}`).sort()).toEqual(['None Closed /a', 'None Closed /missing'])
    expect(other.all).toEqual([{ type: 'None', state: 'Closed', path: '/a' }])
    expect(await within(awaited.changed, 1_000, 'the awaitable watch to settle')).toEqual({ type: 'None', state: 'Closed', path: '/a' })
    expect(await within(iterated, 1_000, 'the persistent watch iterator to end')).toEqual([{ type: 'None', state: 'Closed', path: '/a' }])
    expect(persistent.closed).toBe(true)
  })
})

describe('chroot', () => {
  it('event paths come back without the chroot; a chroot-less client sees full paths', async () => {
    const { client, chroot } = await chrootClient()
    const root = await connect(sharedServer())
    const inside = new EventQueue()
    const outside = new EventQueue()
    await client.exists('/a', { watcher: inside.watcher })
    await root.exists(`${chroot}/a`, { watcher: outside.watcher })
    await root.getChildren(chroot, { watcher: outside.watcher })
    const { path } = await client.create('/a')
    expect(path).toBe('/a')
    expect(brief(await inside.next())).toBe('NodeCreated /a')
    await root.exists('/')
    expect(outside.all.map(brief).sort()).toEqual([`NodeChildrenChanged ${chroot}`, `NodeCreated ${chroot}/a`].sort())
  })

  it('a watch on the chroot itself is reported as "/"', async () => {
    const { client } = await chrootClient()
    const q = new EventQueue()
    await client.getChildren('/', { watcher: q.watcher })
    await client.create('/x')
    expect(brief(await q.next())).toBe('NodeChildrenChanged /')
  })
})
