/**
 * Leader selection as Curator's LeaderSelector: each participant contends for a mutex (Curator
 * InterProcessMutex's layout, `lock-` nodes holding the participant id), and the holder runs
 * `takeLeadership` while it holds. Returning from it gives leadership up; with `autoRequeue` the
 * participant then queues again. Java LeaderSelectors and Node ones contend in one election.
 */
import { EventEmitter } from 'node:events'
import type { ZooKeeperClient } from '../client/client.js'
import { checkBoolean, checkFunction, checkOptions, checkString } from '../common/check.js'
import { InvalidArgumentError, NoNodeError } from '../common/errors.js'
import { joinPath, validatePath } from '../common/paths.js'
import type { Holder } from './locks/hold.js'
import { LOCK_MARKER, Mutex } from './locks/mutex.js'
import { sortLockNodes } from './locks/internals.js'
import { clientClosedError, deferred } from './connection.js'

/** What `takeLeadership` is given: the term's holder (token, signal, guard) and the participant id. */
export interface SelectorLeadership extends Holder {
  /** This participant's id. */
  readonly participantId: string
}

/** Options of {@link LeaderSelector}. */
export interface LeaderSelectorOptions {
  /** Participant id, written as the node's data (UTF-8, as Curator's `setId`). Default `''`. */
  id?: string
  /** Queue again each time leadership ends (default false: once, until {@link LeaderSelector.requeue}). */
  autoRequeue?: boolean
  /** Abort the term's signal as soon as the connection is suspended (default true). */
  abortOnSuspend?: boolean
}

/** A participant of a selection, as {@link LeaderSelector.participants} lists them. */
export interface SelectorParticipant {
  id: string
  path: string
  isLeader: boolean
}

/** Events of a {@link LeaderSelector}. */
export interface LeaderSelectorEvents {
  /** `takeLeadership` threw (or rejected); leadership was given up as after a return. */
  error: [error: Error]
}

/**
 * One participant of a LeaderSelector-style election.
 *
 * @example
 * ```ts
 * const selector = new LeaderSelector(zk, '/app/scheduler', async ({ token, signal, guard }) => {
 *   while (!signal.aborted) {
 *     await guard([{ type: 'setData', path: '/app/schedule', data: nextPlan() }])
 *     await sleep(1_000, signal)
 *   }
 * }, { id: 'node-a', autoRequeue: true })
 * selector.start()
 * ```
 */
export class LeaderSelector extends EventEmitter<LeaderSelectorEvents> {
  /** The election's node. */
  readonly path: string
  /** This participant's id. */
  readonly participantId: string
  private readonly client: ZooKeeperClient
  private readonly mutex: Mutex
  private readonly autoRequeue: boolean
  private readonly takeLeadership: (leadership: SelectorLeadership) => unknown
  private readonly stop = new AbortController()
  private queued = false
  private started = false
  private leading = false
  private wakeLoop: (() => void) | null = null
  private loop: Promise<void> | null = null
  private closing: Promise<void> | null = null

  /**
   * @param client a client of the ensemble (a chroot applies).
   * @param path the election's node (a container, created if missing).
   * @param takeLeadership runs while this participant leads; return (or settle) to give leadership up.
   *   Stop when `leadership.signal` aborts: leadership is then in doubt or lost.
   * @param options `id`, `autoRequeue`, `abortOnSuspend`.
   */
  constructor(client: ZooKeeperClient, path: string, takeLeadership: (leadership: SelectorLeadership) => unknown, options?: LeaderSelectorOptions) {
    super()
    validatePath(path)
    if (takeLeadership === undefined) throw new InvalidArgumentError('new LeaderSelector: takeLeadership must be a function (leadership) => Promise<void>, got undefined')
    this.takeLeadership = checkFunction(takeLeadership, 'takeLeadership', 'new LeaderSelector')!
    const o = checkOptions(options, ['id', 'autoRequeue', 'abortOnSuspend'], 'new LeaderSelector', { participantId: 'write id' })
    this.client = client
    this.path = path
    this.participantId = checkString(o.id, 'id', 'new LeaderSelector', true) ?? ''
    this.autoRequeue = checkBoolean(o.autoRequeue, 'autoRequeue', 'new LeaderSelector') ?? false
    this.mutex = new Mutex(client, path, { data: this.participantId, abortOnSuspend: checkBoolean(o.abortOnSuspend, 'abortOnSuspend', 'new LeaderSelector') ?? true })
  }

  /** Queues this participant for leadership (once; see `autoRequeue`). */
  start(): void {
    if (this.closing !== null) throw new InvalidArgumentError('leader selector start: the selector is closed')
    if (this.started) throw new InvalidArgumentError('leader selector start: already started; use requeue() to queue again')
    this.started = true
    this.requeue()
  }

  /**
   * Queues again for leadership if not queued or leading; returns false if it already is.
   *
   * @example
   * ```ts
   * selector.requeue()
   * ```
   */
  requeue(): boolean {
    if (!this.started) throw new InvalidArgumentError('leader selector requeue: call start() first')
    if (this.closing !== null || this.queued) return false
    this.queued = true
    if (this.loop === null) this.loop = this.run()
    this.wakeLoop?.()
    return true
  }

  /** True while `takeLeadership` runs for this participant. */
  get hasLeadership(): boolean {
    return this.leading
  }

  /**
   * The participants, leader first (Curator's `getParticipants`: node data read as ids).
   *
   * @example
   * ```ts
   * const [leader] = await selector.participants()
   * ```
   */
  async participants(): Promise<SelectorParticipant[]> {
    let children: string[]
    try {
      children = (await this.client.getChildren(this.path)).children
    } catch (error) {
      if (error instanceof NoNodeError) return []
      throw error
    }
    const out: SelectorParticipant[] = []
    for (const name of sortLockNodes(children, [LOCK_MARKER])) {
      const path = joinPath(this.path, name)
      try {
        const { data } = await this.client.getData(path)
        out.push({ id: data.toString('utf8'), path, isLeader: out.length === 0 })
      } catch (error) {
        if (!(error instanceof NoNodeError)) throw error
      }
    }
    return out
  }

  /**
   * Leaves: aborts the current term's signal, waits for `takeLeadership` to return, and deletes
   * this participant's node.
   *
   * @example
   * ```ts
   * await selector.close()
   * ```
   */
  close(): Promise<void> {
    if (this.closing !== null) return this.closing
    this.queued = false
    this.stop.abort(new Error('leader selector closed'))
    this.wakeLoop?.()
    this.closing = (this.loop ?? Promise.resolve()).then(() => {})
    return this.closing
  }

  private async run(): Promise<void> {
    while (this.closing === null) {
      if (!this.queued) {
        const woken = deferred<void>()
        this.wakeLoop = () => woken.resolve()
        await woken.promise
        this.wakeLoop = null
        continue
      }
      let lock
      try {
        lock = await this.mutex.acquire({ signal: this.stop.signal })
      } catch (error) {
        if (this.closing !== null || this.client.state === 'closed') {
          if (this.client.state === 'closed' && this.closing === null) this.emitError(clientClosedError('leader selector'))
          return
        }
        this.emitError(error)
        continue
      }
      this.leading = true
      try {
        const signal = AbortSignal.any([lock.signal, this.stop.signal])
        await this.takeLeadership({ path: lock.path, token: lock.token, signal, guard: (ops, o) => lock.guard(ops, o), transaction: (o) => lock.transaction(o), participantId: this.participantId })
      } catch (error) {
        this.emitError(error)
      } finally {
        this.leading = false
        await lock.release()
        if (!this.autoRequeue) this.queued = false
      }
    }
  }

  private emitError(error: unknown): void {
    if (this.listenerCount('error') > 0) this.emit('error', error instanceof Error ? error : new Error(String(error)))
  }
}
