/**
 * Double barrier with Curator DistributedDoubleBarrier's layout (kazoo's DoubleBarrier is
 * compatible): each member is an ephemeral `<path>/<uuid>` node; the member that counts
 * `memberCount` children creates the persistent `<path>/ready`, which lets everyone in. Leaving,
 * members wait until no member node is left, then delete `ready`.
 *
 * Only facts on the server let a member through: entering needs `ready` to exist, leaving needs
 * the member nodes to be gone. A watch event, a reconnect or any other wake-up just makes the
 * member look again (Curator GH-1290 let members through on such wake-ups).
 */
import { randomUUID } from 'node:crypto'
import type { ZooKeeperClient } from '../client/client.js'
import { checkInteger, describe } from '../common/check.js'
import { InvalidArgumentError, NodeExistsError, NoNodeError } from '../common/errors.js'
import { joinPath, validatePath } from '../common/paths.js'
import { isRetryable, isWritable, whenWritable } from './connection.js'
import { type AcquireOptions, Waker, acquireSignal, checkAcquireOptions, defaultNodeData, deleteQuietly, removeOwnNode } from './locks/internals.js'
import { createWithParents } from './mkdirp.js'

const READY = 'ready'

/**
 * A double barrier: `enter()` returns once `memberCount` members have entered; `leave()` returns
 * once every member has left.
 *
 * @example
 * ```ts
 * const barrier = new DoubleBarrier(zk, '/jobs/42/barrier', 3)
 * await barrier.enter({ timeout: 60_000 })  // all three start together
 * await compute()
 * await barrier.leave({ timeout: 60_000 })  // and finish together
 * ```
 */
export class DoubleBarrier {
  /** The barrier's node. */
  readonly path: string
  /** Members needed to enter. */
  readonly memberCount: number
  private readonly readyPath: string
  private readonly id = randomUUID()
  private entered: { path: string; session: bigint } | null = null

  /**
   * @param client a client of the ensemble (a chroot applies).
   * @param path the barrier's node (a container, created if missing).
   * @param memberCount members that must enter before any passes (an integer from 1); all must agree.
   */
  constructor(private readonly client: ZooKeeperClient, path: string, memberCount: number) {
    validatePath(path)
    if (memberCount === undefined) throw new InvalidArgumentError(`new DoubleBarrier: memberCount must be an integer from 1, got ${describe(memberCount)}`)
    this.memberCount = checkInteger(memberCount, 'memberCount', 'new DoubleBarrier', 1, 2 ** 31 - 1)!
    this.path = path
    this.readyPath = joinPath(path, READY)
  }

  /** This member's node. */
  get memberPath(): string {
    return joinPath(this.path, this.id)
  }

  /**
   * Joins and waits until `memberCount` members have (counting every child of the path, as
   * Curator does). Rejects with an {@link AcquireTimeoutError} after `timeout` ms or with the
   * reason when `signal` aborts; the member's node is then deleted. A session lost while waiting
   * is ridden out: the member joins again in the new session.
   *
   * @example
   * ```ts
   * await barrier.enter({ signal })
   * ```
   */
  async enter(options?: AcquireOptions): Promise<void> {
    const o = checkAcquireOptions(options, 'double barrier enter')
    const { signal, done } = acquireSignal(o, `double barrier at ${this.path}`)
    try {
      for (;;) {
        await whenWritable(this.client, 'double barrier enter', signal)
        const waker = new Waker(this.client)
        try {
          waker.watching(this.readyPath, 'data')
          const ready = await this.client.exists(this.readyPath, { watcher: waker.watcher })
          await this.join()
          if (ready !== null) return
          const { children } = await this.client.getChildren(this.path)
          if (children.length >= this.memberCount) {
            try {
              await this.client.create(this.readyPath, defaultNodeData())
            } catch (error) {
              if (!(error instanceof NodeExistsError)) throw error
            }
            return
          }
          await waker.wait(signal)
        } catch (error) {
          if (signal.aborted || !isRetryable(error) || this.client.state === 'closed') throw error
        } finally {
          waker.dispose()
        }
      }
    } catch (error) {
      const failure = signal.aborted ? signal.reason : error
      // Waits for the delete only while connected; otherwise it runs once the connection is back.
      const dropping = this.dropNode()
      if (isWritable(this.client.state)) await dropping
      throw failure
    } finally {
      done()
    }
  }

  /**
   * Leaves and waits until every member has left (Curator's algorithm: the lowest member waits for
   * the highest, the others delete their node and wait for the lowest); then deletes `ready`.
   * Rejects with an {@link AcquireTimeoutError} after `timeout`, with the reason when `signal`
   * aborts, and with an Error if this member's node vanished (its session ended before leaving).
   *
   * @example
   * ```ts
   * await barrier.leave({ timeout: 60_000 })
   * ```
   */
  async leave(options?: AcquireOptions): Promise<void> {
    const o = checkAcquireOptions(options, 'double barrier leave')
    const { signal, done } = acquireSignal(o, `double barrier at ${this.path}`)
    const own = this.entered
    let ownShouldExist = own !== null && own.session === this.client.sessionId
    try {
      for (;;) {
        await whenWritable(this.client, 'double barrier leave', signal)
        const waker = new Waker(this.client)
        try {
          let members: string[]
          try {
            members = (await this.client.getChildren(this.path)).children.filter((c) => c !== READY).sort()
          } catch (error) {
            if (!(error instanceof NoNodeError)) throw error
            members = []
          }
          if (members.length === 0) break
          const index = members.indexOf(this.id)
          if (index < 0 && ownShouldExist) {
            if (own!.session !== this.client.sessionId) ownShouldExist = false // went with an old session: just wait for the others
            else throw new Error(`double barrier leave: this member's node ${this.memberPath} is gone`)
          }
          if (members.length === 1 && index === 0) {
            await deleteQuietly(this.client, this.memberPath)
            break
          }
          let target: string
          if (index === 0) target = members[members.length - 1]!
          else {
            target = members[0]!
            if (ownShouldExist) {
              await deleteQuietly(this.client, this.memberPath)
              ownShouldExist = false
            }
          }
          const targetPath = joinPath(this.path, target)
          waker.watching(targetPath, 'data')
          if ((await this.client.exists(targetPath, { watcher: waker.watcher })) !== null) await waker.wait(signal)
        } catch (error) {
          if (signal.aborted || !isRetryable(error) || this.client.state === 'closed') throw signal.aborted ? signal.reason : error
        } finally {
          waker.dispose()
        }
      }
      this.entered = null
      await deleteQuietly(this.client, this.readyPath)
    } finally {
      done()
    }
  }

  /** Creates this member's node in the current session (nothing if it has one there). */
  private async join(): Promise<void> {
    if (this.entered !== null && this.entered.session === this.client.sessionId) return
    try {
      const { stat } = await createWithParents(this.client, this.memberPath, defaultNodeData(), { mode: 'ephemeral', parents: 'container' })
      this.entered = { path: this.memberPath, session: stat.ephemeralOwner }
    } catch (error) {
      if (!(error instanceof NodeExistsError)) throw error
      // Ours from a create whose reply was lost (same session), or an old session's (then it goes soon).
      const stat = await this.client.exists(this.memberPath)
      if (stat !== null && stat.ephemeralOwner === this.client.sessionId) this.entered = { path: this.memberPath, session: stat.ephemeralOwner }
      else throw error
    }
  }

  private async dropNode(): Promise<void> {
    const own = this.entered
    this.entered = null
    if (own !== null) await removeOwnNode(this.client, this.path, own.path, null, own.session, 'double barrier enter abandoned')
    else await removeOwnNode(this.client, this.path, this.memberPath, null, this.client.sessionId, 'double barrier enter abandoned')
  }
}
