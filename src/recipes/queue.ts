/**
 * A work queue in Curator's DistributedQueue layout: each put is a PERSISTENT_SEQUENTIAL node
 * `queue-<seq>` whose data is Curator's item envelope; a consumer takes an item by creating the
 * EPHEMERAL node `<lockPath>/<item name>` (Curator's lockPath scheme), runs the handler, and only
 * then deletes item and lock together in one multi: at-least-once.
 */
import { EventEmitter } from 'node:events'
import type { ZooKeeperClient } from '../client/client.js'
import type { WatchedEvent } from '../client/watch-event.js'
import { checkFunction, checkInteger, checkOneOf, checkOptions, checkSignal, describe } from '../common/check.js'
import { InvalidArgumentError, NoNodeError, NodeExistsError } from '../common/errors.js'
import { joinPath, validatePath } from '../common/paths.js'
import type { StateChange } from '../session/state.js'
import { backOff, isRetryable, whenWritable } from './connection.js'
import { createWithParents, mkdirp } from './mkdirp.js'
import { decodeQueueItems, encodeQueueItems, type QueueSerializer, bufferSerializer } from './queue-format.js'
import { WorkFlag } from './work-flag.js'

export { decodeQueueItems, encodeQueueItems, bufferSerializer, stringSerializer, jsonSerializer, type QueueSerializer } from './queue-format.js'

/** Prefix of item nodes (Curator's `QUEUE_PREFIX`). */
export const QUEUE_PREFIX = 'queue-'

/** What happens to an item whose handler throws. */
export type QueueErrorMode = 'requeue' | 'delete'

/** Options of {@link DistributedQueue}. */
export interface DistributedQueueOptions<T> {
  /** Item bytes (default: Buffers as they are). Must match the producers' and Curator's serializer. */
  serializer?: QueueSerializer<T>
  /** Where consumers lock the items they work on (default `<path>-locks`); give Curator's consumers the same lockPath. */
  lockPath?: string
  /** Items handled at once by this consumer (default 1). */
  concurrency?: number
  /** `'requeue'` (default): a failed item goes to the back of the queue; `'delete'`: it is dropped. */
  onError?: QueueErrorMode
  /** Closes the queue when aborted. */
  signal?: AbortSignal
}

/** Events of a {@link DistributedQueue}. */
export interface DistributedQueueEvents<T> {
  /** A handler threw (the item was requeued or deleted as `onError` says). */
  handlerError: [error: unknown, item: T, node: string]
  /** An item node's data is not Curator's envelope or the serializer refused it; it is left in place. */
  badItem: [error: unknown, node: string]
}

/**
 * A distributed queue. Producers `put`; consumers `consume(handler)`.
 *
 * Ordering: items are taken in the order of their sequence numbers (the order the puts reached the
 * server); with `concurrency` > 1 or several consumers, handlers overlap and may finish in any
 * order; a requeued item goes to the back. Duplicates: an item is deleted only after its handler
 * succeeded, so a handler may run twice for one item (the consumer lost its session or connection
 * before the delete landed): make handlers idempotent. A `put` that fails with a connection loss
 * may or may not have been enqueued; retrying it can enqueue the item twice.
 *
 * @example
 * ```ts
 * const q = new DistributedQueue(zk, '/queues/mail', { serializer: jsonSerializer<Mail>(), concurrency: 4 })
 * await q.put({ to: 'a@example.com' })
 * await q.consume(async (mail) => send(mail))
 * ```
 */
export class DistributedQueue<T = Buffer> extends EventEmitter<DistributedQueueEvents<T>> {
  /** The lock folder. */
  readonly lockPath: string
  private readonly serializer: QueueSerializer<T>
  private readonly concurrency: number
  private readonly onError: QueueErrorMode
  private handler: ((item: T) => unknown) | undefined
  private readonly inProgress = new Set<string>()
  private readonly bad = new Set<string>()
  /** Items another consumer has locked: skipped until its lock node goes. */
  private readonly blocked = new Set<string>()
  private closedFlag = false
  private readonly work = new WorkFlag()
  private loop: Promise<void> | undefined
  private readonly stop = new AbortController()
  private readonly running = new Set<Promise<void>>()

  constructor(
    private readonly client: ZooKeeperClient,
    /** The queue's path. */
    readonly path: string,
    options?: DistributedQueueOptions<T>,
  ) {
    super()
    if (client === null || typeof client !== 'object' || typeof (client as ZooKeeperClient).multi !== 'function') {
      throw new InvalidArgumentError(`DistributedQueue: the first argument must be a ZooKeeperClient, got ${describe(client)}`)
    }
    validatePath(path)
    const o = checkOptions(options, ['serializer', 'lockPath', 'concurrency', 'onError', 'signal'], 'DistributedQueue', { maxItems: 'use concurrency (items handled at once)' })
    const s = o.serializer
    if (s !== undefined && (s === null || typeof s !== 'object' || typeof s.serialize !== 'function' || typeof s.deserialize !== 'function')) {
      throw new InvalidArgumentError(`DistributedQueue: serializer must be an object with serialize(item) and deserialize(bytes), got ${describe(s)}`)
    }
    this.serializer = s ?? (bufferSerializer as unknown as QueueSerializer<T>)
    this.lockPath = o.lockPath ?? `${path}-locks`
    validatePath(this.lockPath, 'lockPath')
    if (this.lockPath.startsWith(`${path}/`)) throw new InvalidArgumentError(`DistributedQueue: lockPath must not be under the queue path (Curator would see its nodes as foreign items), got ${this.lockPath}`)
    this.concurrency = checkInteger(o.concurrency, 'concurrency', 'DistributedQueue', 1, 10_000) ?? 1
    this.onError = checkOneOf(o.onError, 'onError', 'DistributedQueue', ['requeue', 'delete'] as const) ?? 'requeue'
    checkSignal(o.signal, 'DistributedQueue')?.addEventListener('abort', () => void this.close(), { once: true })
  }

  /** Adds one item; resolves with its node's path. Not retried (see the duplicate rules above). */
  put(item: T): Promise<string> {
    return this.putMulti([item])
  }

  /** Adds several items as one node (Curator's `putMulti`): they are taken, and removed, together. */
  async putMulti(items: readonly T[]): Promise<string> {
    if (!Array.isArray(items) || items.length === 0) throw new InvalidArgumentError(`DistributedQueue.putMulti: items must be a non-empty array, got ${describe(items)}`)
    const data = encodeQueueItems(items.map((item) => this.serializer.serialize(item)))
    const { path } = await createWithParents(this.client, joinPath(this.path, QUEUE_PREFIX), data, { mode: 'persistentSequential', parents: 'container' })
    return path
  }

  /** Item node names waiting (not taken by a consumer yet or being handled), in queue order. */
  async pending(): Promise<string[]> {
    try {
      return (await this.client.getChildren(this.path)).children.filter((c) => c.startsWith(QUEUE_PREFIX)).sort()
    } catch (error) {
      if (error instanceof NoNodeError) return []
      throw error
    }
  }

  /**
   * Starts consuming: `handler` runs for every item (at most `concurrency` at once), and an item is
   * deleted once its handler resolved. Resolves once the consumer runs (the folders exist).
   */
  async consume(handler: (item: T) => unknown): Promise<void> {
    checkFunction(handler, 'handler', 'DistributedQueue.consume')
    if (handler === undefined) throw new InvalidArgumentError('DistributedQueue.consume: handler must be a function, got undefined')
    if (this.handler !== undefined) throw new InvalidArgumentError('DistributedQueue.consume: this queue object already has a consumer; create another DistributedQueue')
    this.handler = handler
    await mkdirp(this.client, this.path)
    await mkdirp(this.client, this.lockPath)
    this.client.on('state', this.onState)
    this.loop = this.run()
  }

  /** Stops taking items; resolves once the handlers running now have finished. */
  async close(): Promise<void> {
    if (this.closedFlag) return
    this.closedFlag = true
    this.stop.abort()
    this.client.off('state', this.onState)
    this.kick()
    await this.loop
    await Promise.allSettled([...this.running])
    void this.client.removeWatches(this.path, 'children', { watcher: this.watcher, local: true }).catch(() => {})
  }

  private readonly watcher = (_event: WatchedEvent): void => this.kick()

  private readonly onState = (change: StateChange): void => {
    if (change.state === 'reconnected') this.kick()
    else if (change.state === 'closed') void this.close()
  }

  private kick(): void {
    this.work.set()
  }

  private async run(): Promise<void> {
    for (let attempt = 0; !this.closedFlag; ) {
      if (!this.work.isSet || this.inProgress.size >= this.concurrency) {
        await this.work.park()
        continue
      }
      this.work.clear()
      try {
        await whenWritable(this.client, `DistributedQueue ${this.path}`, this.stop.signal)
        const { children } = await this.client.getChildren(this.path, { watcher: this.watcher })
        for (const name of children.filter((c) => c.startsWith(QUEUE_PREFIX)).sort()) {
          if (this.closedFlag || this.inProgress.size >= this.concurrency) {
            this.work.set() // more items than slots: list again when one frees up
            break
          }
          if (this.inProgress.has(name) || this.bad.has(name) || this.blocked.has(name)) continue
          this.inProgress.add(name)
          const job = this.take(name).finally(() => {
            this.inProgress.delete(name)
            this.running.delete(job)
            this.kick()
          })
          this.running.add(job)
        }
        attempt = 0
      } catch (error) {
        if (this.closedFlag || !isRetryable(error) || this.client.state === 'closed') break
        this.work.set()
        await backOff(this.client, attempt++, this.stop.signal).catch(() => {})
      }
    }
  }

  /** Takes one item: lock, read, handle, then delete item and lock together. */
  private async take(name: string): Promise<void> {
    const item = joinPath(this.path, name)
    const lock = joinPath(this.lockPath, name)
    try {
      if (!(await this.lock(name, lock))) return
      let data: Buffer
      try {
        data = (await this.client.getData(item)).data
      } catch (error) {
        if (!(error instanceof NoNodeError)) throw error
        await this.unlock(lock) // consumed by someone else meanwhile
        return
      }
      let items: T[]
      try {
        items = decodeQueueItems(data).map((b) => this.serializer.deserialize(b))
      } catch (error) {
        this.bad.add(name)
        await this.unlock(lock)
        if (this.listenerCount('badItem') > 0) this.emit('badItem', error, item)
        return
      }
      for (let i = 0; i < items.length; i++) {
        try {
          await this.handler!(items[i]!)
        } catch (error) {
          if (this.listenerCount('handlerError') > 0) this.emit('handlerError', error, items[i]!, item)
          // Requeue what is left (this item and the rest of a multi-item node) as one new node.
          const ops =
            this.onError === 'requeue'
              ? [{ type: 'create' as const, path: joinPath(this.path, QUEUE_PREFIX), data: encodeQueueItems(items.slice(i).map((x) => this.serializer.serialize(x))), mode: 'persistentSequential' as const }]
              : []
          await this.client.multi([...ops, { type: 'delete', path: item }, { type: 'delete', path: lock }])
          return
        }
      }
      // Item and lock go together: if our lock is gone (session lost), so is our claim, and the item stays for a retry.
      await this.client.multi([{ type: 'delete', path: item }, { type: 'delete', path: lock }])
    } catch {
      // NoNode (our lock or the item vanished), a lost connection: the item, if still there, is taken again later.
    }
  }

  /** Creates the lock node; false if another consumer holds it (then its deletion wakes us). */
  private async lock(name: string, lock: string): Promise<boolean> {
    for (let round = 0; round < 3; round++) {
      try {
        await this.client.create(lock, null, { mode: 'ephemeral' })
        return true
      } catch (error) {
        if (!(error instanceof NodeExistsError)) throw error
      }
      const unblock = (): void => {
        this.blocked.delete(name)
        this.kick()
      }
      this.blocked.add(name)
      const stat = await this.client.exists(lock, { watcher: unblock })
      if (stat === null) {
        this.blocked.delete(name)
        continue
      }
      // Ours from a create whose reply was lost: we hold it.
      if (stat.ephemeralOwner === this.client.sessionId) {
        this.blocked.delete(name)
        return true
      }
      return false
    }
    return false
  }

  private async unlock(lock: string): Promise<void> {
    await this.client.delete(lock).catch((error: unknown) => {
      if (!(error instanceof NoNodeError)) throw error
    })
  }
}
