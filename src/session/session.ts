/**
 * One ZooKeeper session and the connections that carry it. This class is the single owner of the
 * socket, the wire state, the xid counter, the queue of requests awaiting replies, the watch
 * registry and the last zxid seen; everything that changes them happens here, in the order bytes
 * arrive.
 */
import { EventEmitter } from 'node:events'
import type { Socket } from 'node:net'
import { AuthFailedError, ConnectionLossError, InvalidArgumentError, ProtocolError, RequestTimeoutError, SessionExpiredError, ZooKeeperError } from '../errors.js'
import type { Codec } from '../protocol/codec.js'
import { ConnectRequestCodec, ConnectResponseCodec } from '../protocol/connect.js'
import { DEFAULT_MAX_PACKET_LENGTH, ErrorCode, EventType, KeeperState, OpCode, SESSION_PASSWORD_LENGTH, Xid } from '../protocol/constants.js'
import { FrameDecoder } from '../protocol/framer.js'
import { Reader } from '../protocol/reader.js'
import { WatcherEventCodec } from '../protocol/records.js'
import { AuthPacketCodec } from '../protocol/requests.js'
import { Writer } from '../protocol/writer.js'
import { type HostAddress, HostList, formatHost } from './hosts.js'
import { Queue } from './pending.js'
import { type ConnectionState, type StateChange, type WireState, canTransition } from './state.js'
import { type Clock, systemClock } from './clock.js'
import { Heartbeat } from './heartbeat.js'
import { rearmWatches } from './rearm.js'
import { type RawWatcher, type WatchKind, WatchRegistry } from './watches.js'
import { openSocket, type Transport } from './transport.js'

/** Options of a {@link Session}. */
export interface SessionOptions {
  /** Servers to connect to. */
  hosts: readonly HostAddress[]
  /** Requested session timeout in ms; the server clamps it to its bounds. */
  sessionTimeout: number
  /** Accept read-only servers (reads only, until a read-write server is reachable). */
  canBeReadOnly: boolean
  /** Largest frame accepted or sent, in bytes (`jute.maxbuffer`). */
  maxPacketLength: number
  /** Most requests awaiting replies at once; further callers wait for room. */
  maxInFlight: number
  /** Connect timeout per attempt in ms; default: session timeout divided by the number of hosts. */
  connectTimeout: number | undefined
  /** Backoff between failed connection attempts: random delay up to min(max, initial * 2^n). */
  reconnectDelay: { initialMs: number; maxMs: number }
  /** After an expiry, start a new session by itself (as Curator and kazoo do). */
  renewExpiredSession: boolean
  /** Resume an existing session instead of creating one. */
  session: { id: bigint; password: Buffer } | undefined
  /** Shuffle hosts with this source of randomness (tests pass a fixed one). */
  random: () => number
  /** Clock and timers (tests may replace them). */
  clock: Clock
  /** Opens connections (tests may replace it). */
  transport: Transport
}

/** Defaults of {@link SessionOptions} other than hosts. */
export const defaultSessionOptions: Omit<SessionOptions, 'hosts'> = {
  sessionTimeout: 30_000,
  canBeReadOnly: false,
  maxPacketLength: DEFAULT_MAX_PACKET_LENGTH,
  maxInFlight: 5_000,
  connectTimeout: undefined,
  reconnectDelay: { initialMs: 50, maxMs: 1_000 },
  renewExpiredSession: true,
  session: undefined,
  random: Math.random,
  clock: systemClock,
  transport: openSocket,
}

/** How the session should register a watch once a request's reply arrives. */
export interface WatchRegistration {
  /** Kind to register when the reply succeeds. */
  kind: WatchKind
  /** Kind to register when the reply is NONODE (exists sets an existence watch), if any. */
  kindOnNoNode?: WatchKind
  /** Server path. */
  path: string
  /** Called with every event of the watch. */
  watcher: RawWatcher
}

/** Per-request details that do not go on the wire. */
export interface RequestContext {
  /** Operation name for errors, e.g. `'getData'`. */
  operation: string
  /** The caller's path (chroot removed), for errors. */
  path?: string
  /** Watch to register when the reply arrives. */
  watch?: WatchRegistration
  /** Resolve with this value instead of failing when the server answers NONODE (exists). */
  noNodeResult?: unknown
  /** Abort the wait for the reply. */
  signal?: AbortSignal
  /** Fail with RequestTimeoutError if no reply within this many ms. */
  timeoutMs?: number
}

/** A request from submission to settlement. */
class Request {
  xid = 0
  settled = false
  timer: ReturnType<Clock['setTimeout']> | undefined = undefined
  abortListener: (() => void) | undefined = undefined
  resolve!: (value: unknown) => void
  reject!: (error: unknown) => void

  constructor(
    readonly opcode: number,
    readonly codec: Codec<unknown> | null,
    readonly body: unknown,
    readonly decode: ((r: Reader) => unknown) | null,
    readonly context: RequestContext,
  ) {}
}

/** An authentication to present on every connection of the session. */
interface AuthEntry {
  scheme: string
  auth: Buffer
  waiters: { resolve: () => void; reject: (e: unknown) => void }[]
}

/** Bytes of path names per SetWatches packet, as the Java client (`SET_WATCHES_MAX_LENGTH`). */
export const SET_WATCHES_MAX_LENGTH = 128 * 1024

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
  private readonly framer: FrameDecoder
  private readonly out = new Writer(64 * 1024)
  private readonly pending = new Queue<Request>()
  private readonly waiting = new Queue<Request>()
  private readonly auths: AuthEntry[] = []
  private authsInFlight: AuthEntry[] = []
  private readonly heartbeat: Heartbeat

  private socket: Socket | null = null
  private wire: WireState = 'connecting'
  private appState: ConnectionState | 'initial' = 'initial'
  private handshaking = false
  private closing = false
  private closedPromise: Promise<void> | null = null
  private flushScheduled = false
  private connectTimer: ReturnType<Clock['setTimeout']> | undefined
  private reconnectTimer: ReturnType<Clock['setTimeout']> | undefined
  private expiryTimer: ReturnType<Clock['setTimeout']> | undefined
  private failedAttempts = 0
  private xid = 0
  private terminalError: Error | null = null

  /** Current session id; 0n before the first handshake and after an expiry. */
  sessionId = 0n
  /** Current session password. */
  sessionPassword: Buffer = ZERO_PASSWORD
  /** Session timeout granted by the server, in ms (the requested one until then). */
  negotiatedTimeout: number
  /** Highest zxid seen in a reply; sent when reconnecting so no server behind it is used. */
  lastZxid = 0n
  /** Server of the current connection, as `host:port`. */
  currentServer: string | null = null
  /** Time of the last byte received from any server (drives local expiry). */
  private lastHeard: number

  constructor(options: SessionOptions) {
    super()
    this.options = options
    this.clock = options.clock
    if (options.hosts.length === 0) throw new InvalidArgumentError('at least one host is required')
    this.hostList = new HostList(options.hosts, options.random)
    this.framer = new FrameDecoder(options.maxPacketLength)
    this.negotiatedTimeout = options.sessionTimeout
    if (options.session) {
      this.sessionId = options.session.id
      this.sessionPassword = options.session.password
    }
    this.lastHeard = this.clock.now()
    this.heartbeat = new Heartbeat(this.clock, {
      ping: () => this.sendPing(),
      timedOut: (silentMs) => this.dropConnection(new ConnectionLossError({ message: `no reply from ${this.currentServer} for ${silentMs} ms (read timeout): the server or the network is unresponsive` })),
    })
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
   * Rejects with a {@link ZooKeeperError} for an error reply, `ConnectionLossError` when the
   * connection drops before the reply, `SessionExpiredError` when the session ends, and the
   * signal's reason or `RequestTimeoutError` for an abandoned wait.
   */
  request<T>(opcode: number, codec: Codec<any> | null, body: unknown, decode: ((r: Reader) => T) | null, context: RequestContext): Promise<T> {
    if (this.terminalError !== null) return Promise.reject(this.terminalError)
    const req = new Request(opcode, codec, body, decode, context)
    const promise = new Promise<T>((resolve, reject) => {
      req.resolve = resolve as (v: unknown) => void
      req.reject = reject
    })
    if (context.signal !== undefined || context.timeoutMs !== undefined) this.watchForAbandon(req)
    if (req.settled) return promise
    if (this.canSend() && this.waiting.length === 0 && this.pending.length < this.options.maxInFlight) this.send(req)
    else this.waiting.push(req)
    return promise
  }

  /** Adds credentials to the session, now and on every future connection. */
  addAuth(scheme: string, auth: Buffer): Promise<void> {
    if (this.terminalError !== null) return Promise.reject(this.terminalError)
    return new Promise<void>((resolve, reject) => {
      const entry: AuthEntry = { scheme, auth, waiters: [{ resolve, reject }] }
      this.auths.push(entry)
      if (this.canSend()) {
        this.writeAuth(entry)
        this.scheduleFlush()
      }
    })
  }

  private canSend(): boolean {
    return (this.wire === 'connected' || this.wire === 'connectedReadOnly') && !this.handshaking && !this.closing
  }

  private watchForAbandon(req: Request): void {
    const { signal, timeoutMs } = req.context
    if (signal !== undefined) {
      if (signal.aborted) {
        this.abandon(req, signal.reason)
        return
      }
      req.abortListener = () => this.abandon(req, signal.reason)
      signal.addEventListener('abort', req.abortListener, { once: true })
    }
    if (timeoutMs !== undefined) {
      req.timer = this.clock.setTimeout(() => {
        this.abandon(req, new RequestTimeoutError({ path: req.context.path, operation: req.context.operation, message: `${req.context.path ?? ''} got no reply within ${timeoutMs} ms (${req.context.operation}); it may or may not have been applied`.trimStart() }))
      }, timeoutMs)
    }
  }

  /** Settles a request early. A sent request stays queued so later replies still match. */
  private abandon(req: Request, reason: unknown): void {
    if (req.settled) return
    if (req.xid === 0) this.waiting.remove(req)
    this.settle(req, reason, true)
  }

  private settle(req: Request, value: unknown, failed: boolean): void {
    if (req.settled) return
    req.settled = true
    if (req.timer !== undefined) this.clock.clearTimeout(req.timer)
    if (req.abortListener !== undefined) req.context.signal!.removeEventListener('abort', req.abortListener)
    if (failed) req.reject(value)
    else req.resolve(value)
  }

  private nextXid(): number {
    // Positive, never 0, wrapping as ClientCnxn.getXid does.
    this.xid = this.xid === 0x7fffffff ? 1 : this.xid + 1
    return this.xid
  }

  /** Encodes a request into the outgoing batch and queues it for its reply. */
  private send(req: Request): void {
    const w = this.out
    const start = w.beginFrame()
    const xid = this.nextXid()
    try {
      w.int(xid).int(req.opcode)
      if (req.codec !== null) req.codec.encode(w, req.body)
    } catch (error) {
      w.truncate(start)
      this.settle(req, error instanceof Error ? error : new InvalidArgumentError(String(error)), true)
      return
    }
    const length = w.endFrame(start)
    if (length > this.options.maxPacketLength) {
      // The server closes the connection on a frame over jute.maxbuffer, failing every request
      // in flight; refuse this one alone instead.
      w.truncate(start)
      this.settle(req, new InvalidArgumentError(`${req.context.operation} request of ${length} bytes exceeds the packet limit of ${this.options.maxPacketLength} bytes (jute.maxbuffer); send less data`), true)
      return
    }
    req.xid = xid
    this.pending.push(req)
    this.scheduleFlush()
  }

  /** Re-arms watches ahead of any waiting request, outside the window (primeConnection order). */
  private readonly sendSetWatches = (opcode: number, codec: Codec<any>, body: unknown): void => {
    const req = new Request(opcode, codec, body, null, { operation: 'setWatches' })
    // A failed re-arm shows up as a dropped connection, which re-arms again; nothing to report.
    req.resolve = noop
    req.reject = noop
    this.send(req)
  }

  /** Sends waiting requests while there is room in the window. */
  private pump(): void {
    while (this.waiting.length > 0 && this.pending.length < this.options.maxInFlight && this.canSend()) {
      const req = this.waiting.shift()!
      if (!req.settled) this.send(req)
    }
  }

  private scheduleFlush(): void {
    if (this.flushScheduled) return
    this.flushScheduled = true
    // Coalesce every request issued in this turn of the event loop into one socket write.
    setImmediate(this.flush)
  }

  private readonly flush = (): void => {
    this.flushScheduled = false
    if (this.out.length === 0 || this.socket === null) return
    this.socket.write(this.out.take())
    this.heartbeat.sent()
  }

  private writeAuth(entry: AuthEntry): void {
    const w = this.out
    const start = w.beginFrame()
    w.int(Xid.auth).int(OpCode.auth)
    AuthPacketCodec.encode(w, { type: 0, scheme: entry.scheme, auth: entry.auth })
    w.endFrame(start)
    this.authsInFlight.push(entry)
  }

  private sendPing(): void {
    if (this.socket === null || this.handshaking) return
    this.out.raw(PING_FRAME)
    this.flush()
  }

  // ---------------------------------------------------------------- connections

  private connectNext(): void {
    if (this.closing || this.wire === 'closed') return
    const host = this.hostList.next()
    const address = formatHost(host)
    this.currentServer = address
    this.handshaking = true
    this.framer.reset()
    this.out.reset()
    this.authsInFlight = []
    const socket = this.options.transport(host)
    this.socket = socket
    const connectTimeout = this.options.connectTimeout ?? Math.max(1, Math.floor(this.negotiatedTimeout / this.hostList.size))
    this.connectTimer = this.clock.setTimeout(() => {
      if (this.socket === socket) this.dropConnection(new ConnectionLossError({ message: `could not connect to ${address} within ${connectTimeout} ms` }))
    }, connectTimeout)
    socket.on('connect', () => {
      if (this.socket !== socket) return
      socket.setNoDelay(true)
      this.writeConnectRequest()
    })
    socket.on('data', (chunk: Buffer) => {
      if (this.socket === socket) this.onData(chunk)
    })
    socket.on('error', (error: Error) => {
      if (this.socket === socket) this.dropConnection(new ConnectionLossError({ message: `connection to ${address} failed: ${error.message}`, cause: error }))
    })
    socket.on('close', () => {
      if (this.socket === socket) this.dropConnection(new ConnectionLossError({ message: `connection to ${address} closed by the server` }))
    })
  }

  private writeConnectRequest(): void {
    const w = this.out
    const start = w.beginFrame()
    ConnectRequestCodec.encode(w, {
      protocolVersion: 0,
      lastZxidSeen: this.lastZxid,
      timeOut: this.options.sessionTimeout,
      sessionId: this.sessionId,
      passwd: this.sessionPassword,
      readOnly: this.options.canBeReadOnly,
    })
    w.endFrame(start)
    this.flush()
  }

  private onData(chunk: Buffer): void {
    this.lastHeard = this.clock.now()
    this.heartbeat.received()
    try {
      this.framer.push(chunk, this.onFrame)
    } catch (error) {
      // Whatever a server sends, it ends here: the connection is dropped and re-established.
      const reason = error instanceof ProtocolError ? error : new ProtocolError(`internal error while handling a frame: ${(error as Error)?.message ?? String(error)}`)
      this.dropConnection(new ConnectionLossError({ message: `protocol error from ${this.currentServer}: ${reason.message}`, cause: reason }))
      return
    }
    if (this.waiting.length > 0) this.pump()
  }

  private readonly onFrame = (frame: Buffer): void => {
    // A frame handler may drop the connection; later frames of the same chunk belong to it.
    if (this.socket === null) return
    if (this.handshaking) {
      this.onConnectResponse(frame)
      return
    }
    const r = new Reader(frame)
    const xid = r.int()
    const zxid = r.long()
    const err = r.int()
    if (xid === Xid.notification) {
      this.onNotification(r)
      return
    }
    if (xid === Xid.ping) return
    if (xid === Xid.auth) {
      this.onAuthReply(err)
      return
    }
    const req = this.pending.shift()
    if (req === undefined) throw new ProtocolError(`reply with xid ${xid} but no request is awaiting a reply`, 0)
    if (req.xid !== xid) {
      this.pending.push(req) // keep it so dropConnection fails it with the rest
      throw new ProtocolError(`reply xid ${xid} does not match the oldest request's xid ${req.xid} (replies must arrive in request order)`, 0)
    }
    if (zxid > 0n) this.lastZxid = zxid
    this.onReply(req, err, r)
  }

  private onReply(req: Request, err: number, r: Reader): void {
    const context = req.context
    if (err !== 0) {
      const watch = context.watch
      if (err === ErrorCode.NONODE && watch?.kindOnNoNode !== undefined && !req.settled) this.watches.add(watch.kindOnNoNode, watch.path, watch.watcher)
      if (err === ErrorCode.NONODE && 'noNodeResult' in context) this.settle(req, context.noNodeResult, false)
      else this.settle(req, ZooKeeperError.from(err, { path: context.path, operation: context.operation }), true)
      return
    }
    let value: unknown
    try {
      value = req.decode === null ? undefined : req.decode(r)
    } catch (error) {
      // Malformed bytes break the stream; any other error (a failed multi) belongs to this call alone.
      if (error instanceof ProtocolError) throw error
      this.settle(req, error, true)
      return
    }
    // Register before resolving so a notification in the next frame finds the watch.
    if (context.watch !== undefined && !req.settled) this.watches.add(context.watch.kind, context.watch.path, context.watch.watcher)
    this.settle(req, value, false)
  }

  private onConnectResponse(frame: Buffer): void {
    const response = ConnectResponseCodec.decode(new Reader(frame))
    this.clock.clearTimeout(this.connectTimer)
    this.handshaking = false
    if (response.timeOut <= 0) {
      // The server no longer knows the session: it expired (ZooKeeperServer.finishSessionInit).
      const expired = new SessionExpiredError({ message: `session 0x${this.sessionId.toString(16)} has expired (server ${this.currentServer} refused to resume it); its ephemeral nodes and watches are gone` })
      this.dropConnection(expired, true)
      return
    }
    const resumed = this.sessionId !== 0n
    if (resumed && response.sessionId !== this.sessionId) {
      this.expire(`the server gave a new session 0x${response.sessionId.toString(16)} instead of resuming 0x${this.sessionId.toString(16)}`)
    }
    const newSession = this.sessionId !== response.sessionId
    this.sessionId = response.sessionId
    this.sessionPassword = response.passwd
    this.negotiatedTimeout = response.timeOut
    this.failedAttempts = 0
    this.hostList.connected()
    this.clock.clearTimeout(this.expiryTimer)
    this.wire = response.readOnly ? 'connectedReadOnly' : 'connected'
    // Order matters: credentials first, then watches, then queued requests (primeConnection).
    for (const entry of this.auths) this.writeAuth(entry)
    if (!newSession && this.watches.size > 0) rearmWatches(this.watches, this.lastZxid, SET_WATCHES_MAX_LENGTH, this.sendSetWatches)
    this.heartbeat.start(this.negotiatedTimeout)
    this.pump()
    this.scheduleFlush()
    const next: ConnectionState = response.readOnly ? 'readOnly' : this.appState === 'initial' ? 'connected' : 'reconnected'
    this.transition(next, newSession, `${newSession ? 'new session' : 'resumed session'} 0x${this.sessionId.toString(16)} on ${this.currentServer}, timeout ${this.negotiatedTimeout} ms`)
  }

  private onAuthReply(err: number): void {
    const entry = this.authsInFlight.shift()
    if (err === 0) {
      if (entry !== undefined) for (const w of entry.waiters.splice(0)) w.resolve()
      return
    }
    // AUTHFAILED: the server closes the socket and the session cannot be used (AUTH_FAILED is final).
    const error = new AuthFailedError({ message: `authentication with scheme "${entry?.scheme ?? '?'}" failed; the client is closed: check the credentials and create a new client` })
    if (entry !== undefined) for (const w of entry.waiters.splice(0)) w.reject(error)
    this.shutDown(error, 'authentication failed')
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
    const socket = this.socket
    if (socket === null) return
    this.socket = null
    socket.removeAllListeners()
    socket.on('error', () => {}) // a late error from a discarded socket must not become uncaught
    socket.destroy()
    this.clock.clearTimeout(this.connectTimer)
    this.heartbeat.stop()
    this.handshaking = false
    this.out.reset()
    this.flushScheduled = false
    const wasConnected = this.wire === 'connected' || this.wire === 'connectedReadOnly'
    this.wire = this.closing ? 'closed' : 'connecting'
    this.failPending(reason)
    this.authsInFlight = [] // stored credentials are replayed on the next connection
    if (this.closing) return
    if (sessionExpired) {
      this.expire(reason.message)
    } else if (wasConnected) {
      this.transition('suspended', false, reason.message)
      this.armLocalExpiry()
    } else {
      this.failedAttempts++
    }
    this.scheduleReconnect()
  }

  private failPending(reason: Error): void {
    for (const req of this.pending.drain()) this.settle(req, reason, true)
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
    if (this.sessionId === 0n || this.expiryTimer !== undefined) return
    // ZOOKEEPER-4508 (3.9.3): no bytes from any server for 4/3 of the negotiated timeout.
    const deadline = this.lastHeard + Math.floor((this.negotiatedTimeout * 4) / 3)
    this.expiryTimer = this.clock.setTimeout(() => {
      this.expiryTimer = undefined
      if (this.wire === 'connecting' && this.sessionId !== 0n) {
        const silence = this.clock.now() - this.lastHeard
        this.expire(`no server answered for ${silence} ms, longer than the session timeout of ${this.negotiatedTimeout} ms`)
        if (this.socket !== null && this.handshaking) {
          // An attempt in progress would try to resume the dead session; restart it fresh.
          this.dropConnection(new ConnectionLossError({ message: 'session expired locally' }))
        }
      }
    }, Math.max(0, deadline - this.clock.now()))
  }

  /** The session is gone: fail everything that belonged to it and start over, or stop. */
  private expire(reason: string): void {
    this.clock.clearTimeout(this.expiryTimer)
    this.expiryTimer = undefined
    const id = this.sessionId
    const error = new SessionExpiredError({ message: `session 0x${id.toString(16)} expired: ${reason}; its ephemeral nodes and watches are gone` })
    this.sessionId = 0n
    this.sessionPassword = ZERO_PASSWORD
    this.failPending(error)
    for (const req of this.waiting.drain()) this.settle(req, error, true)
    this.endWatches(KeeperState.Expired)
    this.transition('lost', false, reason)
    if (!this.options.renewExpiredSession) this.shutDown(error, 'session expired')
  }

  private endWatches(state: number): void {
    const final = { type: EventType.None, state, path: '' }
    for (const w of this.watches.drain()) callWatcher(w, final)
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
   * Closes the session on the server (closeSession) and the connection. Requests still waiting
   * fail; every watch gets a final `Closed` event. Safe to call more than once.
   */
  close(): Promise<void> {
    if (this.closedPromise !== null) return this.closedPromise
    this.closedPromise = this.closeGracefully()
    return this.closedPromise
  }

  private async closeGracefully(): Promise<void> {
    if (this.canSend() && this.sessionId !== 0n) {
      const bound = Math.min(2_000, Math.max(200, Math.floor((this.negotiatedTimeout * 2) / 3)))
      const reply = this.request(OpCode.closeSession, null, null, null, { operation: 'close', timeoutMs: bound })
      // Stop taking requests once closeSession is queued; it is the last thing sent.
      this.closing = true
      await reply.catch(() => {})
    }
    this.shutDown(new ZooKeeperError(ErrorCode.CONNECTIONLOSS, { message: 'the client is closed; create a new client' }), 'closed by the application')
  }

  /** Final stop: nothing can be sent after this. */
  private shutDown(error: Error, reason: string): void {
    if (this.wire === 'closed' && this.terminalError !== null) return
    this.closing = true
    this.terminalError = error
    this.clock.clearTimeout(this.reconnectTimer)
    this.clock.clearTimeout(this.expiryTimer)
    this.clock.clearTimeout(this.connectTimer)
    this.reconnectTimer = undefined
    this.expiryTimer = undefined
    if (this.socket !== null) this.dropConnection(error)
    this.heartbeat.stop()
    this.wire = 'closed'
    this.failPending(error)
    for (const req of this.waiting.drain()) this.settle(req, error, true)
    for (const entry of this.auths) for (const w of entry.waiters.splice(0)) w.reject(error)
    this.endWatches(KeeperState.Closed)
    this.transition('closed', false, reason)
  }
}

function noop(): void {}

/** A ping frame never changes, so it is built once. */
const PING_FRAME = (() => {
  const w = new Writer(16)
  const start = w.beginFrame()
  w.int(Xid.ping).int(OpCode.ping)
  w.endFrame(start)
  return w.take()
})()

/** Calls a user watcher; an exception it throws is rethrown outside the socket handler. */
function callWatcher(watcher: RawWatcher, event: { type: number; state: number; path: string }): void {
  try {
    watcher(event)
  } catch (error) {
    queueMicrotask(() => {
      throw error
    })
  }
}
