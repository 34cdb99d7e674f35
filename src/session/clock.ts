/**
 * Time as the session sees it. Injectable so timeouts and heartbeats can be tested without
 * waiting for real time to pass.
 */

/** An opaque timer handle. */
export type TimerHandle = unknown

/** The clock and timers a session uses. */
export interface Clock {
  /** Milliseconds on a monotonic-enough scale. */
  now(): number
  /** Calls `fn` once after `ms` milliseconds. */
  setTimeout(fn: () => void, ms: number): TimerHandle
  /** Cancels a timer; `undefined` is ignored. */
  clearTimeout(handle: TimerHandle | undefined): void
}

/** The real clock. Timers are unref'd: a client alone must not keep the process alive. */
export const systemClock: Clock = {
  now: () => performance.now(),
  setTimeout(fn, ms) {
    const t = setTimeout(fn, ms)
    t.unref()
    return t
  },
  clearTimeout(handle) {
    if (handle !== undefined) clearTimeout(handle as NodeJS.Timeout)
  },
}
