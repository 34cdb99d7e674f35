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
import type { Log } from '../common/log.js'
import { OpCode } from '../protocol/constants.js'
import type { Clock } from './clock.js'
import type { Connection } from './connection.js'
import { Request } from './request.js'

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
  /** True when a server could be holding the session (it lived on a read-write server, and the client has not shut down). */
  reachable(): boolean
  /** The session id, for the log. */
  sessionId(): bigint
  /** Makes the connection attempt waiting for its backoff delay now. */
  connectNow(): void
  /** Resolves with a usable connection once one is primed (or waiting is pointless), or with null after `ms`. */
  primed(ms: number): Promise<Connection | null>
  /**
   * Writes every waiting request on `conn`, whatever the window, then `req` (abandoned after its
   * timeout); nothing else may be sent after it.
   */
  sendLast(conn: Connection, req: Request): void
  /** Final stop. */
  shutDown(): void
  /** Resolves once every reply and event (the watches' final ones included) has been delivered. */
  delivered(): Promise<void>
  /** The negotiated session timeout in ms. */
  negotiatedTimeout(): number
}

/** Runs the close protocol on `session`. */
export async function closeSession(session: Closable, log: Log): Promise<void> {
  const bound = closeBound(session.negotiatedTimeout())
  await session.saslSettled()
  let conn = session.sendable()
  if (conn === null && session.resumable()) {
    conn = await reach(session, bound, log)
    if (conn !== null) await session.saslSettled()
    conn = session.sendable()
  }
  if (conn !== null && session.resumable()) await sendCloseSession(session, conn, bound, log)
  session.shutDown()
  // close() resolves once every watch has had its final event.
  await session.delivered()
}

/** Connects now, skipping the backoff delay, and resolves with a usable connection or null after `ms`. */
function reach(session: Closable, ms: number, log: Log): Promise<Connection | null> {
  if (session.sendable() !== null) return Promise.resolve(session.sendable())
  // A session that only lived on read-only servers is not resumable: nothing to end.
  if (!session.reachable()) return Promise.resolve(null)
  log.info('closing during an outage: trying to reach a server to end the session', { sessionId: session.sessionId(), boundMs: ms })
  session.connectNow()
  return session.primed(ms)
}

/** Sends every waiting request, then closeSession; resolves on its reply or after `ms`. */
async function sendCloseSession(session: Closable, conn: Connection, ms: number, log: Log): Promise<void> {
  // Everything asked for before close() goes out first, then closeSession, whatever the
  // window: the server answers in order and closes the connection after the last reply.
  const closeReq = new Request(OpCode.closeSession, null, null, null, { operation: 'close', timeoutMs: ms })
  session.sendLast(conn, closeReq)
  await closeReq.promise.then(
    () => log.info('session ended on the server', { sessionId: session.sessionId(), server: conn.address }),
    (error: unknown) => log.warn('closeSession got no answer; the session ends when it expires', { sessionId: session.sessionId(), cause: error }),
  )
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
