/**
 * One ZooKeeper session and the connections that carry it: the dispatcher. This class is the
 * single owner of the wire state, the xid counter, the queue of requests awaiting replies, the
 * watch registry and the last zxid seen; everything that changes them happens here, in the order
 * bytes arrive, and replies and events reach the application in that order ({@link OrderedDelivery}).
 * Each connection's socket, framing and heartbeat live in a {@link Connection}; the SASL gate in
 * {@link SaslGate}; the handshake in handshake.ts; priming a connection (credentials, SetWatches)
 * in prime.ts; notifications in notifications.ts; the close protocol in close-protocol.ts; when to
 * reconnect, and the record of failed attempts, in attempts.ts.
 */
import { EventEmitter } from 'node:events'
import { ClientClosedError, ConnectionLossError, InvalidArgumentError, ProtocolError, SessionExpiredError } from '../common/errors.js'
import type { Codec } from '../protocol/codec.js'
import { KeeperState, SESSION_PASSWORD_LENGTH, Xid } from '../protocol/constants.js'
import { AttemptLog, Reconnects } from './attempts.js'
import { type Closable, ReachWaiters, closeSession } from './close-protocol.js'
import { OrderedDelivery } from './delivery.js'
import { SaslGate } from './sasl-gate.js'
import { Reader } from '../protocol/reader.js'
import { Credentials } from './auth.js'
import type { Clock } from './clock.js'
import { type SessionOptions, holdOutgoing } from './config.js'
import { Connection } from './connection.js'
import { openedReason, openedState, readConnectResponse, writeConnectRequest } from './handshake.js'
import { type HostAddress, HostList, formatHost } from './hosts.js'
import { LocalExpiry } from './local-expiry.js'
import { InFlight } from './in-flight.js'
import { deliverNotification, endWatches } from './notifications.js'
import { Primer, rearmsWatches } from './prime.js'
import { WaitingRequests } from './waiting.js'
import { ReadWriteSearch } from './read-only-probe.js'
import { Request, type RequestContext } from './request.js'
import { type ConnectionState, type StateChange, type WireState, canTransition } from './state.js'
import { WatchRegistry } from './watches.js'

export { SET_WATCHES_MAX_LENGTH, type SessionOptions, defaultSessionOptions } from './config.js'
export type { RequestContext, WatchRegistration } from './request.js'

const ZERO_PASSWORD = Buffer.alloc(SESSION_PASSWORD_LENGTH)

/**
 * The session: connects, keeps the connection alive, sends requests and matches replies, delivers
 * watch events, reconnects and resumes, and reports state changes as `'state'` events
 * ({@link StateChange}).
 */
export class Session extends EventEmitter {
  /** Server-side watches of this session. */
  readonly watches = new WatchRegistry()

  private readonly options: SessionOptions
  private readonly hostList: HostList
  private readonly clock: Clock
  /** Requests on the wire awaiting replies, and the window they fit in. */
  private readonly pending: InFlight
  private readonly waiting: WaitingRequests
  private readonly credentials = new Credentials()
  /** Replies and events, delivered in the order the server sent them. */
  private readonly delivery = new OrderedDelivery()
  /** With SASL: holds everything but the exchange until it completes. */
  private readonly saslGate: SaslGate | null
  private readonly attempts = new AttemptLog()
  private readonly reconnects: Reconnects

  private conn: Connection | null = null
  /** The connection once primed (credentials, SetWatches sent): requests may go out on it. */
  private primed: Connection | null = null
  /** close() was called: no state events but `closed`, and no new session is started. */
  private closeRequested = false
  /** close() waiting for a usable connection (see close-protocol.ts). */
  private readonly reachWaiters: ReachWaiters
  /** Writes credentials and SetWatches first on each connection. */
  private readonly primer: Primer
  private wire: WireState = 'connecting'
  private appState: ConnectionState | 'initial' = 'initial'
  private closing = false
  private closedPromise: Promise<void> | null = null
  private readonly expiry: LocalExpiry
  private terminalError: Error | null = null
  /** One reader for every reply frame: frames are handled one at a time, to completion. */
  private readonly reader = new Reader(Buffer.alloc(0))
  /**
   * True once connected to a read-write server (or given a session to resume). Until then every
   * ConnectRequest asks for a new session: read-only servers hand out local sessions the quorum
   * never learns of (ClientCnxn `seenRwServerBefore`).
   */
  private seenRwServerBefore: boolean
  /** The search for a read-write server while connected to a read-only one. */
  private readonly readWriteSearch: ReadWriteSearch

  /** Current session id; 0n before the first handshake and after an expiry. */
  sessionId = 0n
  /** Current session password. */
  sessionPassword: Buffer = ZERO_PASSWORD
  /** Session timeout granted by the server, in ms (the requested one until then). */
  negotiatedTimeout: number
  /** Highest zxid seen in a reply; sent when reconnecting so no server behind it is used. */
  get lastZxid(): bigint {
    return (BigInt(this.lastZxidHigh) << 32n) | BigInt(this.lastZxidLow)
  }
  // The zxid of every reply is kept as two words, so no BigInt is made per reply.
  private lastZxidHigh = 0
  private lastZxidLow = 0
  /** Server of the current connection, as `host:port`. */
  currentServer: string | null = null
  /** [connect/server-list] The server of the current connection or attempt. */
  private currentHost: HostAddress | null = null
  /** [connect/TLS] Why the last connection attempt failed (null once one succeeds), for connected()'s error. */
  lastAttemptError: Error | null = null

  constructor(options: SessionOptions) {
    super()
    this.options = options
    this.clock = options.clock
    if (options.hosts.length === 0) throw new InvalidArgumentError('at least one host is required')
    this.hostList = new HostList(options.hosts, options.random)
    this.negotiatedTimeout = options.sessionTimeout
    if (options.session) {
      this.sessionId = options.session.id
      this.sessionPassword = options.session.password
    }
    this.seenRwServerBefore = options.session !== undefined
    this.expiry = new LocalExpiry(this.clock)
    this.reconnects = new Reconnects(this.clock, options.reconnectDelay, options.random, this.attempts, options.log, {
      stopped: () => this.closing || this.wire === 'closed',
      connectNext: () => this.connectNext(),
    })
    this.pending = new InFlight(this.clock, options)
    this.waiting = new WaitingRequests(this.clock, options.sessionTimeout, {
      // No established connection, and no session whose local expiry would end the wait.
      unbounded: () => !this.closing && !(this.conn?.isEstablished ?? false) && !this.expiry.armed,
      errorFor: (req, boundMs) => this.attempts.error(boundMs, `${req.context.operation}${req.context.path === undefined ? '' : ` ${req.context.path}`}`),
      failed: (calls, waitedMs) => this.options.log.warn('calls failed: no server usable', { calls, waitedMs, cause: this.attempts.lastCause ?? undefined }),
    })
    this.saslGate = options.sasl === undefined ? null : new SaslGate(options.sasl, this.saslHost, options.log)
    this.reachWaiters = new ReachWaiters(this.clock)
    this.primer = new Primer(this.credentials, this.watches, options.log, (req, conn) => this.send(req, conn))
    this.readWriteSearch = new ReadWriteSearch({ transport: options.transport, clock: this.clock })
  }

  /**
   * A call made while no server is usable, and no session could still be waiting for it on the
   * servers (before the first session, after an expiry), fails after this many ms: the requested
   * session timeout. While a session may still live, local expiry bounds the wait instead.
   */
  get unreachableBoundMs(): number {
    return this.waiting.boundMs
  }

  /** The ConnectionLossError for a wait of `waitedMs` that found no usable server: hosts tried and the last cause. */
  unreachableError(waitedMs: number, what: string): Error {
    return this.attempts.error(waitedMs, what)
  }

  /** The wire state. */
  get state(): WireState {
    return this.wire
  }

  /** The application state (see {@link ConnectionState}); `'initial'` before the first connection. */
  get connectionState(): ConnectionState | 'initial' {
    return this.appState
  }

  /** True when a request made now goes out at once (a primed connection, the client not closing). */
  get connectedNow(): boolean {
    return this.sendable() !== null
  }

  /** Number of requests sent and awaiting replies. */
  get inFlight(): number {
    return this.pending.length
  }

  /** Starts connecting. */
  start(): void {
    this.connectNext()
  }

  // ---------------------------------------------------------------- requests

  /**
   * Sends a request and resolves with its decoded reply body (or `undefined` for ops without one).
   * Rejects with a ZooKeeperError for an error reply, `ConnectionLossError` when the connection
   * drops before the reply, `SessionExpiredError` when the session ends, and the signal's reason
   * or `RequestTimeoutError` for an abandoned wait.
   */
  request<T>(opcode: number, codec: Codec<any> | null, body: unknown, decode: ((r: Reader) => T) | null, context: RequestContext): Promise<T> {
    if (this.terminalError !== null) return Promise.reject(this.terminalError)
    const req = new Request(opcode, codec, body, decode, context)
    if (context.signal !== undefined || context.timeoutMs !== undefined) req.watchForAbandon(this.clock, this.abandon)
    if (!req.settled) {
      if (this.waiting.length === 0 && this.hasRoom()) {
        this.send(req)
      } else {
        this.waiting.push(req)
        // The queue may hold only abandoned requests: then this one can go now.
        if (this.hasRoom()) this.pump()
      }
    }
    return req.promise as Promise<T>
  }

  /** Adds credentials to the session, now and on every future connection. */
  addAuth(scheme: string, auth: Buffer): Promise<void> {
    if (this.terminalError !== null) return Promise.reject(this.terminalError)
    const { entry, answered } = this.credentials.add(scheme, auth)
    const conn = this.sendable()
    if (conn !== null) {
      this.credentials.write(conn.out, entry)
      conn.scheduleFlush()
    }
    return answered
  }

  /** The connection requests may be written to: established, primed, and the client not closing. */
  private sendable(): Connection | null {
    const conn = this.conn
    return conn !== null && conn === this.primed && conn.isEstablished && !this.closing ? conn : null
  }

  /**
   * True when a request may go out now: a usable connection whose socket takes more, and room in
   * the window by count (`maxInFlight`) and by bytes (`maxInFlightBytes`; one request always fits).
   */
  private hasRoom(): boolean {
    const conn = this.sendable()
    if (conn === null || !conn.writable) return false
    return this.pending.hasRoom
  }

  /**
   * Settles a request early, in O(1): a waiting request stays in the queue, settled, and is skipped
   * when its turn comes; a sent one stays queued so later replies still match.
   */
  private readonly abandon = (req: Request, reason: unknown): void => {
    req.settle(reason, true)
  }

  /** Writes a request on `conn` (default: the current connection), bypassing the queue. */
  private send(req: Request, conn = this.conn!): void {
    this.pending.send(req, conn)
  }

  /** Sends waiting requests while there is room in the window. */
  private pump(): void {
    while (this.waiting.length > 0 && this.hasRoom()) {
      const req = this.waiting.shift()!
      if (!req.settled) this.send(req)
    }
  }

  /** The SASL gate's view of the session. */
  private readonly saslHost = {
    current: (): Connection | null => this.conn,
    closing: (): boolean => this.closing,
    send: (req: Request, conn: Connection): void => this.send(req, conn),
    opened: (conn: Connection): void => this.prime(conn),
    refused: (error: Error): void => this.shutDown(error, 'SASL authentication failed'),
  }

  // ---------------------------------------------------------------- connections

  private connectNext(): void {
    if (this.closing || this.wire === 'closed') return
    // Closing while no session is left: nothing to end on a server, and no new session to start.
    if (this.closeRequested && this.requestedSessionId() === 0n) return this.reachWaiters.wake()
    const host = this.hostList.next()
    this.currentHost = host // [connect/server-list]
    this.credentials.connectionEnded()
    const connectTimeout = this.options.connectTimeout ?? Math.max(1, Math.floor(this.negotiatedTimeout / this.hostList.size))
    const settings = { transport: this.options.transport, clock: this.clock, maxPacketLength: this.options.maxPacketLength, connectTimeout }
    this.conn = new Connection(host, settings, this.connectionHandler)
    this.currentServer = this.conn.address
    this.attempts.attempt(this.conn.address)
    this.options.log.debug('connecting', { server: this.conn.address, sessionId: this.requestedSessionId(), connectTimeoutMs: connectTimeout })
  }

  private readonly connectionHandler = {
    onOpen: (conn: Connection): void => {
      const request = { protocolVersion: 0, lastZxidSeen: this.lastZxid, timeOut: this.options.sessionTimeout, sessionId: this.requestedSessionId(), passwd: this.sessionPassword, readOnly: this.options.canBeReadOnly }
      writeConnectRequest(conn, request, this.clock.now())
    },
    onFrame: (conn: Connection, buf: Buffer, start: number, end: number): void => {
      if (conn.isEstablished) this.onFrame(conn, buf, start, end)
      else this.onConnectResponse(conn, buf.subarray(start, end))
    },
    onDrain: (): void => {
      if (this.waiting.length > 0) this.pump()
    },
    onChunkDone: (): void => {
      if (this.waiting.length > 0) this.pump()
    },
    // Batching policy (issue 14): config.ts holdOutgoing says why it holds at most what is on the wire.
    holdBatch: (conn: Connection): boolean => holdOutgoing(this.pending.length - conn.framesQueued, conn.framesQueued),
    onLost: (conn: Connection, reason: Error): void => {
      if (conn === this.conn) this.dropConnection(reason)
    },
  }

  /** The session id a ConnectRequest asks to resume: 0n (a new session) until a read-write server was seen. */
  private requestedSessionId(): bigint {
    return this.seenRwServerBefore ? this.sessionId : 0n
  }

  private onFrame(conn: Connection, buf: Buffer, start: number, end: number): void {
    const r = this.reader.reset(buf, start, end)
    const xid = r.int()
    const zxidHigh = r.int()
    const zxidLow = r.uint()
    const err = r.int()
    if (xid === Xid.notification) {
      deliverNotification(r, zxidHigh, zxidLow, this.watches, this.delivery)
      return
    }
    if (xid === Xid.ping) {
      const sentAt = conn.pingsSentAt.shift()
      if (sentAt !== undefined) conn.lastAnsweredSentAt = sentAt
      conn.answered(this.awaitingReplies(conn))
      return
    }
    if (xid === Xid.auth) {
      const failed = this.credentials.answer(err)
      conn.answered(this.awaitingReplies(conn))
      if (failed !== null) this.shutDown(failed, 'authentication failed')
      return
    }
    const req = this.pending.oldest
    if (req === undefined) throw new ProtocolError(`reply with xid ${xid} but no request is awaiting a reply`, 0)
    // The server answers in request order: a reply to anything but the oldest request breaks the stream.
    if (req.xid !== xid) throw new ProtocolError(`reply xid ${xid} does not match the oldest request's xid ${req.xid} (replies must arrive in request order)`, 0)
    if (zxidHigh > 0 || (zxidHigh === 0 && zxidLow > 0)) {
      this.lastZxidHigh = zxidHigh
      this.lastZxidLow = zxidLow
    }
    // Still queued while it completes: if its body is malformed, the drop fails it with the rest.
    req.complete(err, r, this.watches, this.deliverReply)
    this.pending.answered()
    conn.lastAnsweredSentAt = req.sentAt
    conn.answered(this.awaitingReplies(conn))
  }

  private readonly deliverReply = (req: Request, value: unknown, failed: boolean): void => this.delivery.reply(req, value, failed)

  /** True while anything sent on `conn` awaits its reply (requests, credentials, pings). */
  private awaitingReplies(conn: Connection): boolean {
    return this.pending.length > 0 || this.credentials.unanswered > 0 || conn.pingsSentAt.length > 0
  }

  /** Applies the handshake's answer (handshake.ts): the session is resumed, replaced, or gone. */
  private onConnectResponse(conn: Connection, frame: Buffer): void {
    const requested = this.requestedSessionId()
    const handshake = readConnectResponse(frame, this.sessionId, requested, conn.address)
    if (handshake.kind === 'expired') return this.dropConnection(handshake.error, true)
    if (handshake.kind === 'replaced') {
      this.expire(handshake.reason)
      // Without renewal the expiry closed the client; the new session is not ours to use.
      if (this.closing) return
    }
    const { response } = handshake
    const newSession = this.sessionId !== response.sessionId
    this.sessionId = response.sessionId
    this.sessionPassword = response.passwd
    this.negotiatedTimeout = response.timeOut
    this.attempts.connected()
    this.lastAttemptError = null // [connect/TLS]
    this.hostList.connected()
    this.expiry.clear()
    if (!response.readOnly) this.seenRwServerBefore = true
    this.wire = response.readOnly ? 'connectedReadOnly' : 'connected'
    conn.establish(this.negotiatedTimeout)
    this.waiting.disarm()
    this.primer.rearm = rearmsWatches(newSession, requested)
    // With SASL, nothing else goes out until the exchange completes (ClientCnxn tunnelAuthInProgress).
    if (this.saslGate !== null) this.saslGate.start(conn)
    else this.prime(conn)
    this.options.log.info(`${newSession ? 'new session' : 'session resumed'}`, { server: conn.address, sessionId: this.sessionId, timeoutMs: this.negotiatedTimeout, readOnly: response.readOnly })
    this.transition(openedState(response.readOnly, this.appState), newSession, openedReason(newSession, this.sessionId, conn.address, this.negotiatedTimeout))
    if (response.readOnly && conn === this.conn && !this.closing) this.startReadOnlyProbe(conn)
  }

  /**
   * Opens an established connection to requests, in primeConnection's order: credentials, then
   * SetWatches (prime.ts), then the queued requests.
   */
  private prime(conn: Connection): void {
    this.primed = conn
    this.primer.prime(conn, this.lastZxid)
    this.pump()
    conn.scheduleFlush()
    this.reachWaiters.wake()
  }

  /** While connected read-only, asks the other servers `isro` and moves to the first read-write one. */
  private startReadOnlyProbe(conn: Connection): void {
    // [connect/server-list] the current list, which updateServerList may have changed
    this.readWriteSearch.start(this.hostList.list, conn.address, (host) => {
      if (conn !== this.conn || this.closing) return
      this.hostList.prefer(host)
      this.dropConnection(new ConnectionLossError({ message: `leaving read-only server ${conn.address}: ${formatHost(host)} serves reads and writes` }))
    })
  }

  /**
   * Ends the current connection and fails the requests awaiting replies with `reason`. The session
   * lives on: the next server is tried, unless the session has expired or the client is closing.
   */
  private dropConnection(reason: Error, sessionExpired = false): void {
    this.readWriteSearch.stop()
    const conn = this.conn
    if (conn === null) return
    this.conn = null
    this.primed = null
    conn.close()
    this.expiry.heard(conn.lastReceivedAt)
    const wasConnected = conn.isEstablished
    this.wire = this.closing ? 'closed' : 'connecting'
    this.pending.failAll(reason)
    this.credentials.connectionEnded() // stored credentials are replayed on the next connection
    if (this.closing) return
    this.reconnects.ended(conn.address, reason, wasConnected ? this.clock.now() - conn.establishedAt! : null, this.sessionId)
    if (sessionExpired) {
      this.expire(reason.message)
    } else if (wasConnected) {
      // Armed before the state event, whose listeners may close the client.
      this.armLocalExpiry()
      // The servers renewed the session no earlier than the send time of the last answered packet.
      const renewed = conn.lastAnsweredSentAt ?? conn.establishedAt!
      const serverExpiresInMs = Math.max(0, Math.floor(renewed + this.negotiatedTimeout - this.clock.now()))
      this.transition('suspended', false, reason.message, serverExpiresInMs)
    } else {
      // [connect/TLS] every failed attempt leaves a line: a retry loop is never silent
      this.lastAttemptError = reason
    }
    this.reconnects.schedule()
    this.waiting.arm()
  }

  /**
   * [connect/server-list] Replaces the server list (`ZooKeeper.updateServerList`): with the Java
   * client's probabilistic rebalancing, the session moves to another server only when that evens
   * out the load (see `HostList.update`). Returns true when it is moving (the connection is then
   * dropped and the session resumed on the chosen server).
   */
  updateServerList(hosts: readonly HostAddress[]): boolean {
    if (this.terminalError !== null) throw this.terminalError
    const connected = this.conn !== null && this.conn.isEstablished
    const move = this.hostList.update(hosts, connected ? this.currentHost : null)
    this.options.log.info(`server list updated to ${hosts.map(formatHost).join(',')}${move ? `; moving from ${this.currentServer ?? 'no server'} to even out the load` : ''}`, { servers: hosts.map(formatHost), move })
    if (move && this.conn !== null && !this.closing) {
      if (connected) {
        this.dropConnection(new ConnectionLossError({ message: `moving from ${this.conn.address} after a server-list update, to spread sessions over the new list` }))
      } else {
        // An attempt in progress is no failure: end it quietly and try the chosen server now.
        this.endAttempt()
        this.reconnects.schedule(0)
      }
    }
    return move
  }

  /** Ends the connection attempt in progress, if any, without counting it as a failure; returns it. */
  private endAttempt(): Connection | null {
    const attempt = this.conn
    this.conn = null
    attempt?.close()
    return attempt
  }

  /** While disconnected, declare the session lost once no server could still be holding it (local-expiry.ts). */
  private armLocalExpiry(): void {
    // A session that only ever lived on read-only servers is never resumed, so it cannot expire.
    if (this.sessionId === 0n || !this.seenRwServerBefore) return
    this.expiry.arm(this.negotiatedTimeout, (silence) => {
      if (this.wire !== 'connecting' || this.sessionId === 0n) return
      // An attempt in progress would try to resume the dead session; end it first, quietly.
      const attempt = this.endAttempt()
      this.expire(`no server answered for ${silence} ms, longer than the session timeout of ${this.negotiatedTimeout} ms`)
      if (attempt !== null) this.reconnects.schedule()
      this.waiting.arm()
    })
  }

  /** The session is gone: fail everything that belonged to it and start over, or stop. */
  private expire(reason: string): void {
    this.expiry.clear()
    const id = this.sessionId
    const error = new SessionExpiredError({ message: `session 0x${id.toString(16)} expired: ${reason}; its ephemeral nodes and watches are gone` })
    this.sessionId = 0n
    this.sessionPassword = ZERO_PASSWORD
    this.options.log.warn('session expired', { sessionId: id, reason })
    this.pending.failAll(error)
    for (const req of this.waiting.drain()) req.settle(error, true)
    endWatches(this.watches, this.delivery, KeeperState.Expired)
    this.reachWaiters.wake()
    if (!this.options.renewExpiredSession) this.closing = true // decided before listeners run
    this.transition('lost', false, reason)
    if (!this.options.renewExpiredSession) this.shutDown(error, 'session expired')
  }

  private transition(to: ConnectionState, newSession: boolean, reason: string, serverExpiresInMs?: number): void {
    const previous = this.appState
    if (previous === to && to !== 'reconnected') return
    if (!canTransition(previous, to)) return
    // A client being closed reports nothing but its end (a reconnect made only to end the session included).
    if (this.closeRequested && to !== 'closed') return
    this.appState = to
    const change: StateChange = { state: to, previous, sessionId: this.sessionId, newSession, reason }
    if (serverExpiresInMs !== undefined) change.serverExpiresInMs = serverExpiresInMs
    this.options.log.info(`state ${to}`, { previous, sessionId: this.sessionId, newSession, reason })
    this.emit('state', change)
  }

  // ---------------------------------------------------------------- closing

  /**
   * Closes the session on the server (closeSession) and the connection, as close-protocol.ts
   * describes: requests already made are sent before closeSession; during an outage a server is
   * sought for a bounded time first; every watch gets a final `Closed` event. Resolves within a
   * bounded time (2 × {@link closeBound}) even if no server answers. Safe to call more than once.
   */
  close(): Promise<void> {
    if (this.closedPromise !== null) return this.closedPromise
    this.closeRequested = true
    this.options.log.debug('closing', { sessionId: this.sessionId, connected: this.sendable() !== null })
    this.closedPromise = closeSession(this.closable, this.options.log)
    return this.closedPromise
  }

  /** The close protocol's view of the session. */
  private readonly closable: Closable = {
    saslSettled: () => this.saslGate?.settled() ?? Promise.resolve(),
    sendable: () => this.sendable(),
    resumable: () => this.sessionId !== 0n && this.terminalError === null,
    negotiatedTimeout: () => this.negotiatedTimeout,
    reachable: () => this.seenRwServerBefore && this.terminalError === null,
    sessionId: () => this.sessionId,
    connectNow: () => this.reconnects.hurry(),
    primed: (ms) => this.reachWaiters.wait(ms, () => this.sendable()),
    sendLast: (conn, last) => {
      while (this.waiting.length > 0) {
        const req = this.waiting.shift()!
        if (!req.settled) this.send(req, conn)
      }
      last.watchForAbandon(this.clock, this.abandon)
      this.send(last, conn)
      this.closing = true
    },
    shutDown: () => this.shutDown(new ClientClosedError(), 'closed by the application'),
    delivered: () => this.delivery.idle(),
  }

  /** Final stop: nothing can be sent after this. */
  private shutDown(error: Error, reason: string): void {
    if (this.wire === 'closed' && this.terminalError !== null) return
    this.closing = true
    this.terminalError = error
    this.reconnects.cancel()
    this.waiting.disarm()
    this.expiry.clear()
    this.dropConnection(error)
    this.wire = 'closed'
    this.pending.failAll(error)
    for (const req of this.waiting.drain()) req.settle(error, true)
    this.credentials.rejectAll(error)
    endWatches(this.watches, this.delivery, KeeperState.Closed)
    this.reachWaiters.wake()
    this.transition('closed', false, reason)
  }
}
