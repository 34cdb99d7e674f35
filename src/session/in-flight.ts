/**
 * The requests on the wire: xids, the queue of requests awaiting replies (the server answers in
 * request order, so the oldest one is the next to be answered), and the window they must fit in,
 * by count and by bytes. The byte budget bounds the memory of a burst of large writes: a caller
 * beyond it waits in the session's queue, it does not fail.
 */
import { InvalidArgumentError } from '../common/errors.js'
import { Queue } from '../common/ring-queue.js'
import type { Clock } from './clock.js'
import type { Connection } from './connection.js'
import type { Request } from './request.js'

/** Limits of the window. */
export interface InFlightLimits {
  /** Most requests awaiting replies. */
  maxInFlight: number
  /** Most bytes of requests awaiting replies; one request always fits, however large. */
  maxInFlightBytes: number
  /** Largest frame the server accepts (jute.maxbuffer). */
  maxPacketLength: number
}

/** The requests sent and awaiting replies, oldest first. */
export class InFlight {
  private readonly queue = new Queue<Request>()
  private xid = 0
  private bytes = 0

  constructor(
    private readonly clock: Clock,
    private readonly limits: InFlightLimits,
  ) {}

  /** Number of requests awaiting replies. */
  get length(): number {
    return this.queue.length
  }

  /** The request the next reply answers. */
  get oldest(): Request | undefined {
    return this.queue.peek()
  }

  /** True when another request fits in the window, by count and by bytes. */
  get hasRoom(): boolean {
    return this.queue.length < this.limits.maxInFlight && (this.bytes === 0 || this.bytes < this.limits.maxInFlightBytes)
  }

  /**
   * Encodes a request into the connection's outgoing batch and queues it for its reply. A request
   * that cannot be encoded, or is over the packet limit, fails alone.
   */
  send(req: Request, conn: Connection): void {
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
    if (length > this.limits.maxPacketLength) {
      // The server closes the connection on a frame over jute.maxbuffer, failing every request
      // in flight; refuse this one alone instead.
      w.truncate(start)
      req.settle(new InvalidArgumentError(`${req.context.operation} request of ${length} bytes exceeds the packet limit of ${this.limits.maxPacketLength} bytes (jute.maxbuffer); send less data`), true)
      return
    }
    req.xid = xid
    // Request traces (diagnostics_channel) report the xid the call went out with.
    req.context.xid = xid
    req.sentAt = this.clock.now()
    req.bytes = length
    this.bytes += length
    this.queue.push(req)
    conn.framesQueued++
    conn.scheduleFlush()
  }

  /** The oldest request was answered. */
  answered(): void {
    const req = this.queue.shift()
    if (req !== undefined) this.bytes -= req.bytes
  }

  /** Fails every request awaiting a reply (the connection ended). */
  failAll(reason: Error): void {
    this.bytes = 0
    for (const req of this.queue.drain()) req.settle(reason, true)
  }

  private nextXid(): number {
    // Positive, never 0, wrapping as ClientCnxn.getXid does.
    this.xid = this.xid === 0x7fffffff ? 1 : this.xid + 1
    return this.xid
  }
}
