/**
 * Liveness of one connection, on the Java client's rules (`ClientCnxn.SendThread.run`):
 * - read timeout = 2/3 of the negotiated session timeout: a connection from which nothing has
 *   been received for that long is dropped, so a silent server is noticed;
 * - a ping goes out when nothing has been sent for about half the read timeout, and at least
 *   every 10 s, so the server keeps the session and we hear back;
 * - a request or ping unanswered for the read timeout counts as silence too, even while other
 *   bytes (watch events) still arrive: when only the way to the server is broken, events keep
 *   coming, but nothing sent is answered.
 */
import type { Clock, TimerHandle } from './clock.js'

/** What the heartbeat asks of the session. */
export interface HeartbeatActions {
  /** Send a ping now. */
  ping(): void
  /** Nothing has been received for the read timeout. */
  timedOut(silentMs: number): void
  /** Bytes arrive (events), but a request or ping has gone unanswered for the read timeout. */
  unanswered(waitedMs: number): void
}

/** Longest idle time before a ping, whatever the session timeout (`MAX_SEND_PING_INTERVAL`). */
const MAX_PING_INTERVAL_MS = 10_000

/** Tracks send and receive times of one connection and acts when they get too old. */
export class Heartbeat {
  private lastReceived = 0
  private lastSent = 0
  /** Since when a request or ping has been waiting for its reply with no reply in between. */
  private awaitingSince: number | undefined = undefined
  private readTimeout = 0
  private pingInterval = 0
  private timer: TimerHandle | undefined
  private running = false

  constructor(
    private readonly clock: Clock,
    private readonly actions: HeartbeatActions,
  ) {}

  /** Read timeout in force, in ms (0 when stopped). */
  get readTimeoutMs(): number {
    return this.running ? this.readTimeout : 0
  }

  /** Starts watching a connection whose session timeout is `negotiatedTimeout` ms. */
  start(negotiatedTimeout: number): void {
    this.stop()
    this.readTimeout = Math.max(1, Math.floor((negotiatedTimeout * 2) / 3))
    const half = this.readTimeout / 2
    // Java pings 1 s early once idle for over a second; for short timeouts that would be never-idle.
    this.pingInterval = Math.min(MAX_PING_INTERVAL_MS, half > 2_000 ? half - 1_000 : Math.max(1, Math.floor(this.readTimeout / 3)))
    const now = this.clock.now()
    this.lastReceived = now
    this.lastSent = now
    this.awaitingSince = undefined
    this.running = true
    this.arm(now)
  }

  /** Stops all timers. */
  stop(): void {
    this.running = false
    this.clock.clearTimeout(this.timer)
    this.timer = undefined
  }

  /** Bytes arrived. Cheap: only a timestamp; the timer re-checks when it fires. */
  received(): void {
    this.lastReceived = this.clock.now()
  }

  /** Bytes were written; `expectsReply` when they hold a request or ping. */
  sent(expectsReply = true): void {
    const now = this.clock.now()
    this.lastSent = now
    if (expectsReply && this.awaitingSince === undefined) this.awaitingSince = now
  }

  /** A reply arrived; `stillWaiting` when other requests or pings remain unanswered. */
  answered(stillWaiting: boolean): void {
    this.awaitingSince = stillWaiting ? this.clock.now() : undefined
  }

  private arm(now: number): void {
    let next = Math.min(this.lastReceived + this.readTimeout, this.lastSent + this.pingInterval)
    if (this.awaitingSince !== undefined) next = Math.min(next, this.awaitingSince + this.readTimeout)
    this.timer = this.clock.setTimeout(this.check, Math.max(1, Math.ceil(next - now)))
  }

  private readonly check = (): void => {
    this.timer = undefined
    if (!this.running) return
    const now = this.clock.now()
    const silent = now - this.lastReceived
    if (silent >= this.readTimeout) {
      this.running = false
      this.actions.timedOut(Math.round(silent))
      return
    }
    if (this.awaitingSince !== undefined && now - this.awaitingSince >= this.readTimeout) {
      this.running = false
      this.actions.unanswered(Math.round(now - this.awaitingSince))
      return
    }
    if (now - this.lastSent >= this.pingInterval) {
      this.actions.ping()
      this.lastSent = now
    }
    if (this.running) this.arm(now)
  }
}
