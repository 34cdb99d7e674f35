/**
 * One ZooKeeper session and the connections that carry it. This class is the single owner of the
 * wire state, the xid counter, the queue of requests awaiting replies, the watch registry and the
 * last zxid seen; everything that changes them happens here, in the order bytes arrive. Each
 * connection's socket, framing and heartbeat live in a {@link Connection}.
 */
import { EventEmitter } from 'node:events'
import { AuthFailedError, ClientClosedError, ConnectionLossError, InvalidArgumentError, ProtocolError, SessionExpiredError } from '../common/errors.js'
import type { Codec } from '../protocol/codec.js'
import { ConnectRequestCodec, ConnectResponseCodec } from '../protocol/connect.js'
import { EventType, KeeperState, OpCode, SESSION_PASSWORD_LENGTH, Xid } from '../protocol/constants.js'
import { Reader } from '../protocol/reader.js'
import { WatcherEventCodec } from '../protocol/records.js'
import { Credentials } from './auth.js'
import type { Clock, TimerHandle } from './clock.js'
import { SET_WATCHES_MAX_LENGTH, type SessionOptions, holdOutgoing } from './config.js'
import { Connection } from './connection.js'
import { type HostAddress, HostList, formatHost } from './hosts.js'
import { Queue } from '../common/ring-queue.js'
import { ReadOnlyProbe, otherHosts } from './read-only-probe.js'
import { rearmWatches } from './rearm.js'
import { Request, type RequestContext } from './request.js'
import { type SaslOptions, authenticateSasl, saslTokenRequest } from './sasl.js'
import { type ConnectionState, type StateChange, type WireState, canTransition } from './state.js'
import { WatchRegistry, callWatcher } from './watches.js'

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
  private readonly pending = new Queue<Request>()
  private readonly waiting = new Queue<Request>()
  private readonly credentials = new Credentials()
  /** The SASL exchange on the current connection, if under way; other requests wait for it. */
  private saslRun: Promise<void> | null = null

  private conn: Connection | null = null
  private wire: WireState = 'connecting'
  private appState: ConnectionState | 'initial' = 'initial'
  private closing = false
  private closedPromise: Promise<void> | null = null
  private reconnectTimer: TimerHandle | undefined
  private expiryTimer: TimerHandle | undefined
  private failedAttempts = 0
  private xid = 0
  private terminalError: Error | null = null
  /** One reader for every reply frame: frames are handled one at a time, to completion. */
  private readonly reader = new Reader(Buffer.alloc(0))
  /** Time of the last byte received from any server (drives local expiry). */
  private lastHeard: number
  /**
   * True once connected to a read-write server (or given a session to resume). Until then every
   * ConnectRequest asks for a new session: read-only servers hand out local sessions the quorum
   * never learns of (ClientCnxn `seenRwServerBefore`).
   */
  private seenRwServerBefore: boolean
  /** The search for a read-write server while connected to a read-only one. */
  private readOnlyProbe: ReadOnlyProbe | null = null

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
    this.lastHeard = this.clock.now()
  }

  /** The wire state. */
  get state(): WireState {
    return this.wire
  }

  /** The application state (see {@link ConnectionState}); `'initial'` before the first connection. */
  get connectionState(): ConnectionState | 'initial' {
    return this.appState
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
      if (this.saslRun === null && this.sendable() !== null && this.waiting.length === 0 && this.pending.length < this.options.maxInFlight) this.send(req)
      else this.waiting.push(req)
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

  /** The connection requests may be written to: established, and the client not closing. */
  private sendable(): Connection | null {
    return this.conn !== null && this.conn.isEstablished && !this.closing ? this.conn : null
  }

  /** Settles a request early. A sent request stays queued so later replies still match. */
  private readonly abandon = (req: Request, reason: unknown): void => {
    if (req.settled) return
    if (req.xid === 0) this.waiting.remove(req)
    req.settle(reason, true)
  }

  private nextXid(): number {
    // Positive, never 0, wrapping as ClientCnxn.getXid does.
    this.xid = this.xid === 0x7fffffff ? 1 : this.xid + 1
    return this.xid
  }

  /** Encodes a request into the connection's outgoing batch and queues it for its reply. */
  private send(req: Request, conn = this.conn!): void {
    const w = conn.out
    const start = w.beginFrame()
    const xid = this.nextXid()
    try {
      w.int(xid).int(req.opcode)
      if (req.codec !== null) req.codec.encode(w, req.body)
    } catch (error) {
      w.truncate(start)
      req.settle(error instanceof Error ? error : new InvalidArgumentError(String(error)), true)
      return
    }
    const length = w.endFrame(start)
    if (length > this.options.maxPacketLength) {
      // The server closes the connection on a frame over jute.maxbuffer, failing every request
      // in flight; refuse this one alone instead.
      w.truncate(start)
      req.settle(new InvalidArgumentError(`${req.context.operation} request of ${length} bytes exceeds the packet limit of ${this.options.maxPacketLength} bytes (jute.maxbuffer); send less data`), true)
      return
    }
    req.xid = xid
    this.pending.push(req)
    conn.framesQueued++
    conn.scheduleFlush()
  }

  /** Sends waiting requests while there is room in the window. */
  private pump(): void {
    while (this.saslRun === null && this.waiting.length > 0 && this.pending.length < this.options.maxInFlight && this.sendable() !== null) {
      const req = this.waiting.shift()!
      if (!req.settled) this.send(req)
    }
  }

  /**
   * Authenticates a new connection with SASL before anything else is sent from the queue: a new
   * exchange on every connection, as ClientCnxn makes a new ZooKeeperSaslClient per connection.
   * A refusal is final (AUTH_FAILED); a lost connection tries again on the next one.
   */
  private startSasl(conn: Connection, options: SaslOptions): void {
    const run = authenticateSasl(options, (token) => {
      if (conn !== this.conn || this.closing) return Promise.reject(new ConnectionLossError({ message: `connection to ${conn.address} ended during SASL authentication` }))
      const req = saslTokenRequest(token)
      this.send(req, conn)
      return req.promise as Promise<Buffer | null>
    })
    this.saslRun = run
    run.then(() => {
      if (this.saslRun !== run) return
      this.saslRun = null
      if (conn === this.conn) this.pump()
    }, (error: unknown) => {
      if (this.saslRun !== run) return
      this.saslRun = null
      if (conn === this.conn && error instanceof AuthFailedError) this.shutDown(error, 'SASL authentication failed')
    })
  }

  // ---------------------------------------------------------------- connections

  private connectNext(): void {
    if (this.closing || this.wire === 'closed') return
    const host = this.hostList.next()
    this.currentHost = host // [connect/server-list]
    this.credentials.connectionEnded()
    const connectTimeout = this.options.connectTimeout ?? Math.max(1, Math.floor(this.negotiatedTimeout / this.hostList.size))
    const settings = { transport: this.options.transport, clock: this.clock, maxPacketLength: this.options.maxPacketLength, connectTimeout }
    this.conn = new Connection(host, settings, this.connectionHandler)
    this.currentServer = this.conn.address
  }

  private readonly connectionHandler = {
    onOpen: (conn: Connection): void => this.writeConnectRequest(conn),
    onFrame: (conn: Connection, buf: Buffer, start: number, end: number): void => {
      if (conn.isEstablished) this.onFrame(buf, start, end)
      else this.onConnectResponse(conn, buf.subarray(start, end))
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

  private writeConnectRequest(conn: Connection): void {
    const w = conn.out
    const start = w.beginFrame()
    ConnectRequestCodec.encode(w, {
      protocolVersion: 0,
      lastZxidSeen: this.lastZxid,
      timeOut: this.options.sessionTimeout,
      sessionId: this.requestedSessionId(),
      passwd: this.sessionPassword,
      readOnly: this.options.canBeReadOnly,
    })
    w.endFrame(start)
    // Nothing else is written until the ConnectResponse arrives (ClientCnxnSocketNIO.doIO).
    conn.flush()
  }

  /** The session id a ConnectRequest asks to resume: 0n (a new session) until a read-write server was seen. */
  private requestedSessionId(): bigint {
    return this.seenRwServerBefore ? this.sessionId : 0n
  }

  private onFrame(buf: Buffer, start: number, end: number): void {
    const r = this.reader.reset(buf, start, end)
    const xid = r.int()
    const zxidHigh = r.int()
    const zxidLow = r.uint()
    const err = r.int()
    if (xid === Xid.notification) {
      this.onNotification(r)
      return
    }
    if (xid === Xid.ping) return
    if (xid === Xid.auth) {
      const failed = this.credentials.answer(err)
      if (failed !== null) this.shutDown(failed, 'authentication failed')
      return
    }
    const req = this.pending.peek()
    if (req === undefined) throw new ProtocolError(`reply with xid ${xid} but no request is awaiting a reply`, 0)
    // The server answers in request order: a reply to anything but the oldest request breaks the stream.
    if (req.xid !== xid) throw new ProtocolError(`reply xid ${xid} does not match the oldest request's xid ${req.xid} (replies must arrive in request order)`, 0)
    if (zxidHigh > 0 || (zxidHigh === 0 && zxidLow > 0)) {
      this.lastZxidHigh = zxidHigh
      this.lastZxidLow = zxidLow
    }
    // Still queued while it completes: if its body is malformed, the drop fails it with the rest.
    req.complete(err, r, this.watches)
    this.pending.shift()
  }

  private onConnectResponse(conn: Connection, frame: Buffer): void {
    const response = ConnectResponseCodec.decode(new Reader(frame))
    if (response.timeOut <= 0) {
      // The server no longer knows the session: it expired (ZooKeeperServer.finishSessionInit).
      this.dropConnection(new SessionExpiredError({ message: `session 0x${this.sessionId.toString(16)} has expired (server ${conn.address} refused to resume it); its ephemeral nodes and watches are gone` }), true)
      return
    }
    // A request for a new session (sessionId 0, sent until a read-write server was seen) that
    // gets one is no expiry: the read-only server's local session was never resumable.
    const requested = this.requestedSessionId()
    if (requested !== 0n && response.sessionId !== this.sessionId) {
      this.expire(`the server gave a new session 0x${response.sessionId.toString(16)} instead of resuming 0x${this.sessionId.toString(16)}`)
      // Without renewal the expiry closed the client; the new session is not ours to use.
      if (this.closing) return
    }
    const newSession = this.sessionId !== response.sessionId
    this.sessionId = response.sessionId
    this.sessionPassword = response.passwd
    this.negotiatedTimeout = response.timeOut
    this.failedAttempts = 0
    this.lastAttemptError = null // [connect/TLS]
    this.hostList.connected()
    this.clearExpiryTimer()
    if (!response.readOnly) this.seenRwServerBefore = true
    this.wire = response.readOnly ? 'connectedReadOnly' : 'connected'
    conn.establish(this.negotiatedTimeout)
    // Order matters: credentials first, then watches, then queued requests (primeConnection).
    this.credentials.writeAll(conn.out)
    // Watches set through a read-only server's local session carry over to the next one, as in ClientCnxn.
    if ((!newSession || requested === 0n) && this.watches.size > 0) {
      rearmWatches(this.watches, this.lastZxid, SET_WATCHES_MAX_LENGTH, (opcode, codec, body) => {
        // A failed re-arm shows up as a dropped connection, which re-arms again; nothing to report.
        const req = new Request(opcode, codec, body, null, { operation: 'setWatches' })
        req.promise.catch(noop)
        this.send(req, conn)
      })
    }
    // With SASL, queued requests wait for the exchange (ClientCnxn tunnelAuthInProgress).
    if (this.options.sasl !== undefined) this.startSasl(conn, this.options.sasl)
    else this.pump()
    conn.scheduleFlush()
    const next: ConnectionState = response.readOnly ? 'readOnly' : this.appState === 'initial' ? 'connected' : 'reconnected'
    this.transition(next, newSession, `${newSession ? 'new session' : 'resumed session'} 0x${this.sessionId.toString(16)} on ${conn.address}, timeout ${this.negotiatedTimeout} ms`)
    if (response.readOnly && conn === this.conn && !this.closing) this.startReadOnlyProbe(conn)
  }

  /** While connected read-only, asks the other servers `isro` and moves to the first read-write one. */
  private startReadOnlyProbe(conn: Connection): void {
    this.stopReadOnlyProbe()
    const settings = { transport: this.options.transport, clock: this.clock }
    // [connect/server-list] the current list, which updateServerList may have changed
    const probe = new ReadOnlyProbe(otherHosts(this.hostList.list, conn.address), settings, (host) => {
      if (this.readOnlyProbe !== probe || conn !== this.conn || this.closing) return
      this.hostList.prefer(host)
      this.dropConnection(new ConnectionLossError({ message: `leaving read-only server ${conn.address}: ${formatHost(host)} serves reads and writes` }))
    })
    this.readOnlyProbe = probe
    probe.start()
  }

  private stopReadOnlyProbe(): void {
    this.readOnlyProbe?.stop()
    this.readOnlyProbe = null
  }

  private onNotification(r: Reader): void {
    const event = WatcherEventCodec.decode(r)
    const path = event.path ?? ''
    const watchers = this.watches.trigger(event.type, path)
    if (watchers.length === 0) return
    const raw = { type: event.type, state: event.state, path }
    for (const w of watchers) callWatcher(w, raw)
  }

  /**
   * Ends the current connection and fails the requests awaiting replies with `reason`. The session
   * lives on: the next server is tried, unless the session has expired or the client is closing.
   */
  private dropConnection(reason: Error, sessionExpired = false): void {
    this.stopReadOnlyProbe()
    const conn = this.conn
    if (conn === null) return
    this.conn = null
    conn.close()
    if (conn.lastReceivedAt !== undefined) this.lastHeard = Math.max(this.lastHeard, conn.lastReceivedAt)
    const wasConnected = conn.isEstablished
    this.wire = this.closing ? 'closed' : 'connecting'
    this.failPending(reason)
    this.credentials.connectionEnded() // stored credentials are replayed on the next connection
    if (this.closing) return
    if (sessionExpired) {
      this.expire(reason.message)
    } else if (wasConnected) {
      // Armed before the state event, whose listeners may close the client.
      this.armLocalExpiry()
      this.transition('suspended', false, reason.message)
    } else {
      this.failedAttempts++
      // [connect/TLS] every failed attempt leaves a line: a retry loop is never silent
      this.lastAttemptError = reason
      this.options.log.warn(`connection attempt failed: ${reason.message}`, { server: conn.address, attempt: this.failedAttempts, cause: (reason as { cause?: unknown }).cause })
    }
    this.scheduleReconnect()
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
        const attempt = this.conn
        this.conn = null
        attempt.close()
        this.scheduleReconnect()
      }
    }
    return move
  }

  private failPending(reason: Error): void {
    for (const req of this.pending.drain()) req.settle(reason, true)
  }

  private scheduleReconnect(): void {
    if (this.closing || this.wire === 'closed' || this.reconnectTimer !== undefined) return
    const { initialMs, maxMs } = this.options.reconnectDelay
    const ceiling = this.failedAttempts === 0 ? 0 : Math.min(maxMs, initialMs * 2 ** Math.min(this.failedAttempts - 1, 20))
    // Full jitter, so clients cut off together do not reconnect in lockstep.
    const delay = Math.floor(this.options.random() * ceiling)
    this.reconnectTimer = this.clock.setTimeout(() => {
      this.reconnectTimer = undefined
      this.connectNext()
    }, delay)
  }

  /** While disconnected, declare the session lost once no server could still be holding it. */
  private armLocalExpiry(): void {
    // A session that only ever lived on read-only servers is never resumed, so it cannot expire.
    if (this.sessionId === 0n || !this.seenRwServerBefore || this.expiryTimer !== undefined) return
    // ZOOKEEPER-4508 (3.9.3): no bytes from any server for 4/3 of the negotiated timeout.
    const deadline = this.lastHeard + Math.floor((this.negotiatedTimeout * 4) / 3)
    this.expiryTimer = this.clock.setTimeout(() => {
      this.expiryTimer = undefined
      if (this.wire !== 'connecting' || this.sessionId === 0n) return
      const silence = Math.round(this.clock.now() - this.lastHeard)
      // An attempt in progress would try to resume the dead session; end it first, quietly.
      const attempt = this.conn
      this.conn = null
      attempt?.close()
      this.expire(`no server answered for ${silence} ms, longer than the session timeout of ${this.negotiatedTimeout} ms`)
      if (attempt !== null) this.scheduleReconnect()
    }, Math.max(0, deadline - this.clock.now()))
  }

  private clearExpiryTimer(): void {
    this.clock.clearTimeout(this.expiryTimer)
    this.expiryTimer = undefined
  }

  /** The session is gone: fail everything that belonged to it and start over, or stop. */
  private expire(reason: string): void {
    this.clearExpiryTimer()
    const id = this.sessionId
    const error = new SessionExpiredError({ message: `session 0x${id.toString(16)} expired: ${reason}; its ephemeral nodes and watches are gone` })
    this.sessionId = 0n
    this.sessionPassword = ZERO_PASSWORD
    this.failPending(error)
    for (const req of this.waiting.drain()) req.settle(error, true)
    this.endWatches(KeeperState.Expired)
    if (!this.options.renewExpiredSession) this.closing = true // decided before listeners run
    this.transition('lost', false, reason)
    if (!this.options.renewExpiredSession) this.shutDown(error, 'session expired')
  }

  private endWatches(state: number): void {
    for (const [watcher, path] of this.watches.drain()) callWatcher(watcher, { type: EventType.None, state, path })
  }

  private transition(to: ConnectionState, newSession: boolean, reason: string): void {
    const previous = this.appState
    if (previous === to && to !== 'reconnected') return
    if (!canTransition(previous, to)) return
    this.appState = to
    const change: StateChange = { state: to, previous, sessionId: this.sessionId, newSession, reason }
    this.emit('state', change)
  }

  // ---------------------------------------------------------------- closing

  /**
   * Closes the session on the server (closeSession) and the connection. Requests already made are
   * sent before closeSession; every watch gets a final `Closed` event. Resolves within a bounded
   * time even if the server never answers. Safe to call more than once.
   */
  close(): Promise<void> {
    if (this.closedPromise !== null) return this.closedPromise
    this.closedPromise = this.closeGracefully()
    return this.closedPromise
  }

  private async closeGracefully(): Promise<void> {
    // Requests held for SASL go out after it, and closeSession after them.
    if (this.saslRun !== null) await this.saslRun.catch(noop)
    const conn = this.sendable()
    if (conn !== null && this.sessionId !== 0n) {
      // Everything asked for before close() goes out first, then closeSession, whatever the
      // window: the server answers in order and closes the connection after the last reply.
      while (this.waiting.length > 0) {
        const req = this.waiting.shift()!
        if (!req.settled) this.send(req, conn)
      }
      const bound = Math.min(2_000, Math.max(200, Math.floor((this.negotiatedTimeout * 2) / 3)))
      const closeReq = new Request(OpCode.closeSession, null, null, null, { operation: 'close', timeoutMs: bound })
      closeReq.watchForAbandon(this.clock, this.abandon)
      this.send(closeReq, conn)
      this.closing = true
      await closeReq.promise.catch(noop)
    }
    this.shutDown(new ClientClosedError(), 'closed by the application')
  }

  /** Final stop: nothing can be sent after this. */
  private shutDown(error: Error, reason: string): void {
    if (this.wire === 'closed' && this.terminalError !== null) return
    this.closing = true
    this.terminalError = error
    this.clock.clearTimeout(this.reconnectTimer)
    this.reconnectTimer = undefined
    this.clearExpiryTimer()
    this.dropConnection(error)
    this.wire = 'closed'
    this.failPending(error)
    for (const req of this.waiting.drain()) req.settle(error, true)
    this.credentials.rejectAll(error)
    this.endWatches(KeeperState.Closed)
    this.transition('closed', false, reason)
  }
}

function noop(): void {}
