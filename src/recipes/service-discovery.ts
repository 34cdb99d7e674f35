/**
 * Service discovery: the live instances of one service, read from Curator's layout
 * (`<basePath>/<service>/<node>`, one JSON instance per node) and kept current by watches.
 *
 * A child watch on the service's node tells when instances come and go; a data watch on each
 * instance node tells when one changes. All reads go through one loop that re-reads only what a
 * watch said is stale, so two reads never race to update the view. After any reconnect the whole
 * view is read again: a resumed session gets missed events from the server, but a new session
 * (after an expiry) has no watches left, and a full read costs little.
 */
import { EventEmitter } from 'node:events'
import type { ZooKeeperClient } from '../client/client.js'
import { InvalidArgumentError, NoNodeError } from '../common/errors.js'
import type { WatchedEvent } from '../client/watch-event.js'
import { validatePath } from '../common/paths.js'
import type { StateChange } from '../session/state.js'
import { backOff, deferred, isRetryable, sleep, whenReadable } from './connection.js'
import { type ServiceInstance, parseServiceInstance } from './service-instance.js'
import { DEFAULT_SERVICES_PATH } from './service-registry.js'
import { basename, joinPath } from '../common/paths.js'
import { AsyncQueue } from '../common/async-queue.js'
import { checkOptions, checkSignal, checkString, describe } from '../common/check.js'
import { type PickStrategy, randomPicker, roundRobinPicker } from './instance-pickers.js'
import { sortById } from './service-query.js'

export { type InstancePicker, type PickStrategy, randomPicker, roundRobinPicker } from './instance-pickers.js'
export { listServices, queryInstances } from './service-query.js'

/** Options of {@link ServiceDiscovery}. */
export interface ServiceDiscoveryOptions {
  /** Parent of every service's node (default `/services`, as {@link ServiceRegistry}). */
  basePath?: string
}

/** One change of the view: the instances after it, and what differs from before. */
export interface ServiceChange<P> {
  /** Every live instance, sorted by id. */
  instances: ServiceInstance<P>[]
  /** Instances that appeared. */
  added: ServiceInstance<P>[]
  /** Instances that are gone (as they were last seen). */
  removed: ServiceInstance<P>[]
  /** Instances whose data changed (new values). */
  updated: ServiceInstance<P>[]
}

/** Events of a {@link ServiceDiscovery}. */
export interface ServiceDiscoveryEvents<P> {
  /** The view changed (the first complete read counts as a change if it found instances). */
  change: [change: ServiceChange<P>]
  /** A node under the service holds data that is not a service instance; it is left out. */
  invalid: [details: { path: string; error: Error }]
  /** A read failed for a reason other than the connection (e.g. no permission); it is retried. Emitted only if listened to. */
  error: [error: Error]
}

interface Entry<P> {
  instance: ServiceInstance<P>
  /** The node's raw data, to tell a real change from a rewrite of the same bytes. */
  raw: string
}

/**
 * The live instances of one service, kept current.
 *
 * @example
 * ```ts
 * const api = new ServiceDiscovery(zk, 'api')
 * await api.start()
 * api.on('change', ({ added, removed }) => console.log('+', added.length, '-', removed.length))
 * const target = api.pick('roundRobin') // a ServiceInstance, or undefined when none is up
 * for await (const instances of api.snapshots()) console.log(instances.map((i) => i.id))
 * ```
 */
export class ServiceDiscovery<P = unknown> extends EventEmitter<ServiceDiscoveryEvents<P>> implements AsyncDisposable {
  /** The service's name. */
  readonly service: string
  /** The service's node, `<basePath>/<service>`. */
  readonly path: string
  private readonly client: ZooKeeperClient
  /** The nodes as read so far (possibly mid-update). */
  private readonly nodes = new Map<string, Entry<P>>()
  /** The view as last published: what `instances` and `pick` serve. */
  private published = new Map<string, Entry<P>>()
  private readonly pickers = { random: randomPicker<P>(), roundRobin: roundRobinPicker<P>() }
  /** Snapshot iterators: called with each published view, and with null when the discovery closes. */
  private readonly snapshotListeners = new Set<(instances: ServiceInstance<P>[] | null) => void>()
  private readonly firstRead = deferred<void>()
  private readonly stop = new AbortController()
  private started = false
  private isReady = false
  private closed = false
  private pumping = false
  private needChildren = true
  private needAll = true
  private readonly needData = new Set<string>()
  /**
   * Nodes that hold no valid instance, with the data that was reported: a bad node is reported once
   * and re-read only when its data watch fires (or after a reconnect), not on every child event.
   */
  private readonly invalid = new Map<string, string>()
  private watchingExistence = false

  private readonly onState = (change: StateChange): void => {
    // The client closed: no view will come any more, so snapshot iterators end.
    if (change.state === 'closed') for (const listener of [...this.snapshotListeners]) listener(null)
    if (change.state === 'reconnected' || change.state === 'readOnly') {
      this.needChildren = this.needAll = true
      void this.pump()
    }
  }

  private readonly onChildEvent = (event: WatchedEvent): void => {
    if (event.type === 'NodeChildrenChanged' || event.type === 'NodeDeleted') this.markChildren()
  }

  private readonly onExistsEvent = (event: WatchedEvent): void => {
    if (event.type === 'NodeCreated' || event.type === 'NodeDeleted' || event.type === 'NodeDataChanged') {
      this.watchingExistence = false
      this.markChildren()
    }
  }

  private readonly onDataEvent = (event: WatchedEvent): void => {
    if (this.closed || (event.type !== 'NodeDataChanged' && event.type !== 'NodeDeleted')) return
    this.needData.add(basename(event.path))
    void this.pump()
  }

  /**
   * @param client a client of the ensemble (a chroot applies).
   * @param service the service's name.
   * @param options `basePath` (default `/services`).
   */
  constructor(client: ZooKeeperClient, service: string, options: ServiceDiscoveryOptions = {}) {
    super()
    checkOptions(options, ['basePath'], 'new ServiceDiscovery', { ':string': (v) => `pass { basePath: ${JSON.stringify(v)} }`, path: 'use { basePath }' })
    checkString(service, 'service', 'new ServiceDiscovery')
    checkString(options.basePath, 'basePath', 'new ServiceDiscovery')
    this.client = client
    this.service = service
    this.path = joinPath(options.basePath ?? DEFAULT_SERVICES_PATH, service)
    validatePath(this.path, 'service path')
    // The first read may fail; start() reports it, so an unobserved rejection must not crash.
    this.firstRead.promise.catch(() => {})
  }

  /**
   * Starts watching and resolves with the instances once the first complete read is done
   * (waiting for a connection if needed). Calling it again returns the same first read.
   *
   * @example
   * ```ts
   * const instances = await new ServiceDiscovery(zk, 'api').start()
   * ```
   */
  async start(): Promise<ServiceInstance<P>[]> {
    if (!this.started && !this.closed) {
      this.started = true
      this.client.on('state', this.onState)
      void this.pump()
    }
    await this.firstRead.promise
    return this.instances
  }

  /** True once the first complete read is done. */
  get ready(): boolean {
    return this.isReady
  }

  /** The live instances as last read, sorted by id (empty before the first read). */
  get instances(): ServiceInstance<P>[] {
    return sortById([...this.published.values()].map((e) => e.instance))
  }

  /**
   * One live, enabled instance (`enabled: false` ones are skipped), or undefined when there is
   * none: `'roundRobin'` (the default, as Curator's provider) takes each in turn, `'random'` any.
   *
   * @example
   * ```ts
   * const instance = api.pick()
   * if (instance) await fetch(buildUri(instance))
   * ```
   */
  pick(strategy: PickStrategy = 'roundRobin'): ServiceInstance<P> | undefined {
    const picker = this.pickers[strategy]
    if (picker === undefined || !Object.hasOwn(this.pickers, strategy)) throw new InvalidArgumentError(`pick: strategy must be 'random' or 'roundRobin', got ${describe(strategy)}`)
    return picker(this.instances)
  }

  /**
   * The view as an async iterator: the current instances first (once read), then the instances
   * after each change. A slow consumer gets the latest view, not every intermediate one: a view
   * is worth having only while it is current. Ends when the discovery or its client closes, or
   * `signal` aborts; starts the discovery if needed.
   *
   * @example
   * ```ts
   * for await (const instances of api.snapshots()) render(instances)
   * ```
   */
  snapshots(options: { signal?: AbortSignal } = {}): AsyncIterableIterator<ServiceInstance<P>[], undefined> {
    checkOptions(options, ['signal'], 'snapshots')
    const signal = checkSignal(options.signal, 'snapshots')
    const finish = (): void => queue.end()
    const queue = new AsyncQueue<ServiceInstance<P>[]>({
      latestOnly: true,
      onReturn: () => {
        this.snapshotListeners.delete(onSnapshot)
        signal?.removeEventListener('abort', finish)
      },
    })
    const onSnapshot = (instances: ServiceInstance<P>[] | null): void => {
      if (instances === null) queue.end()
      else queue.push(instances)
    }
    if (this.closed || this.client.state === 'closed' || signal?.aborted === true) {
      queue.end()
      return queue
    }
    if (this.isReady) queue.push(this.instances)
    this.snapshotListeners.add(onSnapshot)
    signal?.addEventListener('abort', finish, { once: true })
    this.start().catch(() => {})
    return queue
  }

  /** Closes the discovery: `await using api = new ServiceDiscovery(zk, 'api')` stops it when the scope ends. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close()
  }

  /**
   * Stops watching (removing its watches); snapshot iterators end. The last view stays readable.
   *
   * @example
   * ```ts
   * await api.close()
   * ```
   */
  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    this.stop.abort(new Error('service discovery closed'))
    this.client.off('state', this.onState)
    this.firstRead.reject(new Error(`service discovery of ${this.service} was closed before its first read`))
    for (const listener of [...this.snapshotListeners]) listener(null)
    // Leave no watches behind on the server (local: also when it cannot be reached).
    const removals = [...this.nodes.keys(), ...this.invalid.keys()].map((name) => this.removeWatch(joinPath(this.path, name), 'data', this.onDataEvent))
    removals.push(this.removeWatch(this.path, 'children', this.onChildEvent))
    if (this.watchingExistence) removals.push(this.removeWatch(this.path, 'data', this.onExistsEvent))
    await Promise.all(removals)
  }

  // ---------------------------------------------------------------- reading

  private markChildren(): void {
    if (this.closed) return
    this.needChildren = true
    void this.pump()
  }

  /** The one read loop: runs while something is stale; failed reads are redone after a reconnect. */
  private async pump(): Promise<void> {
    if (this.pumping || this.closed || !this.started) return
    this.pumping = true
    let attempt = 0
    try {
      while (!this.closed && (this.needChildren || this.needData.size > 0)) {
        try {
          await whenReadable(this.client, `discovery of ${this.service}`, this.stop.signal)
          await this.readOnce()
          attempt = 0
        } catch (error) {
          if (this.closed) return
          if (this.client.state === 'closed') {
            this.firstRead.reject(error)
            return
          }
          // Whatever was being read is redone in full.
          this.needChildren = this.needAll = true
          if (isRetryable(error)) {
            await backOff(this.client, attempt++)
          } else {
            if (this.listenerCount('error') > 0) this.emit('error', error as Error)
            await sleep(1_000, this.stop.signal).catch(() => {})
          }
        }
      }
    } finally {
      this.pumping = false
    }
  }

  private async readOnce(): Promise<void> {
    if (this.needChildren) {
      const full = this.needAll
      this.needChildren = this.needAll = false
      const names = await this.readChildren()
      if (names === null) return // the service node appeared meanwhile: list again
      const present = new Set(names)
      for (const name of this.nodes.keys()) if (!present.has(name)) this.nodes.delete(name)
      for (const name of this.invalid.keys()) if (!present.has(name)) this.invalid.delete(name)
      for (const name of names) if (full || (!this.nodes.has(name) && !this.invalid.has(name))) this.needData.add(name)
    }
    const batch = [...this.needData]
    this.needData.clear()
    // Pipelined: one round trip for the whole batch.
    const entries = await Promise.all(batch.map((name) => this.readInstance(name)))
    batch.forEach((name, i) => {
      const entry = entries[i]
      if (entry === null || entry === undefined) this.nodes.delete(name)
      else this.nodes.set(name, entry)
    })
    if (!this.needChildren && this.needData.size === 0) this.publish()
  }

  /** The instance nodes' names, watching for changes; null when the list must be read again. */
  private async readChildren(): Promise<string[] | null> {
    try {
      return (await this.client.getChildren(this.path, { watcher: this.onChildEvent })).children
    } catch (error) {
      if (!(error instanceof NoNodeError)) throw error
    }
    // No service node (yet, or it was an empty container the server removed): watch for its creation.
    this.watchingExistence = true
    if ((await this.client.exists(this.path, { watcher: this.onExistsEvent })) === null) return []
    this.watchingExistence = false
    this.needChildren = true
    return null
  }

  private async readInstance(name: string): Promise<Entry<P> | null> {
    const path = joinPath(this.path, name)
    let data: Buffer
    try {
      data = (await this.client.getData(path, { watcher: this.onDataEvent })).data
    } catch (error) {
      if (error instanceof NoNodeError) {
        this.invalid.delete(name)
        return null
      }
      throw error
    }
    const raw = data.toString('utf8')
    const known = this.nodes.get(name)
    if (known !== undefined && known.raw === raw) return known
    try {
      const entry = { instance: parseServiceInstance<P>(data), raw }
      this.invalid.delete(name)
      return entry
    } catch (error) {
      // Watched anyway (getData set the watch), so a later valid write is picked up. The same bad
      // bytes read again (after a reconnect) are not reported again.
      if (this.invalid.get(name) !== raw) this.emit('invalid', { path, error: error as Error })
      this.invalid.set(name, raw)
      return null
    }
  }

  /** Publishes the view and emits what changed since the last one; the first read makes the view ready. */
  private publish(): void {
    const before = this.published
    this.published = new Map(this.nodes)
    const added: ServiceInstance<P>[] = []
    const removed: ServiceInstance<P>[] = []
    const updated: ServiceInstance<P>[] = []
    for (const [name, entry] of this.nodes) {
      const old = before.get(name)
      if (old === undefined) added.push(entry.instance)
      else if (old.raw !== entry.raw) updated.push(entry.instance)
    }
    for (const [name, entry] of before) if (!this.nodes.has(name)) removed.push(entry.instance)
    const changed = added.length + removed.length + updated.length > 0
    const firstTime = !this.isReady
    if (firstTime) {
      this.isReady = true
      this.firstRead.resolve()
    }
    if (!changed && !firstTime) return
    const instances = this.instances
    if (changed) this.emit('change', { instances, added: sortById(added), removed: sortById(removed), updated: sortById(updated) })
    for (const listener of [...this.snapshotListeners]) listener(instances)
  }

  private async removeWatch(path: string, type: 'data' | 'children', watcher: (event: WatchedEvent) => void): Promise<void> {
    await this.client.removeWatches(path, type, { watcher, local: true }).catch(() => {})
  }
}
