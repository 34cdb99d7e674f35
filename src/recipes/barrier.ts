/**
 * Barrier with Curator DistributedBarrier's (and kazoo Barrier's) layout: the barrier is up while
 * its node exists; waiters watch the node (exists) and pass when it is deleted.
 */
import type { ZooKeeperClient } from '../client/client.js'
import { NodeExistsError, NoNodeError } from '../common/errors.js'
import { validatePath } from '../common/paths.js'
import { isRetryable, retrying, whenReadable } from './connection.js'
import { type AcquireOptions, Waker, acquireSignal, checkAcquireOptions, defaultNodeData } from './locks/internals.js'
import { createWithParents } from './mkdirp.js'

/**
 * A barrier that holds every waiter until it is removed.
 *
 * @example
 * ```ts
 * const barrier = new Barrier(zk, '/deploy/gate')
 * await barrier.set()                    // coordinator
 * await barrier.wait({ timeout: 60_000 }) // workers: pass once the coordinator calls remove()
 * await barrier.remove()
 * ```
 */
export class Barrier {
  /** The barrier's node. */
  readonly path: string

  /**
   * @param client a client of the ensemble (a chroot applies).
   * @param path the barrier's node (its parents are created as containers when set).
   */
  constructor(private readonly client: ZooKeeperClient, path: string) {
    validatePath(path)
    this.path = path
  }

  /**
   * Raises the barrier: creates its node (persistent, with Curator's default data); nothing if it
   * is up already. Safe to call again after a connection loss.
   *
   * @example
   * ```ts
   * await barrier.set()
   * ```
   */
  set(): Promise<void> {
    return retrying(this.client, 'barrier set', async () => {
      try {
        await createWithParents(this.client, this.path, defaultNodeData(), { mode: 'persistent', parents: 'container' })
      } catch (error) {
        if (!(error instanceof NodeExistsError)) throw error
      }
    })
  }

  /**
   * Lowers the barrier: deletes its node, which lets every waiter through; nothing if it is down.
   *
   * @example
   * ```ts
   * await barrier.remove()
   * ```
   */
  remove(): Promise<void> {
    return retrying(this.client, 'barrier remove', async () => {
      try {
        await this.client.delete(this.path)
      } catch (error) {
        if (!(error instanceof NoNodeError)) throw error
      }
    })
  }

  /**
   * Resolves once the barrier is down (at once if it is). Rejects with an
   * {@link AcquireTimeoutError} after `timeout` ms, with the reason when `signal` aborts, or when
   * the client closes. Only the node's absence lets a waiter through: every wake-up (a watch event,
   * a reconnect) is followed by a fresh look.
   *
   * @example
   * ```ts
   * await barrier.wait({ signal: AbortSignal.timeout(30_000) })
   * ```
   */
  async wait(options?: AcquireOptions): Promise<void> {
    const o = checkAcquireOptions(options, 'barrier wait')
    const { signal, done } = acquireSignal(o, `barrier at ${this.path}`)
    try {
      for (;;) {
        await whenReadable(this.client, 'barrier wait', signal)
        const waker = new Waker(this.client)
        try {
          waker.watching(this.path, 'data')
          const stat = await this.client.exists(this.path, { watcher: waker.watcher })
          if (stat === null) return
          await waker.wait(signal)
        } catch (error) {
          if (signal.aborted || !isRetryable(error) || this.client.state === 'closed') throw signal.aborted ? signal.reason : error
        } finally {
          waker.dispose()
        }
      }
    } finally {
      done()
    }
  }
}
