/**
 * A held node (a lock, a lease, a leadership): its fencing token, a signal that aborts the moment
 * the hold is in doubt or lost, and guarded writes that the server refuses once the node is gone.
 */
import type { ZooKeeperClient } from '../../client/client.js'
import { type Op, type OpResult, Transaction } from '../../client/transaction.js'
import type { CallOptions } from '../../client/types.js'
import type { WatchedEvent } from '../../client/watch-event.js'
import { InvalidArgumentError, ZooKeeperError } from '../../common/errors.js'
import type { StateChange } from '../../session/state.js'
import { describe } from '../../common/check.js'
import { type HeldNode, removeOwnNode } from './internals.js'

/** What every holder of a lock, lease or leadership offers. */
export interface Holder {
  /** The holder's own node. */
  readonly path: string
  /**
   * Fencing token: the creation zxid (`czxid`) of the holder's node. Later holders of the same
   * lock have larger tokens; send it along to systems that can refuse a token lower than one seen.
   */
  readonly token: bigint
  /**
   * Aborts when the hold is in doubt or gone: the connection is suspended (unless
   * `abortOnSuspend: false`), the session is lost, the node is deleted or changed by someone else,
   * or the hold is released. `signal.reason` says which. Stop acting on the lock when it fires.
   */
  readonly signal: AbortSignal
  /**
   * Commits `ops` in one multi together with a check that this holder's node still exists with
   * the version it had when acquired. The server refuses the whole multi if the hold is gone,
   * whatever this process believes: a deposed holder (paused, cut off, expired) cannot write.
   * Resolves with the results of `ops` (the check's own result left out). Rejects with the
   * multi's error; `NoNodeError` / `BadVersionError` with `opIndex` 0 mean the hold was lost.
   */
  guard(ops: readonly Op[], options?: CallOptions): Promise<OpResult[]>
  /**
   * A transaction to build step by step, committed through {@link Holder.guard}: the same check
   * on this holder's node goes first.
   *
   * @example
   * ```ts
   * await lock.transaction().setData('/cfg', 'v2').create('/cfg/log-', 'x', { mode: 'persistentSequential' }).commit()
   * ```
   */
  transaction(options?: CallOptions): Transaction
}

/** Options shared by the holders. */
export interface HoldOptions {
  /**
   * Abort the holder's signal as soon as the connection is suspended (default true), because the
   * session may expire and another contender take over while this one still acts. With false, the
   * signal aborts only once the session is lost (or the node goes).
   */
  abortOnSuspend?: boolean
}

/** The shared machinery behind every {@link Holder}. */
export class Hold implements Holder {
  readonly path: string
  readonly token: bigint
  private readonly version: number
  private readonly session: bigint
  private readonly controller = new AbortController()
  private releasing: Promise<void> | null = null
  private watchArmed = false

  private readonly onState = (change: StateChange): void => {
    switch (change.state) {
      case 'suspended':
      case 'readOnly':
        if (this.abortOnSuspend) this.lose(`connection ${change.state}: ${change.reason}`)
        break
      case 'lost':
        this.lose(`session lost: ${change.reason}`)
        break
      case 'closed':
        this.lose('the client was closed')
        break
      case 'reconnected':
      case 'connected':
        if (change.sessionId !== this.session) this.lose('the session was replaced by a new one')
        else if (!this.watchArmed) this.watchOwnNode()
        break
    }
  }

  private readonly onNodeEvent = (event: WatchedEvent): void => {
    if (this.releasing !== null) return
    if (event.type === 'NodeDeleted') this.lose('the node was deleted')
    else if (event.type === 'NodeDataChanged') this.lose('the node was changed by someone else')
  }

  constructor(private readonly client: ZooKeeperClient, node: HeldNode, private readonly abortOnSuspend: boolean, private readonly what: string) {
    this.path = node.path
    this.token = node.stat.czxid
    this.version = node.stat.version
    this.session = node.stat.ephemeralOwner
    client.on('state', this.onState)
    this.watchOwnNode()
  }

  /**
   * Watches our own node: a delete by someone else (an operator, a session reaped meanwhile) is a
   * loss. If the request gets no answer, it is sent again on the next reconnect in this session.
   */
  private watchOwnNode(): void {
    this.client.exists(this.path, { watcher: this.onNodeEvent }).then(
      (stat) => {
        this.watchArmed = true
        if (stat === null) this.lose('the node was deleted')
      },
      () => {
        // No answer: the state change that explains it follows (and re-arms or aborts).
      },
    )
  }

  get signal(): AbortSignal {
    return this.controller.signal
  }

  /** True once released. */
  get released(): boolean {
    return this.releasing !== null
  }

  guard(ops: readonly Op[], options: CallOptions = {}): Promise<OpResult[]> {
    return guardedMulti(this.client, this.path, this.version, ops, options, this.what)
  }

  transaction(options: CallOptions = {}): Transaction {
    return new Transaction((ops) => this.guard(ops, options))
  }

  /** Aborts the signal (once) with `reason`. */
  lose(reason: string): void {
    if (this.controller.signal.aborted) return
    this.controller.abort(new Error(`${this.what} lost: ${reason}`))
  }

  /**
   * Deletes the node (retrying across connection losses while its session lives) and aborts the
   * signal. Idempotent: later calls return the first call's promise.
   */
  release(): Promise<void> {
    if (this.releasing !== null) return this.releasing
    this.lose('released')
    this.client.off('state', this.onState)
    void this.client.removeWatches(this.path, 'data', { watcher: this.onNodeEvent, local: true }).catch(() => {})
    this.releasing = removeOwnNode(this.client, '', this.path, null, this.session, `${this.what} release`)
    return this.releasing
  }
}

/**
 * One multi of `ops` behind a check that `path` still has `version`: the server applies all of it
 * only while the holder's node is there, unchanged. Resolves with the results of `ops`.
 */
export function guardedMulti(client: ZooKeeperClient, path: string, version: number, ops: readonly Op[], options: CallOptions = {}, what = 'leadership'): Promise<OpResult[]> {
  if (!Array.isArray(ops)) return Promise.reject(new InvalidArgumentError(`${what} guard: ops must be an array of operations such as [{ type: 'setData', path, data }], got ${describe(ops)}`))
  return client.multi([{ type: 'check', path, version }, ...ops], options).then((results) => results.slice(1))
}

/**
 * True when `error` is a guarded write the server refused because the holder's node is gone or
 * changed (the check, op 0, failed): the hold is lost, and nothing of the multi was applied.
 *
 * @example
 * ```ts
 * try { await lock.guard([{ type: 'setData', path: '/config', data: 'v2' }]) }
 * catch (error) { if (isFencedError(error)) console.log('deposed: the write was refused') }
 * ```
 */
export function isFencedError(error: unknown): boolean {
  return error instanceof ZooKeeperError && error.opIndex === 0 && (error.code === 'NONODE' || error.code === 'BADVERSION')
}
