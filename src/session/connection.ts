/**
 * One TCP connection of a session: the socket, frame boundaries, the outgoing batch and the
 * heartbeat. It knows nothing of requests or session state; it hands whole frames to its handler
 * and reports its end exactly once. Once it has ended, or been closed by the session, it delivers
 * nothing more, so bytes from a discarded socket can never reach the session.
 */
import type { Socket } from 'node:net'
import { ConnectionLossError, ProtocolError } from '../common/errors.js'
import { OpCode, Xid } from '../protocol/constants.js'
import { FrameDecoder } from '../protocol/framer.js'
import { Writer } from '../protocol/writer.js'
import type { Clock, TimerHandle } from './clock.js'
import { Heartbeat } from './heartbeat.js'
import { type HostAddress, formatHost } from './hosts.js'
import { type Transport, readyEvent } from './transport.js'
// [connect/TLS] names TLS and DNS failures (issue 10)
import { type AttemptPhase, describeClose, describeSocketError } from './connect-errors.js'

/** Initial capacity of an outgoing writer (it grows with the largest batch). */
const OUT_CAPACITY = 64 * 1024
/** From this many bytes a batch is written from the writer's memory instead of a copy (see `writeBatch`). */
const LARGE_BATCH_BYTES = 64 * 1024

/** What a connection reports to its session. */
export interface ConnectionHandler {
  /** TCP is up: time to write the ConnectRequest. */
  onOpen(conn: Connection): void
  /** One whole frame, `buf[start, end)`, in arrival order. Whatever it throws ends the connection. */
  onFrame(conn: Connection, buf: Buffer, start: number, end: number): void
  /** Every frame of a chunk has been handled. */
  onChunkDone(conn: Connection): void
  /** True to keep the outgoing batch for now because enough earlier requests are still unanswered. */
  holdBatch(conn: Connection): boolean
  /** The connection ended by itself (socket closed or failed, protocol error, timeout). Called at most once, never after {@link Connection.close}. */
  onLost(conn: Connection, reason: Error): void
  /** The socket took everything written so far (it had refused more: see {@link Connection.writable}). */
  onDrain(conn: Connection): void
}

/** Settings of a {@link Connection}. */
export interface ConnectionSettings {
  transport: Transport
  clock: Clock
  maxPacketLength: number
  /** Time allowed from the TCP connect to the end of the handshake, in ms. */
  connectTimeout: number
}

/** A connection to one server, from TCP connect until it ends. */
export class Connection {
  /** The server, as `host:port`. */
  readonly address: string
  /** The outgoing batch: frames written here go out at the next flush. */
  out = new Writer(OUT_CAPACITY)
  /**
   * A large batch's writer back from the socket, for the next large batch (see `writeBatch`).
   * With {@link out} that keeps at most two writers of the largest batch's size for the connection.
   */
  private spare: Writer | null = null
  /** Requests written to {@link out} since the last flush; the session counts them in. */
  framesQueued = 0
  /** When bytes last arrived (clock time); undefined until some do. */
  lastReceivedAt: number | undefined = undefined
  /** When the handshake completed (clock time); undefined until it has. */
  establishedAt: number | undefined = undefined
  /** Send times of the pings not yet answered, oldest first; the session takes them off as replies come. */
  readonly pingsSentAt: number[] = []
  /**
   * Send time of the newest request, ping or handshake the server has answered: the server last
   * renewed the session no earlier than this, so it cannot expire it before this + the timeout.
   */
  lastAnsweredSentAt: number | undefined = undefined
  /** Null when the transport threw instead of returning a socket. */
  private readonly socket: Socket | null
  private readonly framer: FrameDecoder
  private readonly heartbeat: Heartbeat
  private readonly clock: Clock
  private connectTimer: TimerHandle | undefined
  private flushScheduled = false
  /** A batch is waiting for replies to make room (see `ConnectionHandler.holdBatch`). */
  private held = false
  private ended = false
  private established = false
  /** The socket's buffer is full (`write` returned false): write no more until it drains. */
  private blocked = false
  /** [connect/TLS] The socket became ready (TCP up; TLS handshake done on a TLS socket). */
  private opened = false

  constructor(
    host: HostAddress,
    settings: ConnectionSettings,
    private readonly handler: ConnectionHandler,
  ) {
    this.address = formatHost(host)
    this.clock = settings.clock
    this.framer = new FrameDecoder(settings.maxPacketLength)
    this.heartbeat = new Heartbeat(this.clock, {
      ping: () => this.ping(),
      timedOut: (silentMs) => this.fail(`no reply from ${this.address} for ${silentMs} ms (read timeout): the server or the network is unresponsive`),
      unanswered: (waitedMs) => this.fail(`no reply from ${this.address} to a request or ping for ${waitedMs} ms (read timeout), though the server still sends events: the way to the server is broken`),
    })
    this.connectTimer = this.clock.setTimeout(() => {
      this.connectTimer = undefined
      this.fail(`could not connect to ${this.address} within ${settings.connectTimeout} ms`)
    }, settings.connectTimeout)
    let socket: Socket
    try {
      socket = settings.transport(host)
    } catch (error) {
      // A failed attempt like any other, reported once the session holds this connection.
      this.socket = null
      setImmediate(() => this.fail(`could not open a connection to ${this.address}: ${(error as Error)?.message ?? String(error)}`, error))
      return
    }
    this.socket = socket
    // [connect/TLS] A TLS socket is ready for the ConnectRequest once its handshake is done.
    socket.on(readyEvent(socket), () => {
      if (this.ended) return
      this.opened = true
      socket.setNoDelay(true)
      this.handler.onOpen(this)
    })
    socket.on('data', (chunk: Buffer) => this.onData(chunk))
    // [connect/TLS] TLS and DNS failures get a message and a ConnectAttemptError cause naming them.
    socket.on('error', (error: Error) => {
      const named = describeSocketError(this.address, error, this.phase(socket))
      if (named !== null) this.fail(named.message, named)
      else this.fail(`connection to ${this.address} failed: ${error.message}`, error)
    })
    socket.on('close', () => {
      const named = describeClose(this.address, this.phase(socket))
      if (named !== null) this.fail(named.message, named)
      else this.fail(`connection to ${this.address} closed by the server`)
    })
  }

  /** [connect/TLS] Where the attempt is, for naming its failure. */
  private phase(socket: Socket): AttemptPhase {
    return { tls: readyEvent(socket) === 'secureConnect', opened: this.opened, established: this.established, receivedBytes: this.lastReceivedAt !== undefined }
  }

  /** True once the handshake has completed (see {@link establish}). */
  get isEstablished(): boolean {
    return this.established
  }

  /**
   * The handshake completed: stop the connect timer and watch liveness on the negotiated timeout
   * (read timeout 2/3 of it, pings when idle: ClientCnxn's rules).
   */
  establish(negotiatedTimeout: number): void {
    this.clearConnectTimer()
    this.established = true
    this.establishedAt = this.clock.now()
    this.heartbeat.start(negotiatedTimeout)
  }

  /** False while the socket's buffer is full: the session sends no more requests until `onDrain`. */
  get writable(): boolean {
    return !this.blocked && !this.ended
  }

  /**
   * A reply (not an event) arrived; `stillWaiting` tells whether other requests or pings remain
   * unanswered. A server that sends events but no replies is thereby noticed (see Heartbeat).
   */
  answered(stillWaiting: boolean): void {
    this.heartbeat.answered(stillWaiting)
  }

  /** Sends what is in {@link out} at the end of this turn of the event loop. */
  scheduleFlush(): void {
    if (this.flushScheduled || this.ended) return
    this.flushScheduled = true
    // Coalesce every frame written in this turn of the event loop into one socket write.
    setImmediate(this.flushScheduledWrite)
  }

  /** Sends what is in {@link out} now. */
  flush(): void {
    this.held = false
    this.framesQueued = 0
    if (this.ended || this.socket === null || this.out.length === 0) return
    const socket = this.socket
    // Everything written after the handshake asks for a reply (requests, auth, pings).
    this.heartbeat.sent(this.established)
    if (!this.writeBatch(socket) && !this.blocked) {
      this.blocked = true
      socket.once('drain', () => {
        this.blocked = false
        if (!this.ended) this.handler.onDrain(this)
      })
    }
  }

  /**
   * Writes the outgoing batch to the socket; false when the socket's buffer is full. A small batch
   * is copied out and the writer reused at once. A large one is written from the writer's own
   * memory: that writer goes with the bytes, a spare takes its place, and it becomes the spare
   * again once the socket has handed the bytes to the kernel.
   *
   * Measured reason (bench `large`, 500 kB setData): copying a large batch into a fresh buffer
   * cost about 1 ms per 500 kB here, nearly all of it first-touch page faults on the new memory
   * (copying the data into the writer's reused memory took 21 µs).
   */
  private writeBatch(socket: Socket): boolean {
    const out = this.out
    if (out.length < LARGE_BATCH_BYTES) return socket.write(out.take())
    this.out = this.spare ?? new Writer(OUT_CAPACITY)
    this.spare = null
    return socket.write(out.view(), () => {
      // The bytes are with the kernel (or the socket is gone): the memory may be written again.
      out.reset()
      if (!this.ended) this.spare = out
    })
  }

  /** Ends the connection without reporting it (the session is the one dropping it). Idempotent. */
  close(): void {
    if (this.ended) return
    this.ended = true
    this.clearConnectTimer()
    this.heartbeat.stop()
    this.out.reset()
    if (this.socket === null) return
    this.socket.removeAllListeners()
    this.socket.on('error', () => {}) // a late error from a discarded socket must not become uncaught
    this.socket.destroy()
  }

  private readonly flushScheduledWrite = (): void => {
    this.flushScheduled = false
    if (this.out.length < MAX_HELD_BYTES && this.handler.holdBatch(this)) {
      // Replies are due for the requests already on the wire; each chunk of them re-checks.
      this.held = true
      return
    }
    this.flush()
  }

  private ping(): void {
    this.pingsSentAt.push(this.clock.now())
    this.out.raw(PING_FRAME)
    this.flush()
  }

  private onData(chunk: Buffer): void {
    if (this.ended) return
    this.lastReceivedAt = this.clock.now()
    this.heartbeat.received()
    try {
      this.framer.pushRanges(chunk, this.onFrame)
    } catch (error) {
      // Whatever a server sends, it ends here: the connection is dropped and re-established.
      const reason = error instanceof ProtocolError ? error : new ProtocolError(`internal error while handling a frame: ${(error as Error)?.message ?? String(error)}`)
      this.fail(`protocol error from ${this.address}: ${reason.message}`, reason)
      return
    }
    if (this.ended) return
    this.handler.onChunkDone(this)
    if (this.held && !this.ended && !this.handler.holdBatch(this)) this.flush()
  }

  private readonly onFrame = (buf: Buffer, start: number, end: number): void => {
    // A frame handler may end the connection; later frames of the same chunk belong to it.
    if (!this.ended) this.handler.onFrame(this, buf, start, end)
  }

  private fail(message: string, cause?: unknown): void {
    if (this.ended) return
    this.close()
    this.handler.onLost(this, new ConnectionLossError(cause === undefined ? { message } : { message, cause }))
  }

  private clearConnectTimer(): void {
    this.clock.clearTimeout(this.connectTimer)
    this.connectTimer = undefined
  }
}

/** A held batch is sent anyway once it reaches this size. */
const MAX_HELD_BYTES = 64 * 1024

/** A ping frame never changes, so it is built once. */
const PING_FRAME = (() => {
  const w = new Writer(16)
  const start = w.beginFrame()
  w.int(Xid.ping).int(OpCode.ping)
  w.endFrame(start)
  return w.take()
})()
