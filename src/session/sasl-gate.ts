/**
 * The SASL gate of a connection. With SASL configured, nothing but the handshake and the SASL
 * tokens goes out until the exchange completes (ClientCnxn `tunnelAuthInProgress`): no
 * credentials, no SetWatches, no queued request. Only then is the connection primed. A server
 * that answers SASL at once would otherwise answer it before SetWatches, breaking the reply order,
 * and a server that enforces SASL (`zookeeper.enforce.auth.enabled=true`) refuses everything sent
 * before it.
 */
import { AuthFailedError, ConnectionLossError } from '../common/errors.js'
import type { Log } from '../common/log.js'
import type { Connection } from './connection.js'
import type { Request } from './request.js'
import { type SaslOptions, authenticateSasl, saslTokenRequest } from './sasl.js'

/** What the gate needs from the session. */
export interface SaslGateHost {
  /** The session's current connection (the exchange belongs to one connection). */
  current(): Connection | null
  /** True once the client is closing. */
  closing(): boolean
  /** Writes a request on `conn`, bypassing the queue. */
  send(req: Request, conn: Connection): void
  /** The exchange succeeded on `conn`: send credentials, SetWatches, then queued requests. */
  opened(conn: Connection): void
  /** The server refused the credentials: the client must close. */
  refused(error: Error): void
}

/** Runs one SASL exchange per connection and opens the connection when it succeeds. */
export class SaslGate {
  private run: Promise<void> | null = null

  constructor(
    private readonly options: SaslOptions,
    private readonly host: SaslGateHost,
    private readonly log: Log,
  ) {}

  /** True while an exchange is under way. */
  get inProgress(): boolean {
    return this.run !== null
  }

  /** Settles once the exchange in progress (if any) has ended, whatever its outcome. */
  settled(): Promise<void> {
    return this.run === null ? Promise.resolve() : this.run.catch(noop)
  }

  /**
   * Starts a new exchange on `conn` (a new one on every connection, as ClientCnxn makes a new
   * ZooKeeperSaslClient per connection). A lost connection simply leaves it to the next one.
   */
  start(conn: Connection): void {
    const { host, log } = this
    log.debug('SASL authentication starts', { server: conn.address, mechanism: this.options.mechanism, user: this.options.username })
    const run = authenticateSasl(this.options, (token) => {
      if (conn !== host.current() || host.closing()) return Promise.reject(new ConnectionLossError({ message: `connection to ${conn.address} ended during SASL authentication` }))
      const req = saslTokenRequest(token)
      host.send(req, conn)
      return req.promise as Promise<Buffer | null>
    })
    this.run = run
    run.then(
      () => {
        if (this.run !== run) return
        this.run = null
        log.info('SASL authentication succeeded', { server: conn.address, user: this.options.username })
        if (conn === host.current() && !host.closing()) host.opened(conn)
      },
      (error: unknown) => {
        if (this.run !== run) return
        this.run = null
        if (conn === host.current() && error instanceof AuthFailedError) {
          log.error('SASL authentication failed', { server: conn.address, user: this.options.username, cause: error })
          host.refused(error)
        } else {
          log.debug('SASL authentication interrupted; it starts over on the next connection', { server: conn.address, cause: error })
        }
      },
    )
  }
}

function noop(): void {}
