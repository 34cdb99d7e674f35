import { connect, createServer, type Server, type Socket } from 'node:net'
import { LOOPBACK } from './config.js'

/** Options for {@link FaultProxy.start}. */
export interface FaultProxyOptions {
  /** `host:port` to forward to, or several, used round-robin per new connection. */
  upstream: string | readonly string[]
  /** Port to listen on (127.0.0.1). Default: a free one. */
  port?: number
}

/** A client connection accepted by a {@link FaultProxy}. */
export interface ProxyConnection {
  /** 1, 2, 3… in order of acceptance. */
  readonly id: number
  /** The client's source port: tells which client connected. */
  readonly clientPort: number
  /** The `host:port` this connection is forwarded to. */
  readonly upstream: string
}

/** Options for {@link FaultProxy.nextConnection}. */
export interface NextConnectionOptions {
  /** Give up after this many milliseconds. Default 10 000. */
  timeoutMs?: number
}

interface Upstream {
  host: string
  port: number
  text: string
}

/**
 * A TCP proxy on 127.0.0.1 in front of one or more servers, for making network faults happen on
 * demand: {@link FaultProxy.cut} resets connections, {@link FaultProxy.blackhole} silences them
 * (a partition: bytes wait in the kernel, nothing is lost), {@link FaultProxy.delay} adds latency,
 * {@link FaultProxy.refuse} turns new connections away, {@link FaultProxy.restore} heals.
 *
 * @example
 * const proxy = await FaultProxy.start({ upstream: server.connectString })
 * const zk = createClient(proxy.address)
 * const reconnected = proxy.nextConnection()
 * proxy.cut()            // the client sees a reset...
 * await reconnected      // ...and reconnects through the proxy
 * await proxy.close()
 */
export class FaultProxy {
  /** `127.0.0.1:<port>`: point the client here. */
  readonly address: string
  /** The port the proxy listens on. */
  readonly port: number
  private readonly server: Server
  private readonly upstreams: Upstream[]
  private readonly links = new Set<Link>()
  private waiters: Array<(c: ProxyConnection | Error) => void> = []
  private next = 0
  private accepted = 0
  private refusing = false
  private closed = false
  /** @internal Read by links. */
  blackholed = false
  /** @internal Read by links. */
  delayMs = 0

  private constructor(server: Server, upstreams: Upstream[]) {
    this.server = server
    this.upstreams = upstreams
    this.port = (server.address() as { port: number }).port
    this.address = `${LOOPBACK}:${this.port}`
  }

  /**
   * Starts listening on 127.0.0.1 (a free port unless `port` is given) and forwards each new
   * connection to the next upstream.
   *
   * @example
   * const proxy = await FaultProxy.start({ upstream: ['127.0.0.1:2181', '127.0.0.1:2182'] })
   */
  static async start(options: FaultProxyOptions): Promise<FaultProxy> {
    const list = typeof options.upstream === 'string' ? options.upstream.split(',') : [...options.upstream]
    const upstreams = list.map(parseHostPort)
    if (upstreams.length === 0) throw new TypeError('FaultProxy needs at least one upstream host:port')
    const server = createServer({ allowHalfOpen: true, pauseOnConnect: true })
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen({ host: LOOPBACK, port: options.port ?? 0 }, () => {
        server.removeListener('error', reject)
        resolve()
      })
    })
    const proxy = new FaultProxy(server, upstreams)
    server.on('connection', (socket) => proxy.accept(socket))
    return proxy
  }

  /**
   * Client connections open right now. During a blackhole a hang-up is noticed only after
   * {@link FaultProxy.restore}, as across a real partition.
   */
  get connectionCount(): number {
    return this.links.size
  }

  /** Connections accepted and forwarded since start (refused ones not counted). */
  get acceptedCount(): number {
    return this.accepted
  }

  /**
   * Resolves with the next connection the proxy accepts (after this call). Rejects after
   * `timeoutMs` (default 10 s) or when the proxy closes.
   */
  nextConnection(options: NextConnectionOptions = {}): Promise<ProxyConnection> {
    const timeoutMs = options.timeoutMs ?? 10_000
    if (this.closed) return Promise.reject(new Error('FaultProxy is closed'))
    return new Promise((resolve, reject) => {
      const waiter = (c: ProxyConnection | Error): void => {
        clearTimeout(timer)
        if (c instanceof Error) reject(c)
        else resolve(c)
      }
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter)
        reject(new Error(`no connection to ${this.address} within ${timeoutMs} ms`))
      }, timeoutMs)
      this.waiters.push(waiter)
    })
  }

  /** Drops every current connection on both sides with a TCP reset. New connections are forwarded as usual. */
  cut(): void {
    for (const link of this.links) link.reset()
  }

  /**
   * Silence in both directions, for current and new connections: nothing is forwarded and
   * nothing is closed, like a network partition. Data waits (in kernel buffers) until
   * {@link FaultProxy.restore}.
   */
  blackhole(): void {
    this.blackholed = true
    for (const link of this.links) link.update()
  }

  /** Back to normal: ends a blackhole (held data then flows, in order), removes delay and refusal. */
  restore(): void {
    this.blackholed = false
    this.delayMs = 0
    this.refusing = false
    for (const link of this.links) link.update()
  }

  /** Adds `ms` of latency to every chunk in each direction, order preserved. `delay(0)` removes it. */
  delay(ms: number): void {
    if (!(ms >= 0)) throw new RangeError(`delay must be >= 0 ms, got ${ms}`)
    this.delayMs = ms
  }

  /** While on, new connections are reset as soon as they are accepted; current ones are untouched. */
  refuse(on = true): void {
    this.refusing = on
  }

  /** Stops listening, resets every connection, and rejects pending {@link FaultProxy.nextConnection} calls. */
  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    const closing = new Promise<void>((resolve) => this.server.close(() => resolve()))
    this.cut()
    for (const waiter of this.waiters.splice(0)) waiter(new Error('FaultProxy closed'))
    await closing
  }

  private accept(client: Socket): void {
    if (this.refusing || this.closed) {
      client.on('error', () => {})
      client.resetAndDestroy()
      return
    }
    const target = this.upstreams[this.next++ % this.upstreams.length] as Upstream
    const upstream = connect({ host: target.host, port: target.port, allowHalfOpen: true })
    const link = new Link(this, client, upstream, () => this.links.delete(link))
    this.links.add(link)
    this.accepted++
    const info: ProxyConnection = { id: this.accepted, clientPort: client.remotePort ?? 0, upstream: target.text }
    for (const waiter of this.waiters.splice(0)) waiter(info)
  }
}

/** One accepted connection: the client socket, its upstream socket and a pump each way. */
class Link {
  private readonly pumps: [Pump, Pump]
  private open = 2

  constructor(
    proxy: FaultProxy,
    readonly client: Socket,
    readonly upstream: Socket,
    onClosed: () => void,
  ) {
    client.setNoDelay(true)
    upstream.setNoDelay(true)
    this.pumps = [new Pump(proxy, client, upstream), new Pump(proxy, upstream, client)]
    for (const [socket, other] of [[client, upstream], [upstream, client]] as const) {
      // A reset or failed connect on one side is passed on as a reset to the other.
      socket.on('error', () => resetSocket(other))
      socket.once('close', () => {
        if (--this.open === 0) {
          for (const pump of this.pumps) pump.clear()
          onClosed()
        }
      })
    }
    this.update()
  }

  update(): void {
    for (const pump of this.pumps) pump.update()
  }

  reset(): void {
    for (const pump of this.pumps) pump.clear()
    resetSocket(this.client)
    resetSocket(this.upstream)
  }
}

/** One direction of a link: reads `from`, holds chunks for the configured delay, writes `to` in order. */
class Pump {
  private readonly queue: Array<{ chunk: Buffer | null; due: number }> = []
  private timer: NodeJS.Timeout | null = null
  private backpressured = false
  private lastDue = 0

  constructor(
    private readonly proxy: FaultProxy,
    private readonly from: Socket,
    private readonly to: Socket,
  ) {
    from.on('data', (chunk: Buffer) => this.push(chunk))
    from.on('end', () => this.push(null))
    to.on('drain', () => {
      this.backpressured = false
      this.update()
    })
  }

  /** Reads only while neither blackholed nor backed up; flushes what is due. */
  update(): void {
    if (this.proxy.blackholed || this.backpressured) this.from.pause()
    else this.from.resume()
    this.flush()
  }

  clear(): void {
    this.queue.length = 0
    if (this.timer) clearTimeout(this.timer)
    this.timer = null
  }

  private push(chunk: Buffer | null): void {
    // Never due before the previous chunk, even if the delay was lowered meanwhile: order is kept.
    this.lastDue = Math.max(this.lastDue, performance.now() + this.proxy.delayMs)
    this.queue.push({ chunk, due: this.lastDue })
    this.flush()
  }

  private flush(): void {
    if (this.timer) clearTimeout(this.timer)
    this.timer = null
    while (!this.proxy.blackholed) {
      const head = this.queue[0]
      if (head === undefined) return
      const wait = head.due - performance.now()
      if (wait > 0) {
        this.timer = setTimeout(() => this.flush(), Math.ceil(wait))
        return
      }
      this.queue.shift()
      if (this.to.destroyed) continue
      if (head.chunk === null) this.to.end()
      else if (!this.to.write(head.chunk)) {
        this.backpressured = true
        this.from.pause()
      }
    }
  }
}

function resetSocket(socket: Socket): void {
  if (socket.destroyed) return
  // resetAndDestroy() on a socket still connecting waits for the connect; drop it at once instead.
  if (socket.connecting) socket.destroy()
  else socket.resetAndDestroy()
}

function parseHostPort(text: string): Upstream {
  const trimmed = text.trim()
  const colon = trimmed.lastIndexOf(':')
  const host = colon > 0 ? trimmed.slice(0, colon).replace(/^\[|\]$/g, '') : ''
  const port = Number(trimmed.slice(colon + 1))
  if (host === '' || !Number.isInteger(port) || port < 1 || port > 65535) {
    throw new TypeError(`FaultProxy upstream must be host:port, got '${text}'`)
  }
  return { host, port, text: trimmed }
}
