/**
 * WatchRegistry's handling of a plain persistent or child watch beside a recursive watch on the
 * same path (ZOOKEEPER-4466: before 3.9 a server keeps one mode per session and path): the
 * recursive watch's child events stand in for the node's NodeChildrenChanged, and a reconnect
 * re-arms only the recursive mode there. The real-server behaviour is in
 * test/conformance/watch-modes.test.ts and test/failover/ensemble.test.ts.
 */
import { describe, expect, it } from 'vitest'
import { EventType } from '../../src/protocol/constants.js'
import { type RawWatcher, WatchRegistry } from '../../src/session/watches.js'

const noop = (): RawWatcher => () => {}

describe('WatchRegistry beside a recursive watch', () => {
  it('derives NodeChildrenChanged of the node from its direct children created or deleted', () => {
    const registry = new WatchRegistry()
    const recursive = noop()
    const plain = noop()
    const child = noop()
    registry.add('persistentRecursive', '/p', recursive)
    registry.add('persistent', '/p', plain)
    registry.add('child', '/p', child)
    expect(registry.trigger(EventType.NodeCreated, '/p/c')).toEqual([recursive])
    expect(registry.derived(EventType.NodeCreated, '/p/c')).toEqual({ path: '/p', watchers: [child, plain] })
    // The one-shot child watch fired; the plain one stays.
    expect(registry.derived(EventType.NodeDeleted, '/p/c')).toEqual({ path: '/p', watchers: [plain] })
    // Grandchildren and data changes are no child events of /p.
    expect(registry.derived(EventType.NodeCreated, '/p/c/g')).toBeNull()
    expect(registry.derived(EventType.NodeDataChanged, '/p/c')).toBeNull()
  })

  it("drops the server's own NodeChildrenChanged for the plain watch, so it never gets one twice", () => {
    const registry = new WatchRegistry()
    const plain = noop()
    const child = noop()
    registry.add('persistentRecursive', '/p', noop())
    registry.add('persistent', '/p', plain)
    registry.add('child', '/p', child)
    expect(registry.trigger(EventType.NodeChildrenChanged, '/p')).toEqual([child]) // a catch-up event, say
    expect(registry.trigger(EventType.NodeChildrenChanged, '/p')).toEqual([])
  })

  it('derives nothing without a recursive watch on the parent, or a hold', () => {
    const registry = new WatchRegistry()
    const plain = noop()
    registry.add('persistent', '/p', plain)
    registry.add('persistentRecursive', '/', noop()) // an ancestor's recursive watch is no stand-in
    expect(registry.derived(EventType.NodeCreated, '/p/c')).toBeNull()
    expect(registry.trigger(EventType.NodeChildrenChanged, '/p')).toEqual([plain])
    const release = registry.holdDerived('/p')
    expect(registry.derived(EventType.NodeCreated, '/p/c')).toEqual({ path: '/p', watchers: [plain] })
    release()
    release() // harmless twice
    expect(registry.derived(EventType.NodeCreated, '/p/c')).toBeNull()
    expect(registry.derived(EventType.NodeCreated, '/')).toBeNull()
  })

  it('re-arms only the recursive mode where both are held', () => {
    const registry = new WatchRegistry()
    registry.add('persistent', '/p', noop())
    registry.add('persistentRecursive', '/p', noop())
    registry.add('persistent', '/q', noop())
    expect(registry.paths()).toMatchObject({ persistentWatches: ['/q'], persistentRecursiveWatches: ['/p'] })
  })
})
