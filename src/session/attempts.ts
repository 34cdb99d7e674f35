/**
 * Connection attempts: how long to wait before the next one, when it is made, and what the failed
 * ones were, so an unreachable ensemble is reported with the hosts tried and the last cause.
 */
import { ConnectionLossError, type ZooKeeperError } from '../common/errors.js'
import type { Log } from '../common/log.js'
import type { Clock, TimerHandle } from './clock.js'

/** Backoff between attempts: random delay up to min(max, initial * 2^n) (full jitter). */
export interface ReconnectDelay {
  initialMs: number
  maxMs: number
}

/**
 * The delay before each attempt after the first (which the session makes at once): a jittered,
 * growing delay, as the Java client sleeps a random time before every reconnect
 * but the first. A server that accepts the handshake and then drops the connection counts as a
 * failure like a refused connect: only a connection that stayed up for a while
 * ({@link Backoff.stableMs}) starts the delay over, so a flapping server is never hammered.
 */
export class Backoff {
  private failures = 0

  constructor(
    private readonly delay: ReconnectDelay,
    private readonly random: () => number,
  ) {}

  /** A connection established for at least this long resets the backoff when it drops. */
  get stableMs(): number {
    return Math.max(this.delay.maxMs, 1_000)
  }

  /** Records a failed attempt or a dropped connection (`upForMs`: how long it was established). */
  failed(upForMs = 0): void {
    if (upForMs >= this.stableMs) this.failures = 0
    this.failures++
  }

  /** Milliseconds to wait before the next attempt. */
  next(): number {
    const n = Math.max(1, this.failures)
    const ceiling = Math.min(this.delay.maxMs, this.delay.initialMs * 2 ** Math.min(n - 1, 20))
    // Full jitter, so clients cut off together do not reconnect in lockstep.
    return Math.floor(this.random() * ceiling)
  }
}

/** The attempts since the last established connection, for the error that reports them. */
export class AttemptLog {
  private readonly tried = new Set<string>()
  private attempts = 0
  private cause: Error | null = null

  /** An attempt on `address` starts. */
  attempt(address: string): void {
    this.tried.add(address)
    this.attempts++
  }

  /** The attempt (or connection) failed with `reason`. */
  failed(reason: Error): void {
    this.cause = reason
  }

  /** A connection was established: start a fresh record. */
  connected(): void {
    this.tried.clear()
    this.attempts = 0
    this.cause = null
  }

  /** The last failure, if any. */
  get lastCause(): Error | null {
    return this.cause
  }

  /** The error for a wait that gave up after `waitedMs` with no usable connection. */
  error(waitedMs: number, what: string): ZooKeeperError {
    const hosts = this.tried.size === 0 ? 'no server yet' : [...this.tried].join(', ')
    const last = this.cause === null ? 'no attempt has finished yet' : this.cause.message
    const message = `${what}: no ZooKeeper server was usable within ${waitedMs} ms (tried ${hosts}; ${this.attempts} attempt${this.attempts === 1 ? '' : 's'}); last failure: ${last}. The client keeps trying; check the connect string and that the ensemble is up`
    return new ConnectionLossError(this.cause === null ? { message } : { message, cause: this.cause })
  }
}

/** What the reconnect schedule needs from its session. */
export interface ReconnectHost {
  /** True once no further attempt may be made (the client is closing or closed). */
  stopped(): boolean
  /** Makes the next attempt. */
  connectNext(): void
}

/**
 * When the session's next attempt is made: after the {@link Backoff} delay, counted from the end
 * of the last connection or attempt, which is recorded in the {@link AttemptLog} and logged here.
 */
export class Reconnects {
  private readonly backoff: Backoff
  /** Failed attempts since the last established connection (for the log). */
  private failedInARow = 0
  private timer: TimerHandle | undefined

  constructor(
    private readonly clock: Clock,
    delay: ReconnectDelay,
    random: () => number,
    private readonly attempts: AttemptLog,
    private readonly log: Log,
    private readonly host: ReconnectHost,
  ) {
    this.backoff = new Backoff(delay, random)
  }

  /**
   * A connection to `address` that was established for `upForMs` (null: an attempt that never
   * was) ended with `reason`: recorded, counted by the backoff, and logged.
   */
  ended(address: string, reason: Error, upForMs: number | null, sessionId: bigint): void {
    this.attempts.failed(reason)
    this.backoff.failed(upForMs ?? 0)
    this.failedInARow = upForMs !== null ? 0 : this.failedInARow + 1
    if (upForMs !== null) this.log.warn('connection lost', { server: address, sessionId, upForMs: Math.round(upForMs), cause: reason })
    else this.log.warn(`connection attempt failed: ${reason.message}`, { server: address, attempt: this.failedInARow, cause: (reason as { cause?: unknown }).cause ?? reason })
  }

  /** Schedules the next attempt after `delay` (default: the backoff's), unless one is scheduled or the session stopped. */
  schedule(delay = this.backoff.next()): void {
    if (this.host.stopped() || this.timer !== undefined) return
    this.timer = this.clock.setTimeout(() => {
      this.timer = undefined
      this.host.connectNext()
    }, delay)
  }

  /** Makes the scheduled attempt now, without the rest of its delay (close() during an outage). */
  hurry(): void {
    if (this.timer === undefined) return
    this.cancel()
    this.host.connectNext()
  }

  /** Drops the scheduled attempt (the client shuts down). */
  cancel(): void {
    this.clock.clearTimeout(this.timer)
    this.timer = undefined
  }
}
