/**
 * The shell's connection: one zkwire client at a time (zkCli's `connect` replaces it, `close` ends
 * it), opened lazily so commands that need no session (four-letter words, `help`) never wait for
 * one, and the connection state as zkCli's prompt names it.
 */
import { ConnectionLossError, type ConnectionState, type StateChange, type WatchedEvent, type ZooKeeperClient, createClient } from '../index.js'
import { readFileSync } from 'node:fs'
import type { ConnectionOptions } from 'node:tls'
import type { Invocation } from './invocation.js'

/** A failure the shell reports as `message` on stderr, with an exit code (1 as zkCli, 127 for an unknown command). */
export class CliError extends Error {
  constructor(message: string, readonly exitCode = 1) {
    super(message)
    this.name = 'CliError'
  }
}

const STATE_LABELS: Record<ConnectionState | 'initial', string> = {
  initial: 'CONNECTING',
  connected: 'CONNECTED',
  reconnected: 'CONNECTED',
  readOnly: 'CONNECTEDREADONLY',
  suspended: 'SUSPENDED',
  lost: 'LOST',
  closed: 'CLOSED',
}

/** Reads the PEM files of the TLS flags; CliError naming the file that cannot be read. */
function tlsOptions(files: NonNullable<Invocation['tls']>): ConnectionOptions {
  const read = (flag: string, file: string | undefined): Buffer | undefined => {
    if (file === undefined) return undefined
    try {
      return readFileSync(file)
    } catch (error) {
      throw new CliError(`${flag} ${file}: ${(error as Error).message}`)
    }
  }
  const ca = read('-tls-ca', files.ca)
  const cert = read('-tls-cert', files.cert)
  const key = read('-tls-key', files.key)
  return { ...(ca === undefined ? {} : { ca }), ...(cert === undefined ? {} : { cert }), ...(key === undefined ? {} : { key }) }
}

/** The connection of a shell or a one-shot command. */
export class CliSession {
  private client: ZooKeeperClient | null = null
  private closedByUser = false
  private readonly stateListeners = new Set<(label: string, change: StateChange | null) => void>()
  /** The connect string of the current (or next) connection. */
  server: string
  /** Why the last connection attempt failed (from the client's log), to explain a connect timeout. */
  private lastAttemptFailure: string | null = null
  /** zkCli's `printwatches`: whether watch events of `-w` reads are printed. */
  printWatches = true

  /**
   * @param invocation the options the shell was started with.
   * @param notify prints a line that arrives on its own (a watch event); the shell replaces it to
   *   print above its prompt.
   */
  constructor(
    readonly invocation: Invocation,
    public notify: (text: string) => void,
  ) {
    this.server = invocation.server
  }

  /** The state as the prompt shows it: CONNECTING, CONNECTED, CONNECTEDREADONLY, SUSPENDED, LOST, CLOSED, or NOT_CONNECTED. */
  get stateLabel(): string {
    if (this.client === null) return this.closedByUser ? 'CLOSED' : 'NOT_CONNECTED'
    return STATE_LABELS[this.client.state]
  }

  /** The client if one is open (connected or not), without waiting. */
  get current(): ZooKeeperClient | null {
    return this.client
  }

  /** Calls `listener` with the new label on every state change (and on connect/close). */
  onState(listener: (label: string, change: StateChange | null) => void): void {
    this.stateListeners.add(listener)
  }

  /** Opens a new client on `server` (default: the current connect string), closing the old one. */
  connect(server = this.server): ZooKeeperClient {
    const old = this.client
    if (old !== null) void old.close().catch(() => {})
    this.server = server
    this.closedByUser = false
    const inv = this.invocation
    this.lastAttemptFailure = null
    const noop = (): void => {}
    const client = createClient(server, {
      ...(inv.tls === undefined ? {} : { tls: tlsOptions(inv.tls) }),
      logger: { debug: noop, info: noop, error: noop, warn: (message) => (this.lastAttemptFailure = message) },
      sessionTimeout: inv.timeout,
      readOnly: inv.readOnly,
      ...(inv.sasl === undefined ? {} : { sasl: { mechanism: 'DIGEST-MD5' as const, ...inv.sasl } }),
      ...(inv.auth.length === 0 ? {} : { auth: inv.auth }),
    })
    this.client = client
    client.on('state', (change) => {
      if (this.client === client) this.emitState(change)
    })
    this.emitState(null)
    return client
  }

  /**
   * The client, once connected: opens one if needed and waits (bounded by `-timeout`, cancelled by
   * `signal`; with `forever`, only by the signal). After `close`, fails with "Not connected" as zkCli does, until `connect`.
   */
  async zk(signal?: AbortSignal, wait: { forever?: boolean } = {}): Promise<ZooKeeperClient> {
    if (this.client === null || this.client.state === 'closed') {
      if (this.closedByUser) throw new CliError('Not connected (use connect to open a new session)')
      if (this.client !== null) throw new CliError('Not connected: the client closed (after an authentication failure?); use connect to open a new session')
      this.connect()
    }
    const client = this.client!
    try {
      await client.connected({ ...(wait.forever === true ? {} : { timeout: this.invocation.timeout }), ...(signal === undefined ? {} : { signal }) })
    } catch (error) {
      // The wait timed out (ConnectionLossError); other failures (the client closed after an
      // authentication failure, Ctrl-C) say what happened themselves.
      if (!(error instanceof ConnectionLossError) || signal?.aborted) throw error
      const last = this.lastAttemptFailure === null ? '' : `; last ${this.lastAttemptFailure}`
      throw new CliError(`could not connect to ${this.server} within ${this.invocation.timeout} ms (state ${this.stateLabel})${last}; check -server and that ZooKeeper is up`)
    }
    return client
  }

  /** Options for a call: the shell's cancel signal and the `-timeout` bound. */
  call(signal: AbortSignal): { signal: AbortSignal; timeout: number } {
    return { signal, timeout: this.invocation.timeout }
  }

  /** A watcher that prints the event as zkCli does (when printwatches is on). */
  readonly printingWatcher = (event: WatchedEvent): void => {
    if (this.printWatches) this.notify(`\nWATCHER::\n\nWatchedEvent state:${event.state} type:${event.type} path:${event.path}\n`)
  }

  /** Closes the session (zkCli's `close`); commands then fail until `connect`. */
  async close(): Promise<void> {
    const client = this.client
    this.client = null
    this.closedByUser = true
    if (client !== null) await client.close()
    this.emitState(null)
  }

  private emitState(change: StateChange | null): void {
    for (const listener of this.stateListeners) listener(this.stateLabel, change)
  }
}
