/**
 * Counting semaphore with Curator InterProcessSemaphoreV2's layout: an acquirer takes the mutex
 * `<path>/locks`, creates its lease `<path>/leases/_c_<uuid>-lease-<seq>`, and waits (still holding
 * the mutex, so only one acquirer waits in `leases` at a time) until `leases` has at most
 * `maxLeases` children, its own included; then it lets the mutex go and holds its lease.
 */
import { randomUUID } from 'node:crypto'
import type { ZooKeeperClient } from '../../client/client.js'
import type { DataInput } from '../../client/arguments.js'
import { checkBoolean, checkInteger, checkOptions, describe } from '../../common/check.js'
import { InvalidArgumentError, NoNodeError } from '../../common/errors.js'
import { basename, joinPath, validatePath } from '../../common/paths.js'
import { isRetryable, isWritable, whenWritable } from '../connection.js'
import { protectedCreate } from '../protected-create.js'
import { Hold, type Holder, type HoldOptions } from './hold.js'
import { type AcquireOptions, Waker, acquireSignal, checkAcquireOptions, defaultNodeData, giveUp } from './internals.js'
import { type Lock, Mutex, checkData } from './mutex.js'

/** Curator's name part of lease nodes. */
export const LEASE_MARKER = 'lease-'

/** Options of {@link Semaphore}. */
export interface SemaphoreOptions extends HoldOptions {
  /** Data of the lease nodes (Curator's `setNodeData`; default: the host address). */
  data?: string | Buffer
}

/** One lease of a {@link Semaphore}: release it once (or with `await using`). */
export interface Lease extends Holder, AsyncDisposable {
  /** Deletes the lease node; later calls do nothing. */
  release(): Promise<void>
}

/**
 * A distributed counting semaphore: at most `maxLeases` leases are held at once across every
 * process using the path, Curator InterProcessSemaphoreV2 processes included (with the same count).
 *
 * @example
 * ```ts
 * const sem = new Semaphore(zk, '/limits/exports', 3)
 * await using lease = await sem.acquire({ timeout: 30_000 })
 * await runExport({ signal: lease.signal })
 * ```
 */
export class Semaphore {
  /** The semaphore's node (`locks` and `leases` are its children). */
  readonly path: string
  /** How many leases may be held at once. */
  readonly maxLeases: number
  private readonly client: ZooKeeperClient
  private readonly data: DataInput
  private readonly abortOnSuspend: boolean
  private readonly leasesPath: string
  private readonly locksPath: string

  /**
   * @param client a client of the ensemble (a chroot applies).
   * @param path the semaphore's node (created as a container if missing).
   * @param maxLeases leases that may be held at once (an integer from 1); every user of the path must agree, as with Curator.
   * @param options `data` of the lease nodes, `abortOnSuspend` (default true).
   */
  constructor(client: ZooKeeperClient, path: string, maxLeases: number, options?: SemaphoreOptions) {
    validatePath(path)
    if (maxLeases === undefined) throw new InvalidArgumentError(`new Semaphore: maxLeases must be an integer from 1, got ${describe(maxLeases)}`)
    this.maxLeases = checkInteger(maxLeases, 'maxLeases', 'new Semaphore', 1, 2 ** 31 - 1)!
    const o = checkOptions(options, ['data', 'abortOnSuspend'], 'new Semaphore', { nodeData: 'write data' })
    this.client = client
    this.path = path
    this.data = checkData(o.data, 'new Semaphore') ?? defaultNodeData()
    this.abortOnSuspend = checkBoolean(o.abortOnSuspend, 'abortOnSuspend', 'new Semaphore') ?? true
    this.leasesPath = joinPath(path, 'leases')
    this.locksPath = joinPath(path, 'locks')
  }

  /**
   * Waits for a lease and resolves with it. Rejects with an {@link AcquireTimeoutError} after
   * `timeout` ms, with the reason when `signal` aborts, or when the client closes; its nodes are
   * deleted in each case.
   *
   * @example
   * ```ts
   * const lease = await sem.acquire({ signal: AbortSignal.timeout(5_000) })
   * try { await work() } finally { await lease.release() }
   * ```
   */
  async acquire(options?: AcquireOptions): Promise<Lease> {
    const o = checkAcquireOptions(options, 'semaphore acquire')
    const { signal, done } = acquireSignal(o, `semaphore at ${this.path}`)
    try {
      for (;;) {
        // A fresh mutex per acquire: the mutex is re-entrant per object, which must not let two
        // acquires of this process wait in `leases` together.
        const lock = await new Mutex(this.client, this.locksPath, { abortOnSuspend: false }).acquire({ signal })
        try {
          const lease = await this.waitForLease(lock, signal)
          if (lease !== null) return lease
        } finally {
          await lock.release()
        }
      }
    } finally {
      done()
    }
  }

  /**
   * The lease node names (holders, and at most one waiter), as Curator's `getParticipantNodes`.
   *
   * @example
   * ```ts
   * console.log(`${(await sem.participantNodes()).length} leases out`)
   * ```
   */
  async participantNodes(): Promise<string[]> {
    try {
      return (await this.client.getChildren(this.leasesPath)).children
    } catch (error) {
      if (error instanceof NoNodeError) return []
      throw error
    }
  }

  /** Holding the mutex: creates our lease and waits for room. Null when the mutex was lost (start again). */
  private async waitForLease(lock: Lock, signal: AbortSignal): Promise<Lease | null> {
    let node: { path: string; name: string; session: bigint } | null = null
    let joiningId: string | null = null
    try {
      for (;;) {
        if (lock.signal.aborted) {
          // The session that held the mutex ended: another acquirer may be in `leases` now.
          const old = node
          node = null
          if (old !== null) await giveUp(this.client, this.leasesPath, old, null, null)
          return null
        }
        await whenWritable(this.client, 'semaphore acquire', signal)
        try {
          if (node === null) {
            joiningId = randomUUID()
            const created = await protectedCreate(this.client, joinPath(this.leasesPath, LEASE_MARKER), this.data, {
              mode: 'ephemeralSequential',
              createParents: 'container',
              protectedId: joiningId,
              signal,
            })
            joiningId = null
            node = { path: created.path, name: basename(created.path), session: created.stat.ephemeralOwner }
          }
          const waker = new Waker(this.client)
          try {
            waker.watching(this.leasesPath, 'children')
            const { children } = await this.client.getChildren(this.leasesPath, { watcher: waker.watcher })
            if (!children.includes(node.name)) {
              node = null // deleted by someone: make a new one
              continue
            }
            if (children.length <= this.maxLeases) {
              const stat = await this.client.exists(node.path)
              if (stat === null || stat.ephemeralOwner !== this.client.sessionId) {
                node = null
                continue
              }
              if (waker.changed || !isWritable(this.client.state)) continue
              const hold = new Hold(this.client, { path: node.path, stat }, this.abortOnSuspend, `semaphore lease at ${this.path}`)
              node = null
              const release = (): Promise<void> => hold.release()
              return { path: hold.path, token: hold.token, signal: hold.signal, guard: (ops, o) => hold.guard(ops, o), transaction: (o) => hold.transaction(o), release, [Symbol.asyncDispose]: release }
            }
            await waker.wait(signal)
          } finally {
            waker.dispose()
          }
        } catch (error) {
          if (signal.aborted || !isRetryable(error) || this.client.state === 'closed') throw error
        }
      }
    } catch (error) {
      throw await giveUp(this.client, this.leasesPath, node, joiningId, error, signal)
    }
  }
}
