/**
 * A configuration watch: the latest data and Stat of one node, and every later value, as kazoo's
 * DataWatch and Curator's NodeCache give. Built on one-shot watches with a single watcher function
 * for the watch's whole life, so re-arming never piles up watchers, and re-read after each event,
 * each reconnect and each new session, so the value after the last change is always delivered.
 */
import { EventEmitter } from 'node:events'
import type { ZooKeeperClient } from '../client/client.js'
import type { WatchedEvent } from '../client/watch-event.js'
import { checkFunction, checkOptions, checkSignal, describe } from '../common/check.js'
import { InvalidArgumentError, NoNodeError } from '../common/errors.js'
import { validatePath } from '../common/paths.js'
import type { StateChange } from '../session/state.js'
import type { Stat } from '../protocol/records.js'
import { backOff, clientClosedError, isRetryable, whenReadable } from './connection.js'
import { WorkFlag } from './work-flag.js'

/** One value of a watched node. */
export interface NodeSnapshot<T> {
  /** The watched path. */
  path: string
  /** The node's Stat, or null while the node does not exist. */
  stat: Stat | null
  /** The decoded data; undefined when the node does not exist or the decoder failed. */
  data: T | undefined
  /** The raw bytes; undefined when the node does not exist. */
  raw: Buffer | undefined
  /** What the decoder threw for these bytes, if it did. */
  error?: unknown
}

/** Turns a node's bytes into a value. */
export type Decoder<T> = (raw: Buffer, stat: Stat) => T

/** Options of {@link watchNode}. */
export interface WatchNodeOptions<T> {
  /** Turns the bytes into a value (default: the Buffer itself). See {@link jsonDecoder}. */
  decode?: Decoder<T>
  /** Closes the watch when aborted. */
  signal?: AbortSignal
}

/** Events of a {@link NodeWatch}. */
export interface NodeWatchEvents<T> {
  /** A new value (the first read included). */
  change: [snapshot: NodeSnapshot<T>]
  /** The watch ended on an error it cannot recover from (NoAuth, a closed client). */
  failed: [error: unknown]
}

/**
 * A decoder for UTF-8 JSON data. Empty data decodes to `null` (a node created without data).
 *
 * @example
 * ```ts
 * const config = watchNode<{ level: string }>(zk, '/app/config', { decode: jsonDecoder() })
 * ```
 */
export function jsonDecoder<T = unknown>(): Decoder<T> {
  return (raw) => (raw.length === 0 ? null : JSON.parse(raw.toString('utf8'))) as T
}

/** Same value: the same node incarnation (czxid) at the same data change (mzxid), or both absent. */
function sameValue(a: Stat | null, b: Stat | null): boolean {
  if (a === null || b === null) return a === b
  return a.czxid === b.czxid && a.mzxid === b.mzxid
}

/**
 * The watch returned by {@link watchNode}. Read `current`, listen to `'change'`, or iterate: the
 * iterator yields the latest value not yet seen by that loop (values that came and went while the
 * loop was busy are skipped, the newest never is).
 */
export class NodeWatch<T = Buffer> extends EventEmitter<NodeWatchEvents<T>> implements AsyncIterable<NodeSnapshot<T>> {
  private snapshot: NodeSnapshot<T> | undefined
  private generation = 0
  private closedFlag = false
  private failure: unknown
  private readonly work = new WorkFlag()
  private readonly waiters = new Set<() => void>()
  private readonly done: Promise<void>
  /** Aborts the loop's waits and calls when the watch closes. */
  private readonly stop = new AbortController()

  /** Use {@link watchNode}. */
  constructor(
    private readonly client: ZooKeeperClient,
    /** The watched path. */
    readonly path: string,
    private readonly decode: Decoder<T> | undefined,
    private readonly signal: AbortSignal | undefined,
  ) {
    super()
    client.on('state', this.onState)
    signal?.addEventListener('abort', this.onAbort, { once: true })
    this.done = this.run()
  }

  /** The latest value, or undefined before the first read. */
  get current(): NodeSnapshot<T> | undefined {
    return this.snapshot
  }

  /** True once closed (or failed). */
  get closed(): boolean {
    return this.closedFlag
  }

  /** Resolves with the first value (at once if there is one); rejects if the watch fails or closes first. */
  ready(): Promise<NodeSnapshot<T>> {
    if (this.snapshot !== undefined) return Promise.resolve(this.snapshot)
    return new Promise((resolve, reject) => {
      const check = (): void => {
        if (this.snapshot !== undefined) resolve(this.snapshot)
        else if (this.closedFlag) reject(this.failure ?? clientClosedError(`watchNode ${this.path}`))
        else return
        this.waiters.delete(check)
      }
      this.waiters.add(check)
    })
  }

  /** Stops watching; iterators end. Resolves once the loop has stopped. */
  async close(): Promise<void> {
    this.finish(undefined)
    await this.done
  }

  /** Values in order of change; each loop sees the newest value it has not seen yet. */
  [Symbol.asyncIterator](): AsyncIterator<NodeSnapshot<T>> {
    let seen = 0
    return {
      next: () =>
        new Promise<IteratorResult<NodeSnapshot<T>>>((resolve, reject) => {
          const check = (): boolean => {
            if (this.snapshot !== undefined && this.generation > seen) {
              seen = this.generation
              resolve({ value: this.snapshot, done: false })
            } else if (this.closedFlag) {
              if (this.failure !== undefined) reject(this.failure)
              else resolve({ value: undefined, done: true })
            } else return false
            return true
          }
          if (check()) return
          const waiter = (): void => {
            if (check()) this.waiters.delete(waiter)
          }
          this.waiters.add(waiter)
        }),
      return: async () => {
        await this.close()
        return { value: undefined, done: true }
      },
    }
  }

  private readonly watcher = (event: WatchedEvent): void => {
    // Any event (a change, or the final one when the session ended) means: read again.
    void event
    this.kick()
  }

  private readonly onState = (change: StateChange): void => {
    // After a reconnect the session re-arms the watch and the server fires it for missed changes;
    // reading once more costs one round trip and does not depend on that.
    if (change.state === 'reconnected' || change.state === 'connected') this.kick()
    if (change.state === 'closed') this.finish(clientClosedError(`watchNode ${this.path}`))
  }

  private readonly onAbort = (): void => this.finish(undefined)

  private kick(): void {
    this.work.set()
  }

  private finish(failure: unknown): void {
    if (this.closedFlag) return
    this.closedFlag = true
    this.failure = failure
    this.stop.abort()
    this.client.off('state', this.onState)
    this.signal?.removeEventListener('abort', this.onAbort)
    // The one-shot watch stays on the server until it fires; drop it here so no event reaches us.
    void this.client.removeWatches(this.path, 'any', { watcher: this.watcher, local: true }).catch(() => {})
    if (failure !== undefined && this.listenerCount('failed') > 0) this.emit('failed', failure)
    this.kick()
    this.notify()
  }

  private notify(): void {
    for (const w of [...this.waiters]) w()
  }

  private publish(stat: Stat | null, raw: Buffer | undefined): void {
    if (this.snapshot !== undefined && sameValue(this.snapshot.stat, stat)) return
    const next: NodeSnapshot<T> = { path: this.path, stat, raw, data: undefined }
    if (raw !== undefined && stat !== null) {
      try {
        next.data = this.decode === undefined ? (raw as T) : this.decode(raw, stat)
      } catch (error) {
        next.error = error
      }
    }
    this.snapshot = next
    this.generation++
    this.emit('change', next)
    this.notify()
  }

  private async run(): Promise<void> {
    for (let attempt = 0; !this.closedFlag; ) {
      if (!this.work.isSet) {
        await this.work.park()
        continue
      }
      this.work.clear()
      try {
        await whenReadable(this.client, `watchNode ${this.path}`, this.stop.signal)
        try {
          const { data, stat } = await this.client.getData(this.path, { watcher: this.watcher, signal: this.stop.signal })
          if (!this.closedFlag) this.publish(stat, data)
        } catch (error) {
          if (!(error instanceof NoNodeError)) throw error
          // The data watch is left as an exists watch on a missing node (the Java client's rule).
          const stat = await this.client.exists(this.path, { watcher: this.watcher, signal: this.stop.signal })
          if (stat !== null) this.work.set() // created in between: read its data
          else if (!this.closedFlag) this.publish(null, undefined)
        }
        attempt = 0
      } catch (error) {
        if (this.closedFlag) break
        if (this.client.state === 'closed') {
          this.finish(clientClosedError(`watchNode ${this.path}`))
          break
        }
        if (!isRetryable(error)) {
          this.finish(error)
          break
        }
        this.work.set()
        await backOff(this.client, attempt++, this.stop.signal).catch(() => {})
      }
    }
  }
}

/**
 * Watches one node: the first value as soon as it is read, then every later one. The value after
 * the last change is always delivered, across connection losses (the watch is re-armed and the
 * node re-read on reconnect) and session expiry (a new watch in the new session). A value is
 * published when the node's incarnation or data version changes, not for changes of its children.
 * A missing node is a snapshot with `stat: null`; its creation is reported.
 *
 * Don't set a persistent watch (`addWatch`) on the same path with the same client on ZooKeeper
 * 3.8 servers: the server mixes the two kinds (ZOOKEEPER-4466).
 *
 * @example
 * ```ts
 * const config = watchNode(zk, '/app/config', { decode: jsonDecoder<{ level: string }>() })
 * for await (const { data, stat } of config) {
 *   if (stat !== null) applyConfig(data)
 * }
 * ```
 */
export function watchNode<T = Buffer>(client: ZooKeeperClient, path: string, options?: WatchNodeOptions<T>): NodeWatch<T> {
  if (client === null || typeof client !== 'object' || typeof (client as ZooKeeperClient).getData !== 'function') {
    throw new InvalidArgumentError(`watchNode: the first argument must be a ZooKeeperClient, got ${describe(client)}`)
  }
  validatePath(path)
  const o = checkOptions(options, ['decode', 'signal'], 'watchNode', { decoder: 'did you mean "decode"?', watcher: 'watchNode gives every value: use for await or on("change")' })
  const decode = checkFunction<Decoder<T>>(o.decode, 'decode', 'watchNode')
  return new NodeWatch<T>(client, path, decode, checkSignal(o.signal, 'watchNode'))
}
