/**
 * Connection attempts: how long to wait before the next one, and what the failed ones were, so an
 * unreachable ensemble is reported with the hosts tried and the last cause.
 */
import { ConnectionLossError, type ZooKeeperError } from '../common/errors.js'

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
