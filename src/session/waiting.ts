/**
 * Requests waiting to be sent, in submission order, and the bound on that wait. A request waits
 * for room in the window, for a connection, or for SASL; while no connection and no session could
 * end the wait (before the first session, after an expiry), it fails after a bound instead of
 * waiting forever. Abandoning a waiting request is O(1): it stays queued, settled, and is skipped.
 */
import { Queue } from '../common/ring-queue.js'
import type { Clock, TimerHandle } from './clock.js'
import type { Request } from './request.js'

/** What the queue asks of the session. */
export interface WaitingHost {
  /** True while nothing else (a connection, local expiry, closing) will end the wait. */
  unbounded(): boolean
  /** The error for a request that waited `boundMs` in vain. */
  errorFor(req: Request, boundMs: number): Error
  /** `count` requests just failed that way. */
  failed(count: number, boundMs: number): void
}

/** The queue of requests not yet sent. */
export class WaitingRequests {
  private readonly queue = new Queue<Request>()
  private timer: TimerHandle | undefined

  constructor(
    private readonly clock: Clock,
    /** How long a request may wait while the wait is unbounded, in ms. */
    readonly boundMs: number,
    private readonly host: WaitingHost,
  ) {}

  /** Number of queued requests (settled ones included until their turn). */
  get length(): number {
    return this.queue.length
  }

  /** Queues a request and starts the bound if the wait has none. */
  push(req: Request): void {
    req.queuedAt = this.clock.now()
    this.queue.push(req)
    this.arm()
  }

  /** The oldest queued request. */
  shift(): Request | undefined {
    return this.queue.shift()
  }

  /** Removes and returns every queued request. */
  drain(): Request[] {
    return this.queue.drain()
  }

  /** Starts the bound when requests wait and nothing else will end their wait. Idempotent. */
  arm(): void {
    if (this.timer !== undefined || this.queue.length === 0 || !this.host.unbounded()) return
    const deadline = this.queue.peek()!.queuedAt + this.boundMs
    this.timer = this.clock.setTimeout(this.onBound, Math.max(1, Math.ceil(deadline - this.clock.now())))
  }

  /** Stops the bound (a connection is up, or the session is stopping). */
  disarm(): void {
    this.clock.clearTimeout(this.timer)
    this.timer = undefined
  }

  private readonly onBound = (): void => {
    this.timer = undefined
    if (!this.host.unbounded()) return
    const now = this.clock.now()
    let failed = 0
    // Submission order: the requests past their bound are at the head.
    for (let req = this.queue.peek(); req !== undefined; req = this.queue.peek()) {
      if (!req.settled && now - req.queuedAt < this.boundMs) break
      this.queue.shift()
      if (req.settled) continue
      req.settle(this.host.errorFor(req, this.boundMs), true)
      failed++
    }
    if (failed > 0) this.host.failed(failed, this.boundMs)
    this.arm()
  }
}
