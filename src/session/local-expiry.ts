/**
 * Local expiry: while disconnected, the client declares its session lost once no server could
 * still be holding it, as ZooKeeper 3.9.3 does (ZOOKEEPER-4508): no bytes from any server for 4/3
 * of the negotiated timeout. The servers expire a session one timeout after they last heard from
 * it; the extra third covers the time the client took to notice the silence.
 */
import type { Clock, TimerHandle } from './clock.js'

/** The local expiry timer of a session, and when a server was last heard. */
export class LocalExpiry {
  private timer: TimerHandle | undefined
  private lastHeard: number

  constructor(private readonly clock: Clock) {
    this.lastHeard = clock.now()
  }

  /** True while the timer runs (the wait of a queued request is then bounded by it). */
  get armed(): boolean {
    return this.timer !== undefined
  }

  /** Bytes arrived from a server at clock time `at`. */
  heard(at: number | undefined): void {
    if (at !== undefined) this.lastHeard = Math.max(this.lastHeard, at)
  }

  /** Starts the timer (once); `expired` gets the silence in ms when it fires. */
  arm(negotiatedTimeout: number, expired: (silenceMs: number) => void): void {
    if (this.timer !== undefined) return
    const deadline = this.lastHeard + Math.floor((negotiatedTimeout * 4) / 3)
    this.timer = this.clock.setTimeout(() => {
      this.timer = undefined
      expired(Math.round(this.clock.now() - this.lastHeard))
    }, Math.max(0, deadline - this.clock.now()))
  }

  /** Stops the timer (connected again, expired, or closing). */
  clear(): void {
    this.clock.clearTimeout(this.timer)
    this.timer = undefined
  }
}
