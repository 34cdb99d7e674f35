/**
 * Waiting on the connection state: one-off waits (`waitForState`, `connected`) and state streams
 * (`states()`). The waiters are kept in a set of their own rather than as `'state'` listeners, so
 * any number of waiting calls never trips Node's MaxListenersExceededWarning.
 */
import { AsyncQueue } from '../common/async-queue.js'
import { ClientClosedError, ConnectionLossError } from '../common/errors.js'
import type { ConnectionState, StateChange } from '../session/state.js'

/** States in which the client serves requests (reads, at least). */
export function isUsable(state: ConnectionState | 'initial'): boolean {
  return state === 'connected' || state === 'reconnected' || state === 'readOnly'
}

/** What a wait needs to know about its client. */
export interface StateSource {
  readonly state: ConnectionState | 'initial'
  readonly currentServer: string | null
  /** Why the last connection attempt failed (a TLS or DNS failure names itself), or null. */
  readonly lastAttemptError: Error | null
}

/**
 * A signal that aborts with `outer`'s reason, or with `error()` after `ms`; call `done` once the
 * wait is over (it clears the timer and the listener on `outer`).
 */
export function boundedSignal(outer: AbortSignal | undefined, ms: number, error: () => Error): { signal: AbortSignal; done: () => void } {
  const controller = new AbortController()
  const onOuterAbort = (): void => controller.abort(outer!.reason)
  outer?.addEventListener('abort', onOuterAbort, { once: true })
  const timer = setTimeout(() => controller.abort(error()), ms)
  const done = (): void => {
    clearTimeout(timer)
    outer?.removeEventListener('abort', onOuterAbort)
  }
  return { signal: controller.signal, done }
}

/** The source of a client's waits: the client's state and server, the session's last failed attempt (read when needed). */
export function stateSource(client: { readonly state: ConnectionState | 'initial'; readonly currentServer: string | null }, session: { readonly lastAttemptError: Error | null }): StateSource {
  return {
    get state() {
      return client.state
    },
    get currentServer() {
      return client.currentServer
    },
    get lastAttemptError() {
      return session.lastAttemptError
    },
  }
}

/** The state waiters of one client. */
export class StateWaits {
  private readonly waiters = new Set<(change: StateChange) => void>()

  constructor(private readonly source: StateSource) {}

  /** Hands a change to every waiter (called by the client for each change, in order). */
  notify(change: StateChange): void {
    for (const waiter of [...this.waiters]) waiter(change)
  }

  /** Resolves once `ready` holds; see `ZooKeeperClient.waitForState`. Arguments are checked by the caller. */
  waitFor(ready: (state: ConnectionState | 'initial') => boolean, signal: AbortSignal | undefined, timeout: number | undefined): Promise<void> {
    const source = this.source
    if (ready(source.state)) return Promise.resolve()
    if (source.state === 'closed') return Promise.reject(new ClientClosedError())
    if (signal?.aborted) return Promise.reject(signal.reason)
    return new Promise<void>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined
      const finish = (error?: unknown): void => {
        this.waiters.delete(onState)
        signal?.removeEventListener('abort', onAbort)
        if (timer !== undefined) clearTimeout(timer)
        if (error === undefined) resolve()
        else reject(error)
      }
      const onState = (change: StateChange): void => {
        if (ready(change.state)) finish()
        else if (change.state === 'closed') finish(new ClientClosedError({ message: `the client closed while waiting for its connection: ${change.reason}` }))
      }
      const onAbort = (): void => finish(signal!.reason)
      this.waiters.add(onState)
      signal?.addEventListener('abort', onAbort, { once: true })
      if (timeout !== undefined) {
        timer = setTimeout(() => {
          const last = source.lastAttemptError
          const why = last === null ? '' : `; last attempt: ${last.message}`
          const message = `the connection did not get there within ${timeout} ms (state ${source.state}, last tried ${source.currentServer ?? 'no server'})${why}; check the connect string and that the ensemble is up`
          finish(new ConnectionLossError(last === null ? { message } : { message, cause: (last as { cause?: unknown }).cause ?? last }))
        }, timeout)
      }
    })
  }

  /**
   * The changes as an async iterator, subscribed now (not at the first `next()`), so a change
   * between this call and the loop is kept. Ends after the `'closed'` change, or when `signal` aborts.
   */
  stream(signal: AbortSignal | undefined): AsyncIterableIterator<StateChange> {
    const queue = new AsyncQueue<StateChange>({
      onReturn: () => {
        this.waiters.delete(onState)
        signal?.removeEventListener('abort', onAbort)
      },
    })
    const onState = (change: StateChange): void => {
      queue.push(change)
      if (change.state === 'closed') queue.end()
    }
    const onAbort = (): void => queue.end()
    if (this.source.state === 'closed' || signal?.aborted === true) {
      queue.end()
      return queue
    }
    this.waiters.add(onState)
    signal?.addEventListener('abort', onAbort, { once: true })
    return queue
  }
}
