/**
 * Mutex with Curator InterProcessMutex's layout: protected ephemeral-sequential
 * `<path>/_c_<uuid>-lock-<sequence>` nodes under container parents, ordered by the sequence after
 * the last `lock-`; each waiter watches its predecessor alone (getData), so a release wakes one
 * waiter (no herd). Java (Curator) and Node processes exclude each other on one path.
 */
import type { ZooKeeperClient } from '../../client/client.js'
import type { DataInput } from '../../client/arguments.js'
import type { Op, OpResult } from '../../client/transaction.js'
import type { CallOptions } from '../../client/types.js'
import { checkBoolean, checkOptions, describe } from '../../common/check.js'
import { InvalidArgumentError, NoNodeError } from '../../common/errors.js'
import { validatePath } from '../../common/paths.js'
import { Hold, type Holder, type HoldOptions } from './hold.js'
import { type AcquireOptions, acquireNode, acquireSignal, checkAcquireOptions, defaultNodeData, sortLockNodes, standardDecide } from './internals.js'

/** Curator's `LOCK_NAME` for InterProcessMutex. */
export const LOCK_MARKER = 'lock-'

/** Options of {@link Mutex}. */
export interface MutexOptions extends HoldOptions {
  /** The lock node's data (default: the host address, as Curator writes). */
  data?: string | Buffer
}

/** A held lock: release it once (or with `await using`). */
export interface Lock extends Holder, AsyncDisposable {
  /** Releases this hold (once; later calls do nothing). The node is deleted when the last re-entrant hold goes. */
  release(): Promise<void>
}

/** Checks a lock's data option: a string or a Buffer. */
export function checkData(value: unknown, where: string): DataInput | undefined {
  if (value === undefined) return undefined
  if (typeof value !== 'string' && !Buffer.isBuffer(value)) throw new InvalidArgumentError(`${where}: data must be a string or a Buffer, got ${describe(value)}`)
  return value
}

/** Resolves when `previous` settles; rejects with the reason if `signal` aborts first. */
function untilSettledOrAborted(previous: Promise<unknown>, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.reject(signal.reason)
  return new Promise((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason)
    signal.addEventListener('abort', onAbort, { once: true })
    void previous.then(
      () => {
        signal.removeEventListener('abort', onAbort)
        resolve()
      },
      () => {
        signal.removeEventListener('abort', onAbort)
        resolve()
      },
    )
  })
}

/** How one kind of sequential lock decides; see {@link SequentialLock}. */
export interface LockKind {
  marker: string
  sortMarkers: readonly string[]
  decide: (sorted: readonly string[], ours: string) => string | null
  what: string
}

/**
 * A re-entrant lock on a sequential node: the common part of {@link Mutex} and the two halves of
 * the {@link ReadWriteLock}. Re-entrant per object, as Curator's locks are per thread: while this
 * object holds, `acquire()` returns at once and counts; the node goes with the last release.
 */
export class SequentialLock {
  /** The lock's node; contenders are its children. */
  readonly path: string
  protected readonly client: ZooKeeperClient
  private readonly data: DataInput
  private readonly abortOnSuspend: boolean
  private hold: Hold | null = null
  private count = 0
  private queue: Promise<unknown> = Promise.resolve()
  private watchCount = 0

  constructor(client: ZooKeeperClient, path: string, private readonly kind: LockKind, options: MutexOptions | undefined, where: string) {
    validatePath(path)
    const o = checkOptions(options, ['data', 'abortOnSuspend'], where, { lockData: 'write data', id: 'write data' })
    this.client = client
    this.path = path
    this.data = checkData(o.data, where) ?? defaultNodeData()
    this.abortOnSuspend = checkBoolean(o.abortOnSuspend, 'abortOnSuspend', where) ?? true
  }

  /**
   * Waits until this object holds the lock, and resolves with the hold. Rejects with an
   * {@link AcquireTimeoutError} after `timeout` ms, with the reason when `signal` aborts, and when
   * the client closes; in each case the waiter's node is deleted. Connection losses and session
   * expiry while waiting are ridden out (a new session queues again at the back).
   *
   * @example
   * ```ts
   * await using lock = await mutex.acquire({ timeout: 5_000 })
   * await lock.guard([{ type: 'setData', path: '/config', data: 'v2' }])
   * ```
   */
  acquire(options?: AcquireOptions): Promise<Lock> {
    let o: AcquireOptions
    try {
      o = checkAcquireOptions(options, `${this.kind.what} acquire`)
    } catch (error) {
      return Promise.reject(error)
    }
    // One acquire at a time per object: a second waits for the first, then counts in. Its
    // timeout and signal run from the call, so waiting behind the first is bounded too.
    const { signal, done } = acquireSignal(o, `${this.kind.what} at ${this.path}`)
    const previous = this.queue
    const run = untilSettledOrAborted(previous, signal)
      .then(() => this.acquireNow(signal))
      .finally(done)
    this.queue = run.catch(() => {})
    return run
  }

  /** True while this object holds the lock (the signal may already say it is in doubt). */
  get isHeld(): boolean {
    return this.hold !== null
  }

  /** The current hold, if this object holds the lock. */
  get holder(): Holder | null {
    return this.hold
  }

  /** How many watch events woke this object's waits (a debugging aid: one per handover when healthy). */
  get watchEvents(): number {
    return this.watchCount
  }

  /**
   * Releases one level of the hold (as Curator's `release()`); the node is deleted at the last.
   * Rejects with InvalidArgumentError if this object does not hold the lock.
   */
  release(): Promise<void> {
    if (this.hold === null) return Promise.reject(new InvalidArgumentError(`${this.kind.what} release: this object does not hold the lock at ${this.path}`))
    return this.releaseOne()
  }

  /**
   * The contenders' node names, in line order (the holder first; a mutex, not a semaphore).
   *
   * @example
   * ```ts
   * const [holderNode] = await mutex.participantNodes()
   * ```
   */
  async participantNodes(): Promise<string[]> {
    try {
      return sortLockNodes((await this.client.getChildren(this.path)).children, this.kind.sortMarkers)
    } catch (error) {
      if (error instanceof NoNodeError) return []
      throw error
    }
  }

  protected heldByThis(): boolean {
    return this.hold !== null
  }

  private async acquireNow(signal: AbortSignal): Promise<Lock> {
    if (signal.aborted) throw signal.reason
    if (this.hold !== null) {
      if (this.hold.signal.aborted) throw new InvalidArgumentError(`${this.kind.what} acquire: this object's hold on ${this.path} was lost (${(this.hold.signal.reason as Error).message}); release it before acquiring again`)
      this.count++
      return this.handle(this.hold)
    }
    const node = await acquireNode(
      this.client,
      {
        basePath: this.path,
        marker: this.kind.marker,
        sortMarkers: this.kind.sortMarkers,
        data: this.data,
        decide: this.kind.decide,
        onWatch: () => this.watchCount++,
        what: this.kind.what,
      },
      signal,
    )
    this.hold = new Hold(this.client, node, this.abortOnSuspend, `${this.kind.what} at ${this.path}`)
    this.count = 1
    return this.handle(this.hold)
  }

  private handle(hold: Hold): Lock {
    let released = false
    const release = (): Promise<void> => {
      if (released) return Promise.resolve()
      released = true
      return this.hold === hold ? this.releaseOne() : Promise.resolve()
    }
    return {
      path: hold.path,
      token: hold.token,
      signal: hold.signal,
      guard: (ops: readonly Op[], callOptions?: CallOptions): Promise<OpResult[]> => hold.guard(ops, callOptions),
      transaction: (callOptions?: CallOptions) => hold.transaction(callOptions),
      release,
      [Symbol.asyncDispose]: release,
    }
  }

  private releaseOne(): Promise<void> {
    const hold = this.hold!
    this.count--
    if (this.count > 0) return Promise.resolve()
    this.hold = null
    return hold.release()
  }
}

/**
 * A distributed mutex, compatible with Curator's InterProcessMutex on the same path.
 *
 * @example
 * ```ts
 * const mutex = new Mutex(zk, '/locks/orders')
 * const lock = await mutex.acquire({ timeout: 10_000 })
 * try {
 *   // lock.signal aborts if the lock is in doubt; lock.guard(ops) writes only while it is held
 *   await lock.guard([{ type: 'setData', path: '/orders/next', data: '42' }])
 * } finally {
 *   await lock.release()
 * }
 * ```
 */
export class Mutex extends SequentialLock {
  /**
   * @param client a client of the ensemble (a chroot applies).
   * @param path the lock's node (created as a container, with container parents, if missing).
   * @param options `data` of the lock node, `abortOnSuspend` (default true).
   */
  constructor(client: ZooKeeperClient, path: string, options?: MutexOptions) {
    super(client, path, { marker: LOCK_MARKER, sortMarkers: [LOCK_MARKER], decide: standardDecide(1), what: 'mutex' }, options, 'new Mutex')
  }
}
