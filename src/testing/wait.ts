/** Options for {@link waitFor}. */
export interface WaitForOptions {
  /** Give up after this many milliseconds. Default 10 000. */
  timeoutMs?: number
  /** Pause between attempts. Default 50 ms. */
  intervalMs?: number
  /** What is being waited for; used in the timeout error. */
  description?: string
  /** Stops waiting early; the promise rejects with the signal's reason. */
  signal?: AbortSignal
}

/**
 * Thrown by {@link waitFor} when the condition does not hold within its bound.
 * `lastError` is the last error the condition threw, if any.
 */
export class WaitTimeoutError extends Error {
  /** Stable code for programmatic checks. */
  readonly code = 'WAIT_TIMEOUT'
  /** The last error thrown by the polled function, if it threw. */
  readonly lastError: unknown
  constructor(message: string, lastError: unknown) {
    super(message, lastError === undefined ? undefined : { cause: lastError })
    this.name = 'WaitTimeoutError'
    this.lastError = lastError
  }
}

/**
 * Polls `fn` until it returns a truthy value and resolves with that value.
 * A throw or rejection from `fn` counts as "not yet". Rejects with
 * {@link WaitTimeoutError} after `timeoutMs`, even if an attempt is still pending
 * (that attempt is abandoned). Attempts never overlap.
 *
 * @example
 * const leader = await waitFor(() => cluster.findLeader(), { timeoutMs: 15_000, description: 'a leader' })
 */
export async function waitFor<T>(
  fn: () => T | Promise<T>,
  options: WaitForOptions = {},
): Promise<NonNullable<T>> {
  const timeoutMs = options.timeoutMs ?? 10_000
  const intervalMs = options.intervalMs ?? 50
  const deadline = Date.now() + timeoutMs
  let lastError: unknown
  let attempts = 0
  const timeout = (): WaitTimeoutError => {
    const what = options.description ?? 'condition'
    const why = lastError instanceof Error ? `; last error: ${lastError.message}` : ''
    return new WaitTimeoutError(`timed out after ${timeoutMs} ms (${attempts} attempts) waiting for ${what}${why}`, lastError)
  }
  for (;;) {
    options.signal?.throwIfAborted()
    attempts++
    const outcome = await attempt(fn, deadline - Date.now())
    if (outcome.kind === 'value' && outcome.value) return outcome.value as NonNullable<T>
    if (outcome.kind === 'error') lastError = outcome.error
    const remaining = deadline - Date.now()
    if (outcome.kind === 'late' || remaining <= 0) throw timeout()
    await delay(Math.min(intervalMs, remaining), options.signal)
  }
}

type Outcome<T> = { kind: 'value'; value: T } | { kind: 'error'; error: unknown } | { kind: 'late' }

/** One call of `fn`, given at most `ms` to settle. */
async function attempt<T>(fn: () => T | Promise<T>, ms: number): Promise<Outcome<T>> {
  let timer: NodeJS.Timeout | undefined
  const late = new Promise<Outcome<T>>((resolve) => {
    timer = setTimeout(() => resolve({ kind: 'late' }), Math.max(ms, 0))
  })
  const call = (async (): Promise<Outcome<T>> => ({ kind: 'value', value: await fn() }))().catch(
    (error: unknown): Outcome<T> => ({ kind: 'error', error }),
  )
  try {
    return await Promise.race([call, late])
  } finally {
    clearTimeout(timer)
  }
}

/** Resolves after `ms`, or rejects early when `signal` aborts. */
function delay(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason)
    const onAbort = (): void => {
      clearTimeout(timer)
      reject(signal?.reason)
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort)
      resolve()
    }, ms)
    signal?.addEventListener('abort', onAbort, { once: true })
  })
}
