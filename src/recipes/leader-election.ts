/**
 * Leader election with Curator LeaderLatch's node layout: each candidate is an ephemeral
 * sequential node `<path>/_c_<uuid>-latch-<sequence>` holding its participant id; the lowest
 * sequence leads.
 *
 * One driver loop does everything that talks to ZooKeeper (join, look, watch, resign), so no two
 * steps of the same candidate ever race; watch events and connection changes only wake it up.
 * Each candidate watches its predecessor alone, so a change wakes one candidate, not all of them
 * (no herd effect).
 */
import { randomUUID } from 'node:crypto'
import { EventEmitter } from 'node:events'
import type { ZooKeeperClient } from '../client/client.js'
import { InvalidArgumentError } from '../common/errors.js'
import type { WatchedEvent } from '../client/watch-event.js'
import { validatePath } from '../common/paths.js'
import type { StateChange } from '../session/state.js'
import { backOff, clientClosedError, type Deferred, deferred, isRetryable, isWritable, sleep, whenWritable } from './connection.js'
import { joinPath } from '../common/paths.js'
import { checkBoolean, checkOptions, checkSignal, checkString } from '../common/check.js'
import { type CandidateNode, deleteCandidate, joinLine, leaveLine, type Participant, readParticipants, sortCandidates } from './election-candidates.js'
import { type Leadership, Term } from './election-term.js'
import { PredecessorWatch } from './predecessor-watch.js'

export { LATCH_PREFIX, sortCandidates, type Participant } from './election-candidates.js'
export type { Leadership } from './election-term.js'

/** Options of {@link LeaderElection}. */
export interface LeaderElectionOptions {
  /** Participant id, written as the candidate node's data (UTF-8, as LeaderLatch's id). Default `''`. */
  id?: string
  /**
   * Keep leadership while the connection is suspended, until the session may have expired on the
   * servers: leadership ends when the connection comes back too late, at the latest one session
   * timeout after the last packet a server answered (`StateChange.serverExpiresInMs`), not at the
   * client's own expiry (`lost`, 4/3 of the timeout), by when another candidate may already lead.
   * Default false: leadership is given up the moment the connection is in doubt.
   */
  keepLeadershipWhileSuspended?: boolean
}

/** Events of a {@link LeaderElection}. */
export interface LeaderElectionEvents {
  /** This candidate became leader. */
  leader: [leadership: Leadership]
  /** This candidate's term ended. */
  notLeader: [details: { reason: string; token: bigint }]
  /** The watch on this candidate's predecessor fired (a debugging aid; one per leader change in a healthy election). */
  watchTriggered: [event: WatchedEvent]
  /** A step failed for a reason other than the connection (e.g. no permission); it is retried. Emitted only if listened to. */
  error: [error: Error]
}

/**
 * One candidate in a leader election.
 *
 * @example
 * ```ts
 * const election = new LeaderElection(zk, '/app/leader', { id: 'worker-1' })
 * election.on('leader', ({ token }) => console.log('leading with token', token))
 * election.on('notLeader', ({ reason }) => console.log('stepped down:', reason))
 * await election.start()
 * const { token, signal } = await election.leadership()
 * await doLeaderWork({ fencingToken: token, signal }) // stop when signal aborts
 * await election.close()
 * ```
 */
export class LeaderElection extends EventEmitter<LeaderElectionEvents> implements AsyncDisposable {
  /** The election's node; candidates are its children. */
  readonly path: string
  /** This candidate's participant id. */
  readonly participantId: string
  private readonly client: ZooKeeperClient
  private readonly keepWhileSuspended: boolean
  private readonly stopController = new AbortController()
  private readonly joined = deferred<void>()
  private node: CandidateNode | null = null
  /** The UUID of a protected create in progress, to find its node if we stop in the middle. */
  private joiningId: string | null = null
  private term: Term | null = null
  private readonly leaderWaiters = new Set<Deferred<Leadership>>()
  private resignRequests: Deferred<void>[] = []
  private readonly predecessor: PredecessorWatch
  private watchCount = 0
  private epoch = 0
  private woken = false
  private wakeup: (() => void) | null = null
  private driver: Promise<void> | null = null
  private closing: Promise<void> | null = null
  /** While suspended with keepLeadershipWhileSuspended: ends leadership at the servers' expiry bound. */
  private suspendTimer: NodeJS.Timeout | undefined

  private readonly onState = (change: StateChange): void => {
    // Any state change invalidates what a look at the candidates in flight will conclude.
    this.epoch++
    clearTimeout(this.suspendTimer)
    this.suspendTimer = undefined
    switch (change.state) {
      case 'suspended':
      case 'readOnly':
        if (!this.keepWhileSuspended) this.stepDown(`connection ${change.state}: ${change.reason}`)
        else if (change.state === 'suspended' && this.term !== null) {
          const bound = change.serverExpiresInMs ?? this.client.sessionTimeout
          this.suspendTimer = setTimeout(() => {
            this.suspendTimer = undefined
            this.stepDown(`suspended for as long as the session can live on the servers (${bound} ms after the suspension)`)
          }, bound)
        }
        break
      case 'lost':
        this.stepDown(`session lost: ${change.reason}`)
        break
      case 'closed':
        this.stepDown('the client was closed')
        this.failWaiters(clientClosedError('leader election'))
        this.joined.reject(clientClosedError('leader election start'))
        break
      default:
        break
    }
    this.wake()
  }

  private readonly onPredecessorEvent = (event: WatchedEvent): void => {
    // Final events (session ended, watch removed) are not triggers: state changes handle those.
    if (event.type === 'None' || event.type.endsWith('WatchRemoved')) return
    this.watchCount++
    this.emit('watchTriggered', event)
    if (this.predecessor.fired(event.path)) this.wake()
  }

  /**
   * @param client a client of the ensemble (a chroot applies); one candidate per client session.
   * @param path the election's node, shared by every candidate (created as a container if missing).
   * @param options participant `id`, and `keepLeadershipWhileSuspended`.
   */
  constructor(client: ZooKeeperClient, path: string, options: LeaderElectionOptions = {}) {
    super()
    validatePath(path)
    const where = 'new LeaderElection'
    checkOptions(options, ['id', 'keepLeadershipWhileSuspended'], where, {
      ':string': (v) => `pass { id: ${JSON.stringify(v)} }`,
      participantId: 'use { id }',
      name: 'use { id }',
    })
    checkString(options.id, 'id', where, true)
    checkBoolean(options.keepLeadershipWhileSuspended, 'keepLeadershipWhileSuspended', where)
    this.client = client
    this.path = path
    this.participantId = options.id ?? ''
    this.keepWhileSuspended = options.keepLeadershipWhileSuspended ?? false
    this.predecessor = new PredecessorWatch(client, this.onPredecessorEvent)
    this.joined.promise.catch(() => {})
  }

  /**
   * Joins the election. Resolves once this candidate's node exists (waiting for a connection if
   * needed); leadership is reported by events and {@link LeaderElection.leadership}.
   *
   * @example
   * ```ts
   * await election.start()
   * console.log('candidate node', election.candidatePath)
   * ```
   */
  start(): Promise<void> {
    if (this.closing !== null) return Promise.reject(new InvalidArgumentError('the leader election is closed'))
    if (this.client.state === 'closed') this.joined.reject(clientClosedError('leader election start'))
    if (this.driver === null) {
      this.client.on('state', this.onState)
      this.driver = this.drive()
    }
    return this.joined.promise
  }

  /** True while this candidate leads. */
  get isLeader(): boolean {
    return this.term !== null
  }

  /** The current term if this candidate leads, else null. */
  get currentLeadership(): Leadership | null {
    return this.term?.leadership ?? null
  }

  /** This candidate's node, once joined. */
  get candidatePath(): string | null {
    return this.node?.path ?? null
  }

  /** How many times the watch on a predecessor fired for this candidate (see the `watchTriggered` event). */
  get watchEvents(): number {
    return this.watchCount
  }

  /**
   * Resolves with the term as soon as this candidate leads (at once if it does). Rejects if the
   * election or client is closed first, or `signal` aborts.
   *
   * @example
   * ```ts
   * const { token, signal } = await election.leadership()
   * ```
   */
  leadership(options: { signal?: AbortSignal } = {}): Promise<Leadership> {
    if (this.term !== null) return Promise.resolve(this.term.leadership)
    if (this.closing !== null) return Promise.reject(new InvalidArgumentError('the leader election is closed'))
    let signal: AbortSignal | undefined
    try {
      checkOptions(options, ['signal'], 'leadership')
      signal = checkSignal(options.signal, 'leadership')
    } catch (error) {
      return Promise.reject(error)
    }
    if (signal?.aborted) return Promise.reject(signal.reason)
    const waiter = deferred<Leadership>()
    this.leaderWaiters.add(waiter)
    if (signal !== undefined) {
      const onAbort = (): void => {
        this.leaderWaiters.delete(waiter)
        waiter.reject(signal.reason)
      }
      signal.addEventListener('abort', onAbort, { once: true })
      void waiter.promise.then(
        () => signal.removeEventListener('abort', onAbort),
        () => signal.removeEventListener('abort', onAbort),
      )
    }
    return waiter.promise
  }

  /**
   * Gives up leadership now and joins again at the back of the line (the next candidate takes
   * over). Resolves once this candidate's old node is deleted, i.e. the handover has started.
   * Does nothing if this candidate does not lead.
   *
   * @example
   * ```ts
   * if (election.isLeader) await election.resign()
   * ```
   */
  resign(): Promise<void> {
    if (this.term === null || this.closing !== null) return Promise.resolve()
    // Stop acting as leader before anyone else can start to.
    this.stepDown('resigned')
    const done = deferred<void>()
    this.resignRequests.push(done)
    this.wake()
    return done.promise
  }

  /** Leaves the election: `await using election = new LeaderElection(...)` closes it when the scope ends. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close()
  }

  /**
   * Leaves the election: gives up leadership, and deletes this candidate's node so the next one
   * leads at once (rather than when this session ends). Waits for a connection to do so, unless
   * the client closes or the session ends first (the node then goes with it).
   *
   * @example
   * ```ts
   * process.on('SIGTERM', () => void election.close().then(() => zk.close()))
   * ```
   */
  close(): Promise<void> {
    if (this.closing !== null) return this.closing
    this.stepDown('the election was closed')
    this.stopController.abort(new Error('leader election closed'))
    this.failWaiters(new InvalidArgumentError('the leader election was closed'))
    this.joined.reject(new InvalidArgumentError('the leader election was closed before joining'))
    this.wake()
    this.closing = this.finishClose()
    return this.closing
  }

  /**
   * The candidates in line, leader first.
   *
   * @example
   * ```ts
   * const [leader] = await election.participants()
   * ```
   */
  participants(): Promise<Participant[]> {
    return LeaderElection.participants(this.client, this.path)
  }

  /**
   * The candidates of the election at `path`, leader first (readable by any client, e.g. a
   * dashboard; also lists Curator LeaderLatch participants).
   *
   * @example
   * ```ts
   * const [leader] = await LeaderElection.participants(zk, '/app/leader')
   * ```
   */
  static participants(client: ZooKeeperClient, path: string): Promise<Participant[]> {
    return readParticipants(client, path)
  }

  // ---------------------------------------------------------------- the driver

  private async drive(): Promise<void> {
    let attempt = 0
    while (this.closing === null) {
      try {
        await whenWritable(this.client, 'leader election', this.stopController.signal)
        if (this.resignRequests.length > 0) await this.handOver()
        const node = this.node
        if (node !== null && node.session !== this.client.sessionId) {
          // Made in a session that expired: the server deletes it when it reaps that session.
          // Deleting it now spares the candidates behind it the wait.
          this.node = null
          await deleteCandidate(this.client, node.path)
        }
        if (this.node === null) await this.join()
        if (this.closing !== null) break
        const settled = await this.look()
        attempt = 0
        if (settled) await this.untilWoken()
      } catch (error) {
        if (this.closing !== null || this.client.state === 'closed') {
          // Never joined and never will: start() must not wait forever.
          if (this.client.state === 'closed') this.joined.reject(clientClosedError('leader election start'))
          break
        }
        if (isRetryable(error)) {
          await backOff(this.client, attempt++, this.stopController.signal).catch(() => {})
        } else {
          if (this.listenerCount('error') > 0) this.emit('error', error as Error)
          await sleep(1_000, this.stopController.signal).catch(() => {})
        }
      }
    }
  }

  /** Creates this candidate's node: protected, so a create whose reply is lost is never made twice. */
  private async join(): Promise<void> {
    const protectedId = randomUUID()
    this.joiningId = protectedId
    this.node = await joinLine(this.client, this.path, this.participantId, protectedId, this.stopController.signal)
    this.joiningId = null
    this.joined.resolve()
  }

  /**
   * Looks at the candidates: leads if first, else watches the predecessor. Returns true when
   * settled (leading, or watching), false to look again at once.
   */
  private async look(): Promise<boolean> {
    const node = this.node!
    const epoch = this.epoch
    const candidates = sortCandidates((await this.client.getChildren(this.path)).children)
    const index = candidates.indexOf(node.name)
    if (index < 0) {
      // Our node is gone (deleted by someone, or with an expired session): join again.
      this.stepDown('this candidate\'s node was deleted')
      this.node = null
      return false
    }
    if (index === 0) {
      // First in line, but lead only on a node of our own live session: a node left by an
      // expired session of ours would vanish under us.
      const stat = await this.client.exists(node.path)
      if (stat === null || stat.ephemeralOwner !== this.client.sessionId) {
        this.stepDown('this candidate\'s node belongs to an ended session')
        this.node = null
        return false
      }
      // The connection changed (or a resign came) while we looked: look again, not lead on old news.
      if (epoch !== this.epoch || !isWritable(this.client.state) || this.resignRequests.length > 0 || this.closing !== null) return false
      this.predecessor.unwatch()
      this.becomeLeader(stat.czxid, node, stat.version)
      return true
    }
    this.stepDown('another candidate is first')
    // Gone before the watch was set: look again.
    return this.predecessor.watch(joinPath(this.path, candidates[index - 1]!))
  }

  /** Deletes the leader's node (after stepping down in resign()), then joins again at the back. */
  private async handOver(): Promise<void> {
    const requests = this.resignRequests.splice(0)
    const node = this.node
    try {
      if (node !== null) await deleteCandidate(this.client, node.path)
    } catch (error) {
      this.resignRequests.unshift(...requests)
      throw error
    }
    if (this.node === node) this.node = null
    for (const r of requests) r.resolve()
  }

  private async finishClose(): Promise<void> {
    // The driver stops at its next step; a create already sent is awaited, never abandoned.
    await this.driver
    this.client.off('state', this.onState)
    clearTimeout(this.suspendTimer)
    this.suspendTimer = undefined
    this.predecessor.unwatch()
    for (const r of this.resignRequests.splice(0)) r.resolve()
    const node = this.node
    this.node = null
    await leaveLine(this.client, this.path, node, this.joiningId)
  }

  // ---------------------------------------------------------------- leadership

  private becomeLeader(token: bigint, node: CandidateNode, version: number): void {
    if (this.term !== null) return
    const term = new Term(this.client, node.path, this.participantId, token, version)
    this.term = term
    // Deleted or changed by someone else, the leader's node no longer makes it leader.
    term.watchOwnNode(() => {
      if (this.term !== term) return
      this.stepDown('this candidate\'s node was deleted or changed by someone else')
      this.wake()
    })
    for (const waiter of this.leaderWaiters) waiter.resolve(term.leadership)
    this.leaderWaiters.clear()
    this.emit('leader', term.leadership)
  }

  private stepDown(reason: string): void {
    const term = this.term
    if (term === null) return
    this.term = null
    term.end(reason)
    this.emit('notLeader', { reason, token: term.leadership.token })
  }

  private failWaiters(error: Error): void {
    for (const waiter of this.leaderWaiters) waiter.reject(error)
    this.leaderWaiters.clear()
  }

  // ---------------------------------------------------------------- plumbing

  private wake(): void {
    this.woken = true
    this.wakeup?.()
  }

  private untilWoken(): Promise<void> {
    if (this.woken) {
      this.woken = false
      return Promise.resolve()
    }
    return new Promise((resolve) => {
      this.wakeup = () => {
        this.wakeup = null
        this.woken = false
        resolve()
      }
    })
  }
}
