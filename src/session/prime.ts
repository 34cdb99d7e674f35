/**
 * Priming a connection, once its handshake (and SASL exchange, if any) is done, in ClientCnxn
 * primeConnection's order: the session's credentials, then SetWatches re-arming the registry's
 * watches (rearm.ts), then the requests that waited (which the session sends after this).
 */
import type { Log } from '../common/log.js'
import type { Credentials } from './auth.js'
import { SET_WATCHES_MAX_LENGTH } from './config.js'
import type { Connection } from './connection.js'
import { rearmWatches } from './rearm.js'
import { Request } from './request.js'
import type { WatchRegistry } from './watches.js'

/**
 * Whether a connection whose handshake gave `newSession` re-arms the registry's watches, given
 * the session id the ConnectRequest asked for (`requested`, 0n for a new session).
 */
export function rearmsWatches(newSession: boolean, requested: bigint): boolean {
  // Watches set through a read-only server's local session carry over to the next one, as in ClientCnxn.
  return !newSession || requested === 0n
}

/** Writes what goes first on every connection of one session. */
export class Primer {
  /** Whether the connection being primed re-arms the registry's watches (decided at its handshake). */
  rearm = false

  constructor(
    private readonly credentials: Credentials,
    private readonly watches: WatchRegistry,
    private readonly log: Log,
    /** Writes a request on `conn`, ahead of the queue. */
    private readonly send: (req: Request, conn: Connection) => void,
  ) {}

  /** Writes the credentials, then SetWatches relative to `lastZxid` when {@link rearm} says so. */
  prime(conn: Connection, lastZxid: bigint): void {
    this.credentials.writeAll(conn.out)
    if (!this.rearm || this.watches.size === 0) return
    const packets = rearmWatches(this.watches, lastZxid, SET_WATCHES_MAX_LENGTH, (opcode, codec, body) => {
      // A failed re-arm shows up as a dropped connection, which re-arms again; nothing to report.
      const req = new Request(opcode, codec, body, null, { operation: 'setWatches' })
      req.promise.catch(noop)
      this.send(req, conn)
    })
    this.log.debug('re-arming watches', { server: conn.address, watches: this.watches.size, packets, relativeZxid: lastZxid })
  }
}

function noop(): void {}
