/**
 * A scripted ZooKeeper server for the session tests: a plain `net.createServer()` on 127.0.0.1 that
 * reads the ConnectRequest, answers the ConnectResponse a test chooses, records every frame the
 * client sends (and in which TCP chunk it came), and writes whatever replies the test scripts,
 * including broken ones a real server never sends: truncated frames, wrong xids, bad lengths,
 * garbage bodies, silence.
 *
 * It is written from the protocol tables (PROTOCOL.md sections 1–3), not from the client's codecs,
 * so a codec bug cannot hide itself.
 */
import { EventEmitter } from 'node:events'
import { type AddressInfo, type Server, type Socket, createServer } from 'node:net'

/** The handshake frame as the fake server decoded it. */
export interface ConnectRequestSeen {
  protocolVersion: number
  lastZxidSeen: bigint
  timeOut: number
  sessionId: bigint
  passwd: Buffer
  /** The trailing byte, or undefined when the client left it out. */
  readOnly: boolean | undefined
}

/** One request frame after the handshake. */
export interface RequestSeen {
  xid: number
  opcode: number
  /** The request record (after the RequestHeader). */
  body: Buffer
  /** Index in {@link FakeConnection.chunks} of the TCP chunk in which the frame completed. */
  chunk: number
}

/** What {@link FakeConnection.accept} answers. */
export interface ConnectAnswer {
  /** Negotiated timeout; 0 tells the client its session expired. Default 10 000. */
  timeOut?: number
  /** Default: the requested id when resuming, else a fresh one. */
  sessionId?: bigint
  /** Default: 16 bytes derived from the session id. */
  passwd?: Buffer
  /** The trailing readOnly byte; `'omit'` leaves it out (as old servers do). Default false. */
  readOnly?: boolean | 'omit'
}

/** Reply options of {@link FakeConnection.reply}. */
export interface ReplyOptions {
  zxid?: bigint
  err?: number
  body?: Buffer
}

/** Opcodes the fake server reads by name. */
export const Op = { ping: 11, closeSession: -11, getData: 4, exists: 3, sync: 9, setWatches: 101, setWatches2: 105 } as const

/** A server that records connections; each is scripted by the test. */
export class FakeServer {
  /** `127.0.0.1:<port>`. */
  readonly address: string
  /** Every accepted connection, in order. */
  readonly connections: FakeConnection[] = []
  /** Called with every new connection (e.g. to script all of them alike). */
  onConnection: ((conn: FakeConnection) => void) | undefined
  private readonly events = new EventEmitter()
  private nextSessionId = 0x1000n

  private constructor(private readonly server: Server) {
    this.address = `127.0.0.1:${(server.address() as AddressInfo).port}`
  }

  /** Listens on a free loopback port. */
  static async start(): Promise<FakeServer> {
    const server = createServer()
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen({ host: '127.0.0.1', port: 0 }, () => resolve())
    })
    const fake = new FakeServer(server)
    server.on('connection', (socket) => {
      const conn = new FakeConnection(socket, () => fake.nextSessionId++)
      fake.connections.push(conn)
      fake.onConnection?.(conn)
      fake.events.emit('connection')
    })
    return fake
  }

  /** Resolves with the `n`-th connection (1-based) once it is accepted; rejects after `timeoutMs`. */
  connection(n: number, timeoutMs = 5_000): Promise<FakeConnection> {
    return waitUntil(this.events, 'connection', () => this.connections[n - 1], timeoutMs, `connection #${n} to the fake server`)
  }

  /** Stops listening and destroys every connection. */
  async close(): Promise<void> {
    for (const c of this.connections) c.destroy()
    await new Promise<void>((resolve) => this.server.close(() => resolve()))
  }
}

/** One client connection to the fake server. */
export class FakeConnection {
  /** Every TCP chunk received after the handshake frame, in order. */
  readonly chunks: Buffer[] = []
  /** Every frame after the handshake, pings included. */
  readonly frames: RequestSeen[] = []
  /** Answer pings at once (default true). */
  autoPing = true
  /** Answer closeSession at once and end the connection (default true). */
  autoClose = true
  /** Called with every non-ping request, after it is recorded. */
  onRequest: ((req: RequestSeen) => void) | undefined
  /** The decoded ConnectRequest, once it arrived. */
  handshake: ConnectRequestSeen | undefined
  /** `performance.now()` when the ConnectRequest arrived, once it has. */
  handshakeAt: number | undefined
  /** `performance.now()` when the connection closed, once it has. */
  closedAt: number | undefined
  /** `performance.now()` of the last write by the fake server. */
  lastWriteAt = 0
  private readonly events = new EventEmitter()
  private pending: Buffer = Buffer.alloc(0)

  constructor(
    readonly socket: Socket,
    private readonly newSessionId: () => bigint,
  ) {
    socket.setNoDelay(true)
    socket.on('data', (chunk: Buffer) => this.onData(chunk))
    socket.on('error', () => {})
    socket.on('close', () => {
      this.closedAt = performance.now()
      this.events.emit('change')
    })
  }

  /** Non-ping requests, in arrival order. */
  get requests(): RequestSeen[] {
    return this.frames.filter((f) => f.opcode !== Op.ping)
  }

  /** Ping frames (xid -2, opcode 11). */
  get pings(): RequestSeen[] {
    return this.frames.filter((f) => f.xid === -2 && f.opcode === Op.ping)
  }

  /** True once the socket closed (from either side). */
  get closed(): boolean {
    return this.closedAt !== undefined
  }

  /** Resolves with the ConnectRequest once it arrived. */
  connectRequest(timeoutMs = 5_000): Promise<ConnectRequestSeen> {
    return waitUntil(this.events, 'change', () => this.handshake, timeoutMs, 'the ConnectRequest')
  }

  /** Waits for the ConnectRequest and answers it; returns the request. */
  async accept(answer: ConnectAnswer = {}): Promise<ConnectRequestSeen> {
    const req = await this.connectRequest()
    const sessionId = answer.sessionId ?? (req.sessionId !== 0n ? req.sessionId : this.newSessionId())
    const passwd = answer.passwd ?? passwordOf(sessionId)
    const parts = [int(0), int(answer.timeOut ?? 10_000), long(sessionId), int(passwd.length), passwd]
    if (answer.readOnly !== 'omit') parts.push(Buffer.from([answer.readOnly ? 1 : 0]))
    this.write(frame(Buffer.concat(parts)))
    return req
  }

  /** Resolves with the `n`-th non-ping request (1-based). */
  request(n: number, timeoutMs = 5_000): Promise<RequestSeen> {
    return waitUntil(this.events, 'change', () => this.requests[n - 1], timeoutMs, `request #${n}`)
  }

  /** Resolves once `predicate` holds (re-checked on every frame and on close). */
  until<T>(predicate: () => T | undefined | false, timeoutMs = 5_000, what = 'a condition'): Promise<T> {
    return waitUntil(this.events, 'change', () => predicate() || undefined, timeoutMs, what)
  }

  /** Resolves once the socket closed. */
  whenClosed(timeoutMs = 5_000): Promise<number> {
    return waitUntil(this.events, 'change', () => this.closedAt, timeoutMs, 'the connection to close')
  }

  /** Writes a reply frame: ReplyHeader then `body`. */
  reply(xid: number, options: ReplyOptions = {}): void {
    this.write(replyFrame(xid, options))
  }

  /** Writes a watch notification (xid -1) for `path`. */
  notify(type: number, state: number, path: string): void {
    this.reply(-1, { body: Buffer.concat([int(type), int(state), ustring(path)]) })
  }

  /** Writes raw bytes. */
  write(bytes: Buffer): void {
    if (this.socket.destroyed) return
    this.lastWriteAt = performance.now()
    this.socket.write(bytes)
  }

  /** Closes the socket at once. */
  destroy(): void {
    this.socket.destroy()
  }

  private onData(chunk: Buffer): void {
    const afterHandshake = this.handshake !== undefined
    if (afterHandshake) this.chunks.push(chunk)
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk])
    while (this.pending.length >= 4) {
      const length = this.pending.readInt32BE(0)
      if (this.pending.length < 4 + length) break
      const payload = this.pending.subarray(4, 4 + length)
      this.pending = this.pending.subarray(4 + length)
      if (this.handshake === undefined) {
        this.handshake = decodeConnectRequest(payload)
        this.handshakeAt = performance.now()
        // Bytes after the handshake frame in the same chunk count as a chunk of their own.
        if (this.pending.length > 0) this.chunks.push(this.pending)
      } else {
        this.onFrame(payload)
      }
    }
    this.events.emit('change')
  }

  private onFrame(payload: Buffer): void {
    const req: RequestSeen = { xid: payload.readInt32BE(0), opcode: payload.readInt32BE(4), body: payload.subarray(8), chunk: this.chunks.length - 1 }
    this.frames.push(req)
    if (req.opcode === Op.ping) {
      if (this.autoPing) this.reply(-2)
      return
    }
    if (req.opcode === Op.closeSession && this.autoClose) {
      this.reply(req.xid)
      this.socket.end()
      return
    }
    this.onRequest?.(req)
  }
}

/** A whole reply frame. */
export function replyFrame(xid: number, { zxid = 0n, err = 0, body = Buffer.alloc(0) }: ReplyOptions = {}): Buffer {
  return frame(Buffer.concat([int(xid), long(zxid), int(err), body]))
}

/** A length-prefixed frame around `payload`. */
export function frame(payload: Buffer): Buffer {
  return Buffer.concat([int(payload.length), payload])
}

/** A GetDataResponse body: `data` and an all-zero Stat. */
export function getDataBody(data: Buffer | string): Buffer {
  const bytes = typeof data === 'string' ? Buffer.from(data) : data
  return Buffer.concat([int(bytes.length), bytes, Buffer.alloc(68)])
}

/** The path of a request whose record starts with a ustring path (getData, exists, sync, ...). */
export function pathOf(req: RequestSeen): string {
  const length = req.body.readInt32BE(0)
  return req.body.toString('utf8', 4, 4 + length)
}

/** 4-byte big-endian int. */
export function int(v: number): Buffer {
  const b = Buffer.alloc(4)
  b.writeInt32BE(v)
  return b
}

/** 8-byte big-endian long. */
export function long(v: bigint): Buffer {
  const b = Buffer.alloc(8)
  b.writeBigInt64BE(v)
  return b
}

function ustring(s: string): Buffer {
  const bytes = Buffer.from(s)
  return Buffer.concat([int(bytes.length), bytes])
}

function passwordOf(sessionId: bigint): Buffer {
  const b = Buffer.alloc(16)
  b.writeBigInt64BE(sessionId)
  b.writeBigInt64BE(~sessionId, 8)
  return b
}

function decodeConnectRequest(p: Buffer): ConnectRequestSeen {
  const passwdLength = p.readInt32BE(24)
  const end = 28 + passwdLength
  return {
    protocolVersion: p.readInt32BE(0),
    lastZxidSeen: p.readBigInt64BE(4),
    timeOut: p.readInt32BE(12),
    sessionId: p.readBigInt64BE(16),
    passwd: Buffer.from(p.subarray(28, end)),
    readOnly: p.length > end ? p[end] === 1 : undefined,
  }
}

/** Resolves with `get()` once it is defined, re-checking on `event`; rejects after `timeoutMs`. */
function waitUntil<T>(events: EventEmitter, event: string, get: () => T | undefined, timeoutMs: number, what: string): Promise<T> {
  const now = get()
  if (now !== undefined) return Promise.resolve(now)
  return new Promise<T>((resolve, reject) => {
    const check = (): void => {
      const value = get()
      if (value === undefined) return
      clearTimeout(timer)
      events.off(event, check)
      resolve(value)
    }
    const timer = setTimeout(() => {
      events.off(event, check)
      reject(new Error(`fake server: timed out after ${timeoutMs} ms waiting for ${what}`))
    }, timeoutMs)
    events.on(event, check)
  })
}
