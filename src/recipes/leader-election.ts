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
import { BadVersionError, InvalidArgumentError, NoNodeError } from '../common/errors.js'
import type { WatchedEvent } from '../client/watch-event.js'
import { validatePath } from '../common/paths.js'
import type { StateChange } from '../session/state.js'
import { backOff, clientClosedError, type Deferred, deferred, isRetryable, isWritable, retrying, sleep, whenWritable } from './connection.js'
import { findProtectedNode, protectedCreate } from './protected-create.js'
import type { Op, OpResult } from '../client/transaction.js'
import type { CallOptions } from '../client/types.js'
import { guardedMulti } from './locks/hold.js'
import { basename, joinPath } from '../common/paths.js'
import { checkBoolean, checkOptions, checkSignal, checkString } from '../common/check.js'

/** Curator LeaderLatch's `LOCK_NAME`: the part of a candidate's name before its sequence. */
export const LATCH_PREFIX = 'latch-'

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

/** A term of leadership, as handed to the leader. */
export interface Leadership {
  /**
   * Fencing token: the creation zxid (`czxid`) of the leader's node. Candidates lead in the order
   * their nodes were created, so each new leader's token is larger than every earlier leader's.
   * Send it with writes to other systems and have them refuse a token lower than one seen.
   */
  token: bigint
  /** The leader's candidate node. */
  path: string
  /** The leader's participant id. */
  participantId: string
  /** Aborted when this term ends (resign, suspension, session loss, close). */
  signal: AbortSignal
  /**
   * Commits `ops` in one multi with a check that the leader's node still exists unchanged, so the
   * server refuses the writes of a deposed leader (see `isFencedError`). Resolves with the results
   * of `ops`.
   */
  guard(ops: readonly Op[], options?: CallOptions): Promise<OpResult[]>
}

/** A candidate, as {@link LeaderElection.participants} lists them. */
export interface Participant {
  /** Its participant id (the node's data). */
  id: string
  /** Its candidate node. */
  path: string
  /** True for the first candidate, the leader. */
  isLeader: boolean
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

interface CandidateNode {
  path: string
  name: string
  /** The session that owns it. */
  session: bigint
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
  private term: { leadership: Leadership; controller: AbortController } | null = null
  private readonly leaderWaiters = new Set<Deferred<Leadership>>()
  private resignRequests: Deferred<void>[] = []
  private watched: string | null = null
  private watchCount = 0
  private epoch = 0
  private woken = false
  private wakeup: (() => void) | null = null
  private driver: Promise<void> | null = null
  private closing: Promise<void> | null = null
  /** While suspended with keepLeadershipWhileSuspended: ends leadership at the servers' expiry bound. */
  private suspendTimer: NodeJS.Timeout | undefined
  /** Watch removals in flight, by path: a new watch on the same path waits for them. */
  private readonly unwatching = new Map<string, Promise<void>>()

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
    if (event.path === this.watched) {
      this.watched = null
      this.wake()
    }
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
  /** Leaves the election: `await using election = new LeaderElection(...)` closes it when the scope ends. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close()
  }

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
  static async participants(client: ZooKeeperClient, path: string): Promise<Participant[]> {
    let children: string[]
    try {
      children = (await client.getChildren(path)).children
    } catch (error) {
      if (error instanceof NoNodeError) return []
      throw error
    }
    const names = sortCandidates(children)
    const data = await Promise.all(
      names.map((name) =>
        client.getData(joinPath(path, name)).then(
          (r) => r.data.toString('utf8'),
          (error: unknown) => {
            if (error instanceof NoNodeError) return null
            throw error
          },
        ),
      ),
    )
    const out: Participant[] = []
    names.forEach((name, i) => {
      const id = data[i]
      if (id !== null && id !== undefined) out.push({ id, path: joinPath(path, name), isLeader: out.length === 0 })
    })
    return out
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
          await this.deleteQuietly(node.path)
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
    const { path, stat } = await protectedCreate(this.client, joinPath(this.path, LATCH_PREFIX), this.participantId, {
      mode: 'ephemeralSequential',
      createParents: 'container',
      protectedId,
      signal: this.stopController.signal,
    })
    this.joiningId = null
    this.node = { path, name: basename(path), session: stat.ephemeralOwner }
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
      this.unwatch()
      this.becomeLeader(stat.czxid, node, stat.version)
      return true
    }
    this.stepDown('another candidate is first')
    const predecessor = joinPath(this.path, candidates[index - 1]!)
    if (this.watched !== predecessor) this.unwatch()
    this.watched = predecessor
    // A removal of an earlier watch on this path still in flight would remove the new one too.
    await this.unwatching.get(predecessor)
    try {
      // getData, not exists: on a node already gone, exists would leave a watch for its creation,
      // which never comes for a sequential name (Curator's LeaderLatch does the same).
      await this.client.getData(predecessor, { watcher: this.onPredecessorEvent })
    } catch (error) {
      if (!(error instanceof NoNodeError)) throw error
      // Gone before the watch was set: look again.
      this.watched = null
      return false
    }
    return true
  }

  /** Deletes the leader's node (after stepping down in resign()), then joins again at the back. */
  private async handOver(): Promise<void> {
    const requests = this.resignRequests.splice(0)
    const node = this.node
    try {
      if (node !== null) await this.deleteQuietly(node.path)
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
    this.unwatch()
    for (const r of this.resignRequests.splice(0)) r.resolve()
    const node = this.node
    const joiningId = this.joiningId
    this.node = null
    if (node === null && joiningId === null) return
    const session = node?.session ?? this.client.sessionId
    try {
      await retrying(this.client, 'leader election close', async () => {
        // In a new session the old node is gone (or going) with the old one.
        if (this.client.sessionId !== session) return
        if (node !== null) await this.deleteQuietly(node.path)
        else {
          const found = await findProtectedNode(this.client, this.path, joiningId!, { ephemeral: true })
          if (found !== null) await this.deleteQuietly(found.path)
        }
      })
    } catch {
      // The client closed: the session, and the node with it, is gone.
    }
  }

  // ---------------------------------------------------------------- leadership

  private becomeLeader(token: bigint, node: CandidateNode, version: number): void {
    if (this.term !== null) return
    const controller = new AbortController()
    const guard = (ops: readonly Op[], options?: CallOptions): Promise<OpResult[]> => guardedMulti(this.client, node.path, version, ops, options)
    const leadership: Leadership = { token, path: node.path, participantId: this.participantId, signal: controller.signal, guard }
    this.term = { leadership, controller }
    this.watchOwnNode(leadership)
    for (const waiter of this.leaderWaiters) waiter.resolve(leadership)
    this.leaderWaiters.clear()
    this.emit('leader', leadership)
  }

  /** While leading, watches the leader's own node: deleted or changed by someone else, the term ends. */
  private watchOwnNode(leadership: Leadership): void {
    const end = (): void => {
      if (this.term?.leadership !== leadership) return
      this.stepDown('this candidate\'s node was deleted or changed by someone else')
      this.wake()
    }
    const watcher = (event: WatchedEvent): void => {
      if (event.type === 'NodeDeleted' || event.type === 'NodeDataChanged') end()
    }
    this.client.exists(leadership.path, { watcher }).then(
      (stat) => {
        if (stat === null) end()
      },
      () => {
        // No answer: the state change that explains it ends the term.
      },
    )
  }

  private stepDown(reason: string): void {
    const term = this.term
    if (term === null) return
    this.term = null
    term.controller.abort(new Error(`leadership ended: ${reason}`))
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

  /** Drops the watch on a former predecessor, so it cannot fire for us later. */
  private unwatch(): void {
    const watched = this.watched
    if (watched === null) return
    this.watched = null
    const removal = this.client.removeWatches(watched, 'data', { watcher: this.onPredecessorEvent, local: true }).catch(() => {})
    const tracked = removal.finally(() => {
      if (this.unwatching.get(watched) === tracked) this.unwatching.delete(watched)
    })
    this.unwatching.set(watched, tracked)
  }

  private async deleteQuietly(path: string): Promise<void> {
    try {
      await this.client.delete(path)
    } catch (error) {
      if (!(error instanceof NoNodeError || error instanceof BadVersionError)) throw error
    }
  }
}

/**
 * Candidates in line order, as Curator's `LockInternals.getSortedChildren` orders them: by what
 * follows the last `latch-` of the name (the sequence), or the whole name if it has none. Every
 * child counts, as in Curator, so Node and Java candidates always agree on who is first.
 *
 * @example
 * ```ts
 * sortCandidates(['_c_…-latch-0000000002', '_c_…-latch-0000000001']) // the …01 one first
 * ```
 */
export function sortCandidates(children: readonly string[]): string[] {
  const key = (name: string): string => {
    const i = name.lastIndexOf(LATCH_PREFIX)
    return i < 0 ? name : name.slice(i + LATCH_PREFIX.length)
  }
  return [...children].sort((a, b) => {
    const ka = key(a)
    const kb = key(b)
    return ka < kb ? -1 : ka > kb ? 1 : a < b ? -1 : a > b ? 1 : 0
  })
}
