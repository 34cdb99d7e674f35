/**
 * A tree cache: an in-memory mirror of a subtree (data and Stat of every node), as Curator's
 * CuratorCache and kazoo's TreeCache. On ZooKeeper 3.6+ it follows the tree with one persistent
 * recursive watch (plain reads, no one-shot watches); on older servers, or when asked, with a data
 * and a children watch per node. It never mixes the two kinds on a path (ZOOKEEPER-4466).
 */
import { EventEmitter } from 'node:events'
import type { ZooKeeperClient } from '../../client/client.js'
import type { PersistentWatch } from '../../client/persistent-watch.js'
import type { WatchedEvent } from '../../client/watch-event.js'
import { checkInteger, checkOneOf, checkOptions, checkSignal, describe } from '../../common/check.js'
import { InvalidArgumentError, NoNodeError, UnimplementedError, ZooKeeperError } from '../../common/errors.js'
import { validatePath } from '../../common/paths.js'
import type { StateChange } from '../../session/state.js'
import { clientClosedError, isRetryable, whenReadable } from '../connection.js'
import { type CachedNode, type Followups, type TreeCacheEvent, TreeState } from './tree-state.js'

export type { CachedNode, TreeCacheEvent } from './tree-state.js'

/** How the cache learns of changes. */
export type TreeCacheWatchMode = 'auto' | 'persistent' | 'oneShot'

/** Options of {@link TreeCache}. */
export interface TreeCacheOptions {
  /** Levels below the root to cache: 0 = the root only, 1 = the root and its children (default: no limit). */
  maxDepth?: number
  /** Most nodes to hold (default 1,000,000); past it new nodes are left out and `'overflow'` is emitted. */
  maxNodes?: number
  /**
   * `'auto'` (default): a persistent recursive watch when the server has `addWatch` (3.6+), else
   * one-shot watches; `'persistent'`: fail on older servers; `'oneShot'`: one-shot watches always.
   */
  watchMode?: TreeCacheWatchMode
  /** Closes the cache when aborted. */
  signal?: AbortSignal
}

/** Events of a {@link TreeCache}. */
export interface TreeCacheEvents {
  /** A node entered the cache (during the initial load too). */
  added: [event: Extract<TreeCacheEvent, { type: 'added' }>]
  /** A cached node's data changed (or it was deleted and created again). */
  changed: [event: Extract<TreeCacheEvent, { type: 'changed' }>]
  /** A node left the cache (children before their parent). */
  removed: [event: Extract<TreeCacheEvent, { type: 'removed' }>]
  /** The initial load is complete. */
  initialized: []
  /** A node was not cached because the cache holds `maxNodes` nodes. */
  overflow: [path: string]
  /** The cache stopped on an error it cannot recover from. */
  failed: [error: unknown]
}

type Read = 'data' | 'children' | 'load' | 'check'

/**
 * A mirror of the subtree at `root`. Start it with {@link TreeCache.start}; read it with
 * {@link TreeCache.get} and {@link TreeCache.children}; follow it with events or `for await`.
 *
 * Guarantees: every change on the server is reflected in order per node; after a reconnect the
 * cache re-syncs (each cached node's mzxid and pzxid tell what changed while it was cut off), and
 * after a session expiry it rebuilds (a new watch, then the same re-sync), so no stale or missing
 * node survives a connection problem. A node is reported `added` once, `changed` for each data
 * change the cache saw (changes between two reads coalesce), `removed` once.
 */
export class TreeCache extends EventEmitter<TreeCacheEvents> implements AsyncIterable<TreeCacheEvent> {
  /** The cached subtree's root. */
  readonly root: string
  private readonly state: TreeState
  private readonly wanted: TreeCacheWatchMode
  private modeInUse: 'persistent' | 'oneShot' | undefined
  private watch: PersistentWatch | undefined
  private seq = 0
  private inFlight = 0
  private initializedFlag = false
  private startPromise: Promise<void> | undefined
  private closedFlag = false
  private failure: unknown
  private readonly dirty = new Map<string, Read>()
  private readonly iterators = new Set<(event: TreeCacheEvent | null) => void>()
  private readonly stop = new AbortController()
  private initWaiters: Array<(error?: unknown) => void> = []
  private syncing: Promise<void> | undefined

  constructor(
    private readonly client: ZooKeeperClient,
    root: string,
    options?: TreeCacheOptions,
  ) {
    super()
    if (client === null || typeof client !== 'object' || typeof (client as ZooKeeperClient).getData !== 'function') {
      throw new InvalidArgumentError(`TreeCache: the first argument must be a ZooKeeperClient, got ${describe(client)}`)
    }
    validatePath(root)
    const o = checkOptions(options, ['maxDepth', 'maxNodes', 'watchMode', 'signal'], 'TreeCache', { depth: 'did you mean "maxDepth"?', mode: 'did you mean "watchMode"?' })
    const maxDepth = checkInteger(o.maxDepth, 'maxDepth', 'TreeCache', 0, 10_000) ?? Number.MAX_SAFE_INTEGER
    const maxNodes = checkInteger(o.maxNodes, 'maxNodes', 'TreeCache', 1, 100_000_000) ?? 1_000_000
    this.wanted = checkOneOf(o.watchMode, 'watchMode', 'TreeCache', ['auto', 'persistent', 'oneShot'] as const) ?? 'auto'
    const signal = checkSignal(o.signal, 'TreeCache')
    this.root = root
    this.state = new TreeState(root, maxDepth, maxNodes, (e) => this.publish(e), (p) => this.emit('overflow', p))
    signal?.addEventListener('abort', () => void this.close(), { once: true })
  }

  /** The watch kind in use once started: `'persistent'` (one recursive watch) or `'oneShot'`. */
  get watchMode(): 'persistent' | 'oneShot' | undefined {
    return this.modeInUse
  }

  /** True once the initial load has completed. */
  get initialized(): boolean {
    return this.initializedFlag
  }

  /** Number of cached nodes. */
  get size(): number {
    return this.state.size
  }

  /** True when a node was left out because of `maxNodes`. */
  get overflowed(): boolean {
    return this.state.overflowed
  }

  /** The cached node at `path`, or undefined. */
  get(path: string): CachedNode | undefined {
    return this.state.get(path)
  }

  /** The names of the cached children of `path`, sorted, or undefined when `path` is not cached. */
  children(path: string): string[] | undefined {
    return this.state.childrenOf(path)
  }

  /** The paths of all cached nodes. */
  paths(): string[] {
    return [...this.state.paths()]
  }

  /**
   * Sets the watch and loads the tree; resolves once the initial load is complete (`initialized`).
   * Rejects when the client closes or the cache is closed first, or with the server's error.
   */
  start(): Promise<void> {
    this.startPromise ??= (async () => {
      this.client.on('state', this.onState)
      await whenReadable(this.client, `TreeCache ${this.root}`, this.stop.signal)
      await this.arm()
      const initialized = new Promise<void>((resolve, reject) => this.initWaiters.push((e) => (e === undefined ? resolve() : reject(e))))
      this.load(this.root)
      await initialized
    })()
    return this.startPromise
  }

  /** Stops following the tree: removes the watches, ends iterators. The cached nodes stay readable. */
  async close(): Promise<void> {
    this.end(undefined)
    const removals: Promise<unknown>[] = [this.watch?.remove() ?? Promise.resolve()]
    if (this.modeInUse === 'oneShot') {
      // One-shot watches stay until they fire: take this cache's watcher off each path.
      for (const path of [this.root, ...this.state.paths()]) removals.push(this.client.removeWatches(path, 'any', { watcher: this.watcher, local: true }).catch(() => {}))
    }
    await Promise.allSettled(removals)
  }

  /** Every change from now on (events buffered per loop, none dropped); ends when the cache closes. */
  [Symbol.asyncIterator](): AsyncIterator<TreeCacheEvent> {
    const buffered: Array<TreeCacheEvent | null> = []
    let reader: ((event: TreeCacheEvent | null) => void) | undefined
    const sink = (event: TreeCacheEvent | null): void => {
      if (reader !== undefined) {
        const r = reader
        reader = undefined
        r(event)
      } else buffered.push(event)
    }
    if (this.closedFlag) buffered.push(null)
    else this.iterators.add(sink)
    return {
      next: async () => {
        const event = buffered.length > 0 ? buffered.shift()! : await new Promise<TreeCacheEvent | null>((resolve) => (reader = resolve))
        if (event === null) {
          buffered.push(null)
          if (this.failure !== undefined) throw this.failure
          return { value: undefined, done: true }
        }
        return { value: event, done: false }
      },
      return: async () => {
        this.iterators.delete(sink)
        return { value: undefined, done: true }
      },
    }
  }

  // ---------------------------------------------------------------- internals

  private publish(event: TreeCacheEvent): void {
    if (event.type === 'initialized') this.emit('initialized')
    else if (event.type === 'added') this.emit('added', event)
    else if (event.type === 'changed') this.emit('changed', event)
    else this.emit('removed', event)
    for (const sink of this.iterators) sink(event)
  }

  private end(failure: unknown): void {
    if (this.closedFlag) return
    this.closedFlag = true
    this.failure = failure
    this.stop.abort()
    this.client.off('state', this.onState)
    for (const w of this.initWaiters.splice(0)) w(failure ?? clientClosedError(`TreeCache ${this.root}`))
    if (failure !== undefined && this.listenerCount('failed') > 0) this.emit('failed', failure)
    for (const sink of this.iterators) sink(null)
    this.iterators.clear()
  }

  /** Sets the watch this mode needs: the persistent recursive one, or nothing up front for one-shot. */
  private async arm(): Promise<void> {
    if (this.wanted === 'oneShot' || this.modeInUse === 'oneShot') {
      this.modeInUse = 'oneShot'
      return
    }
    try {
      // maxDepth 0 (a node cache) needs only the node's own events.
      const recursive = this.state.maxDepth > 0
      const watch = await this.client.addWatch(this.root, { recursive, signal: this.stop.signal })
      this.watch = watch
      this.modeInUse = 'persistent'
      // Read with for-await rather than a listener: the watch keeps unread events for its iterator.
      void (async () => {
        for await (const event of watch) this.onPersistentEvent(event)
      })()
    } catch (error) {
      if (error instanceof UnimplementedError && this.wanted === 'auto') {
        this.modeInUse = 'oneShot' // a server before 3.6: no addWatch
        return
      }
      throw error
    }
  }

  private readonly onPersistentEvent = (event: WatchedEvent): void => {
    if (this.closedFlag || !this.state.within(event.path) || this.state.depth(event.path) > this.state.maxDepth) return
    // Each event is followed by a read: its answer, sequenced after everything read before, is
    // what the cache applies (a deletion too), so late replies cannot resurrect a node.
    if (event.type === 'NodeCreated' || event.type === 'NodeDataChanged' || event.type === 'NodeDeleted') this.read(event.path, 'data')
  }

  /** The one watcher of every one-shot watch this cache sets. */
  private readonly watcher = (event: WatchedEvent): void => {
    if (this.closedFlag) return
    switch (event.type) {
      case 'NodeDataChanged':
      case 'NodeDeleted':
        this.read(event.path, 'data')
        break
      case 'NodeChildrenChanged':
        this.read(event.path, 'children')
        break
      case 'NodeCreated':
        this.load(event.path)
        break
      default:
        break // the session ended: the new session rebuilds (onState)
    }
  }

  private readonly onState = (change: StateChange): void => {
    if (change.state === 'closed') this.end(clientClosedError(`TreeCache ${this.root}`))
    else if (change.state === 'reconnected' || (change.state === 'readOnly' && change.previous !== 'initial')) void this.resync(change.newSession)
  }

  /** After a reconnect: a new watch if the session is new, then compare every cached node with the server. */
  private resync(newSession: boolean): Promise<void> {
    const run = async (): Promise<void> => {
      if (this.closedFlag || this.startPromise === undefined) return
      try {
        if (newSession && this.modeInUse === 'persistent') await this.arm()
      } catch (error) {
        if (isRetryable(error)) return // the next reconnect tries again
        this.end(error)
        return
      }
      const dirty = [...this.dirty]
      this.dirty.clear()
      for (const [path, kind] of dirty) this.read(path, kind)
      if (this.modeInUse === 'oneShot' && !newSession) return // the session re-armed the watches; the server fires missed changes
      if (this.state.get(this.root) === undefined) this.load(this.root)
      for (const { path, stat } of this.state.snapshot()) {
        if (newSession && this.modeInUse === 'oneShot') this.load(path) // every watch is gone: read and watch again
        else this.check(path, stat.czxid, stat.mzxid, stat.pzxid)
      }
    }
    // One re-sync at a time; a reconnect during one queues another.
    this.syncing = (this.syncing ?? Promise.resolve()).then(run, run)
    return this.syncing
  }

  private load(path: string): void {
    this.read(path, 'data')
    if (this.state.depth(path) < this.state.maxDepth) this.read(path, 'children')
  }

  /** A cheap check of one node after a reconnect: exists, then data or children only if they moved. */
  private check(path: string, czxid: bigint, mzxid: bigint, pzxid: bigint): void {
    const seq = ++this.seq
    this.track(
      this.client.exists(path).then((stat) => {
        if (stat === null) return this.state.applyData(path, seq, null, null, { load: [], data: [] })
        if (stat.czxid !== czxid) return this.load(path)
        if (stat.mzxid !== mzxid) this.read(path, 'data')
        if (stat.pzxid !== pzxid && this.state.depth(path) < this.state.maxDepth) this.read(path, 'children')
      }),
      path,
      'check',
    )
  }

  private read(path: string, kind: Read): void {
    if (this.closedFlag) return
    if (kind === 'load') return this.load(path)
    if (kind === 'check') {
      const node = this.state.get(path)
      return node === undefined ? this.load(path) : this.check(path, node.stat.czxid, node.stat.mzxid, node.stat.pzxid)
    }
    const seq = ++this.seq
    const oneShot = this.modeInUse === 'oneShot'
    const options = oneShot ? { watcher: this.watcher } : {}
    const out: Followups = { load: [], data: [] }
    const applied =
      kind === 'data'
        ? this.client.getData(path, options).then(
            (r) => this.state.applyData(path, seq, r.data, r.stat, out),
            (error: unknown) => {
              if (!(error instanceof NoNodeError)) throw error
              this.state.applyData(path, seq, null, null, out)
              // A missing root is watched for its creation (children watches cover the rest).
              if (oneShot && path === this.root) return this.client.exists(path, options).then((stat) => (stat !== null ? this.load(path) : undefined))
            },
          )
        : this.client.getChildren(path, options).then(
            (r) => this.state.applyChildren(path, seq, r.children, r.stat, out),
            (error: unknown) => {
              if (!(error instanceof NoNodeError)) throw error
              this.state.applyChildren(path, seq, null, null, out)
            },
          )
    this.track(
      applied.then(() => {
        for (const p of out.load) this.load(p)
        for (const p of out.data) this.read(p, 'data')
      }),
      path,
      kind,
    )
  }

  private track(work: Promise<unknown>, path: string, kind: Read): void {
    this.inFlight++
    work
      .catch((error: unknown) => {
        if (this.closedFlag) return
        if (this.client.state === 'closed') return this.end(clientClosedError(`TreeCache ${this.root}`))
        if (error instanceof ZooKeeperError && (isRetryable(error) || error.code === 'NOAUTH')) {
          // Read again after the reconnect (a refused read is tried again then too).
          const had = this.dirty.get(path)
          this.dirty.set(path, had === undefined || had === kind ? kind : 'load')
          return
        }
        this.end(error)
      })
      .finally(() => {
        if (--this.inFlight > 0) return
        this.state.clearTombstones()
        // Reads that failed on a lost connection are redone after the reconnect: not loaded yet.
        if (this.dirty.size === 0 && !this.initializedFlag && !this.closedFlag && this.startPromise !== undefined) {
          this.initializedFlag = true
          this.publish({ type: 'initialized' })
          for (const w of this.initWaiters.splice(0)) w()
        }
      })
  }
}
