/**
 * How a session closes. The session is ended on the server (closeSession), so its ephemeral nodes
 * go at once instead of when the session times out, whenever a server can be reached in time:
 * 1. a SASL exchange under way finishes first (requests held for it go out after it);
 * 2. with no usable connection (an outage), the client tries to reach a server for at most
 *    {@link closeBound} ms, reconnecting at once rather than after its backoff;
 * 3. every request made before close() is sent, then closeSession, and its reply is awaited for
 *    at most {@link closeBound} ms (the server answers in order and closes the connection);
 * 4. the client shuts down: watches get a final `Closed` event (delivered before close()
 *    resolves, after every reply and event before it), later calls ClientClosedError.
 * So close() settles within 2 × closeBound plus the SASL exchange, which is itself bounded by the
 * read timeout. If no server is reachable, the session stays on the servers until it expires.
 */
import type { Clock } from './clock.js'
import type { Connection } from './connection.js'

/** The longest wait of each phase of close(), from the negotiated session timeout. */
export function closeBound(negotiatedTimeout: number): number {
  return Math.min(2_000, Math.max(200, Math.floor((negotiatedTimeout * 2) / 3)))
}

/** What the close protocol needs from the session. */
export interface Closable {
  /** Resolves once no SASL exchange is in progress. */
  saslSettled(): Promise<void>
  /** The connection requests may be written to, or null. */
  sendable(): Connection | null
  /** True while the session has an id a server may still hold (not expired, not read-only-local). */
  resumable(): boolean
  /** Connects now, skipping the backoff delay, and resolves with a usable connection or null after `ms`. */
  reach(ms: number): Promise<Connection | null>
  /** Sends every waiting request, then closeSession; resolves on its reply or after `ms`. */
  sendCloseSession(conn: Connection, ms: number): Promise<void>
  /** Final stop. */
  shutDown(): void
  /** Resolves once every reply and event (the watches' final ones included) has been delivered. */
  delivered(): Promise<void>
  /** The negotiated session timeout in ms. */
  negotiatedTimeout(): number
}

/** Runs the close protocol on `session`. */
export async function closeSession(session: Closable): Promise<void> {
  const bound = closeBound(session.negotiatedTimeout())
  await session.saslSettled()
  let conn = session.sendable()
  if (conn === null && session.resumable()) {
    conn = await session.reach(bound)
    if (conn !== null) await session.saslSettled()
    conn = session.sendable()
  }
  if (conn !== null && session.resumable()) await session.sendCloseSession(conn, bound)
  session.shutDown()
  // close() resolves once every watch has had its final event.
  await session.delivered()
}

/**
 * close() waiting, during an outage, for a connection to end the session on: woken when one is
 * primed, or when waiting is pointless (no session left, or the client shut down).
 */
export class ReachWaiters {
  private readonly waiters: (() => void)[] = []

  constructor(private readonly clock: Clock) {}

  /** Resolves with `result()` once {@link wake} is called, or after `ms`. */
  wait(ms: number, result: () => Connection | null): Promise<Connection | null> {
    return new Promise((resolve) => {
      const timer = this.clock.setTimeout(() => done(), ms)
      const done = (): void => {
        this.clock.clearTimeout(timer)
        const i = this.waiters.indexOf(done)
        if (i !== -1) this.waiters.splice(i, 1)
        resolve(result())
      }
      this.waiters.push(done)
    })
  }

  /** Wakes every waiter. */
  wake(): void {
    for (const wake of this.waiters.splice(0)) wake()
  }
}
