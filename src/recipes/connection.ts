/**
 * What every recipe needs from the connection state: whether the client can take writes now,
 * waiting until it can, and which failures are worth another attempt once it can.
 */
import type { ZooKeeperClient } from '../client/client.js'
import { ClientClosedError, ZooKeeperError } from '../common/errors.js'
import { ErrorCode } from '../protocol/constants.js'
import type { ConnectionState } from '../session/state.js'

/** True when writes can be sent: connected to a read-write server. */
export function isWritable(state: ConnectionState | 'initial'): boolean {
  return state === 'connected' || state === 'reconnected'
}

/** True when reads can be sent (a read-only server answers reads). */
export function isReadable(state: ConnectionState | 'initial'): boolean {
  return state === 'connected' || state === 'reconnected' || state === 'readOnly'
}

/**
 * Failures that say "not now" rather than "no": the outcome of a write is unknown (connection
 * loss, timeouts), the session ended (the client starts a new one), or the server cannot take
 * writes at the moment. Recipes retry these once the client is connected again.
 */
export function isRetryable(error: unknown): boolean {
  if (!(error instanceof ZooKeeperError)) return false
  switch (error.code) {
    case 'CONNECTIONLOSS':
    case 'OPERATIONTIMEOUT':
    case 'REQUESTTIMEOUT':
    case 'SESSIONEXPIRED':
    case 'SESSIONMOVED':
    case 'NOTREADONLY':
    case 'THROTTLEDOP':
      return true
    default:
      return false
  }
}

/** The error recipes fail with once their client is closed. */
export function clientClosedError(what: string): ZooKeeperError {
  return new ClientClosedError({ message: `${what}: the client is closed; create a new client` })
}

/**
 * Resolves once `ready(client.state)` holds (at once if it does). Rejects when the client closes
 * or `signal` aborts.
 */
export function whenState(client: ZooKeeperClient, ready: (state: ConnectionState | 'initial') => boolean, what: string, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.reject(signal.reason)
  return client.waitForState(ready, { signal }).catch((error: unknown) => {
    throw error instanceof ClientClosedError ? clientClosedError(what) : error
  })
}

/** Resolves once the client can take writes. */
export function whenWritable(client: ZooKeeperClient, what: string, signal?: AbortSignal): Promise<void> {
  return whenState(client, isWritable, what, signal)
}

/** Resolves once the client can serve reads. */
export function whenReadable(client: ZooKeeperClient, what: string, signal?: AbortSignal): Promise<void> {
  return whenState(client, isReadable, what, signal)
}

/** Resolves after `ms`, or rejects early when `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason)
    const onAbort = (): void => {
      clearTimeout(timer)
      reject(signal!.reason)
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort)
      resolve()
    }, ms)
    signal?.addEventListener('abort', onAbort, { once: true })
  })
}

/**
 * Pause before the next attempt after a retryable failure. Nothing when the connection dropped
 * (waiting for the reconnect is the pause); a growing delay when the client stayed connected
 * (a throttled or slow server), so a busy ensemble is not hammered.
 */
export async function backOff(client: ZooKeeperClient, attempt: number, signal?: AbortSignal): Promise<void> {
  if (!isWritable(client.state)) return
  await sleep(Math.min(1_000, 25 * 2 ** Math.min(attempt, 6)), signal)
}

/**
 * Runs `fn` until it succeeds, waiting for a writable connection before each attempt and retrying
 * the failures of {@link isRetryable}. Only for operations that are safe to repeat.
 */
export async function retrying<T>(client: ZooKeeperClient, what: string, fn: () => Promise<T>, signal?: AbortSignal): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    await whenWritable(client, what, signal)
    try {
      return await fn()
    } catch (error) {
      if (!isRetryable(error) || client.state === 'closed') throw error
      await backOff(client, attempt, signal)
    }
  }
}

/** A promise with its resolve and reject at hand. */
export interface Deferred<T> {
  promise: Promise<T>
  resolve: (value: T) => void
  reject: (error: unknown) => void
}

export function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void
  let reject!: (error: unknown) => void
  const promise = new Promise<T>((res, rej) => {
    resolve = res
    reject = rej
  })
  return { promise, resolve, reject }
}
