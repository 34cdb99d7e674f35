/**
 * The Promise API: argument checks, chroot, options → session requests, and replies → results.
 */
import { EventEmitter } from 'node:events'
import { Acls, validateAcl } from '../common/acl.js'
import type { CallOptions, ChildrenResult, ClientOptions, CreateOptions, CreateResult, DataResult, VersionOptions, Watched, WatchOptions } from './types.js'
import { type AddWatchOptions, ClientWatches, type RemoveWatchesOptions, type WatcherTypeName } from './watches.js'
import { ClientClosedError, ConnectionLossError, InvalidArgumentError, ZooKeeperError } from '../common/errors.js'
import type { WatchedEvent } from './watch-event.js'
import { type DataInput, resolveCreateMode, toData, toVersion } from './arguments.js'
import { Chroot, validatePath } from '../common/paths.js'
import type { PersistentWatch } from './persistent-watch.js'
import { DEFAULT_MAX_PACKET_LENGTH, ErrorCode, OpCode } from '../protocol/constants.js'
import { MultiOperationRecordCodec, MultiResponseCodec } from '../protocol/multi.js'
import type { Reader } from '../protocol/reader.js'
import { type ACL, type ClientInfo, type Stat, StatCodec } from '../protocol/records.js'
import {
  CreateRequestCodec,
  CreateTTLRequestCodec,
  DeleteRequestCodec,
  ExistsRequestCodec,
  GetACLRequestCodec,
  GetAllChildrenNumberRequestCodec,
  GetChildren2RequestCodec,
  GetDataRequestCodec,
  GetEphemeralsRequestCodec,
  ReconfigRequestCodec,
  SetACLRequestCodec,
  SetDataRequestCodec,
  SyncRequestCodec,
} from '../protocol/requests.js'
import {
  Create2ResponseCodec,
  GetACLResponseCodec,
  GetAllChildrenNumberResponseCodec,
  GetChildren2ResponseCodec,
  GetDataResponseCodec,
  GetEphemeralsResponseCodec,
  WhoAmIResponseCodec,
} from '../protocol/responses.js'
import { parseConnectString } from '../session/hosts.js'
// [connect] TLS, DNS and server-list updates (issue 10)
import { createTransport, validateTlsOption } from '../session/transport.js'
import { EnsembleTracker } from '../session/ensemble-tracker.js'
import { Log } from '../common/log.js'
import { validateSaslOptions } from '../session/sasl.js'
import { type RequestContext, Session, defaultSessionOptions } from '../session/session.js'
import type { ConnectionState, StateChange } from '../session/state.js'
import { stateStream } from './state-stream.js'
import { type Op, type OpResult, type ReadOp, type ReadResult, Transaction, fromMultiResults, fromReadResults, toMultiOps, toReadOps } from './transaction.js'

export type { AddWatchOptions, RemoveWatchesOptions, WatcherTypeName } from './watches.js'
export type { CallOptions, ChildrenResult, ClientOptions, CreateOptions, CreateResult, DataResult, VersionOptions, Watched, WatchOptions } from './types.js'

const EMPTY = Buffer.alloc(0)
const CONFIG_NODE = '/zookeeper/config'

/** States in which the client serves requests (reads, at least). */
function isUsable(state: ConnectionState | 'initial'): boolean {
  return state === 'connected' || state === 'reconnected' || state === 'readOnly'
}

/** Events of a {@link ZooKeeperClient}, for typed listeners. */
export interface ClientEvents {
  /** The connection state changed. */
  state: [change: StateChange]
}

/**
 * A ZooKeeper client. Create one with {@link createClient}; it connects at once and keeps the
 * session alive, reconnecting and resuming it, until {@link ZooKeeperClient.close}.
 *
 * Events: `'state'` with a {@link StateChange} for every change of the connection state.
 */
export class ZooKeeperClient extends EventEmitter<ClientEvents> {
  private readonly session: Session
  private readonly chroot: Chroot
  private readonly defaultAcl: readonly ACL[]
  private readonly requestTimeout: number | undefined
  private readonly maxPacketLength: number
  private readonly watches: ClientWatches

  /** Use {@link createClient}. */
  constructor(connectString: string, options: ClientOptions = {}) {
    super()
    const { hosts, chroot } = parseConnectString(connectString)
    this.chroot = new Chroot(chroot)
    this.defaultAcl = options.defaultAcl ?? Acls.open
    validateAcl(this.defaultAcl, 'defaultAcl')
    this.requestTimeout = positiveOrUndefined(options.requestTimeout, 'requestTimeout')
    this.maxPacketLength = options.maxPacketLength ?? DEFAULT_MAX_PACKET_LENGTH
    const sessionTimeout = options.sessionTimeout ?? defaultSessionOptions.sessionTimeout
    if (!Number.isInteger(sessionTimeout) || sessionTimeout <= 0) throw new InvalidArgumentError('sessionTimeout must be a positive integer number of ms')
    if (options.followConfig !== undefined && typeof options.followConfig !== 'boolean') throw new InvalidArgumentError(`followConfig must be true or false, got ${typeof options.followConfig}`)
    // [connect] the transport carries TLS and name resolution; internals.transport still wins
    const log = options.logger === undefined ? defaultSessionOptions.log : new Log(options.logger)
    const transport = createTransport({ tls: validateTlsOption(options.tls), lookup: options.lookup, log })
    this.session = new Session({
      ...defaultSessionOptions,
      log,
      transport,
      ...options.internals,
      hosts,
      sessionTimeout,
      canBeReadOnly: options.readOnly ?? false,
      maxPacketLength: this.maxPacketLength,
      maxInFlight: options.maxInFlight ?? defaultSessionOptions.maxInFlight,
      connectTimeout: positiveOrUndefined(options.connectTimeout, 'connectTimeout'),
      reconnectDelay: options.reconnectDelay ?? defaultSessionOptions.reconnectDelay,
      renewExpiredSession: options.renewExpiredSession ?? true,
      session: options.session,
      sasl: validateSaslOptions(options.sasl),
    })
    this.watches = new ClientWatches(this.session, this.chroot, (operation, path, callOptions) => this.context(operation, path, callOptions))
    this.session.on('state', (change: StateChange) => this.emit('state', change))
    for (const { scheme, auth } of options.auth ?? []) void this.session.addAuth(scheme, toData(auth, 'options.auth')).catch(() => {})
    this.session.start()
    if (options.followConfig === true) this.followConfig(log) // [connect]
  }

  /**
   * Replaces the servers this client connects to (`ZooKeeper.updateServerList`), e.g. after the
   * ensemble grew. With the Java client's probabilistic rebalancing: a session moves (drops its
   * connection and resumes elsewhere) only with the probability that evens out the load, so a
   * fleet of clients spreads over the new members without all reconnecting. Returns true when
   * this session is moving. The connect string's chroot, if any, must be the client's own.
   *
   * @example
   * zk.updateServerList('zk1:2181,zk2:2181,zk3:2181,zk4:2181,zk5:2181')
   */
  updateServerList(connectString: string): boolean {
    const { hosts, chroot } = parseConnectString(connectString)
    if (chroot !== '' && chroot !== this.chroot.prefix) {
      throw new InvalidArgumentError(`updateServerList cannot change the chroot (the client has "${this.chroot.prefix}", the string "${chroot}"); give the servers only`)
    }
    if (this.state === 'closed') throw new ClientClosedError()
    return this.session.updateServerList(hosts)
  }

  /** [connect] Keeps the server list equal to /zookeeper/config (Curator's EnsembleTracker). */
  private followConfig(log: Log): void {
    const tracker = new EnsembleTracker({
      readConfig: (changed) => this.getConfig({ watcher: (event) => { if (event.type !== 'None') changed() } }).then((r) => r.data),
      update: (hosts) => {
        if (this.state !== 'closed') this.session.updateServerList(hosts)
      },
      closed: () => this.state === 'closed',
      log,
    })
    this.session.on('state', (change: StateChange) => {
      // Read at the first connection and after every reconnect: a change may have been missed.
      if (change.state === 'connected' || change.state === 'reconnected') tracker.refresh()
    })
  }

  // ---------------------------------------------------------------- connection

  /** The current application connection state (`'initial'` before the first connection). */
  get state(): ConnectionState | 'initial' {
    return this.session.connectionState
  }

  /** The session id (0n when there is none). */
  get sessionId(): bigint {
    return this.session.sessionId
  }

  /** The session password, to resume the session from another client with `options.session`. */
  get sessionPassword(): Buffer {
    return this.session.sessionPassword
  }

  /** The session timeout granted by the server, in ms. */
  get sessionTimeout(): number {
    return this.session.negotiatedTimeout
  }

  /** The server of the current connection (`host:port`), or null. */
  get currentServer(): string | null {
    return this.session.currentServer
  }

  /** The chroot of this client (`''` for none). */
  get chrootPath(): string {
    return this.chroot.prefix
  }

  /**
   * Resolves once the client is connected, read-only servers included (immediately if it is).
   * Rejects with ClientClosedError if it closes first, and with ConnectionLossError once
   * `timeout` (default: the client's `requestTimeout`, else none) passes.
   */
  connected(options: CallOptions = {}): Promise<void> {
    return this.waitForState(isUsable, { ...options, timeout: options.timeout ?? this.requestTimeout })
  }

  /**
   * Resolves once `ready` holds for the connection state (at once if it does already). For example,
   * to wait until writes are possible (not on a read-only server):
   * `await zk.waitForState((s) => s === 'connected' || s === 'reconnected')`.
   * Rejects with ClientClosedError if the client closes first, with the signal's reason when it
   * aborts, and with ConnectionLossError after `timeout` ms (no timeout unless one is given).
   */
  waitForState(ready: (state: ConnectionState | 'initial') => boolean, options: CallOptions = {}): Promise<void> {
    if (ready(this.state)) return Promise.resolve()
    if (this.state === 'closed') return Promise.reject(new ClientClosedError())
    const { signal, timeout } = options
    if (signal?.aborted) return Promise.reject(signal.reason)
    return new Promise<void>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined
      const finish = (error?: unknown): void => {
        this.off('state', onState)
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
      this.on('state', onState)
      signal?.addEventListener('abort', onAbort, { once: true })
      if (timeout !== undefined) {
        timer = setTimeout(() => {
          // [connect/TLS] the last failed attempt says why (a TLS or DNS failure names itself)
          const last = this.session.lastAttemptError
          const why = last === null ? '' : `; last attempt: ${last.message}`
          const message = `the connection did not get there within ${timeout} ms (state ${this.state}, last tried ${this.currentServer ?? 'no server'})${why}; check the connect string and that the ensemble is up`
          finish(new ConnectionLossError(last === null ? { message } : { message, cause: (last as { cause?: unknown }).cause ?? last }))
        }, timeout)
      }
    })
  }


  /**
   * Connection state changes as an async iterator: `for await (const change of zk.states()) ...`.
   * Ends when the client closes.
   */
  states(options: { signal?: AbortSignal } = {}): AsyncIterableIterator<StateChange> {
    // Subscribe now, not at the first next(): a change between this call and the loop is kept.
    return stateStream(this, this.state === 'closed', options.signal)
  }


  /** Adds credentials (e.g. `addAuth('digest', 'user:password')`); they are presented again on every reconnect. */
  addAuth(scheme: string, auth: string | Buffer): Promise<void> {
    return rejecting(() => {
      if (typeof scheme !== 'string' || scheme === '') throw new InvalidArgumentError('addAuth scheme must be a non-empty string, e.g. "digest"')
      return this.session.addAuth(scheme, toData(auth, 'auth'))
    })
  }

  /** Closes the session (its ephemeral nodes are deleted at once) and the connection. */
  close(): Promise<void> {
    return this.session.close()
  }

  // ---------------------------------------------------------------- nodes

  /**
   * Creates a node. Sequential modes append a 10-digit counter to the path; use a protected create
   * (recipes) when a retry after a connection loss must not make a second node.
   */
  create(path: string, data?: DataInput, options: CreateOptions = {}): Promise<CreateResult> {
    return rejecting(() => {
      const mode = resolveCreateMode(options.mode, options.ttl)
      validatePath(path, 'path', mode.sequential)
      const acl = options.acl ?? this.defaultAcl
      validateAcl(acl)
      const serverPath = mode.sequential ? this.chroot.toServerPrefix(path) : this.chroot.toServer(path)
      const body = { path: serverPath, data: toData(data), acl: acl as ACL[], flags: mode.flags }
      const context = this.context('create', path, options)
      if (mode.opcode === OpCode.createTTL) return this.session.request(OpCode.createTTL, CreateTTLRequestCodec, { ...body, ttl: BigInt(options.ttl!) }, this.decodeCreate, context)
      return this.session.request(mode.opcode, CreateRequestCodec, body, this.decodeCreate, context)
    })
  }

  /** Deletes a node (which must have no children). */
  delete(path: string, options: VersionOptions = {}): Promise<void> {
    return rejecting(() => {
      validatePath(path)
      return this.session.request(OpCode.delete, DeleteRequestCodec, { path: this.chroot.toServer(path), version: toVersion(options.version) }, null, this.context('delete', path, options))
    })
  }

  /** The node's Stat, or null when it does not exist. With a watcher, also watches for its creation, change or deletion. */
  exists(path: string, options: WatchOptions = {}): Promise<Stat | null> {
    return rejecting(() => {
      validatePath(path)
      const serverPath = this.chroot.toServer(path)
      const context = this.context('exists', path, options)
      context.noNodeResult = null
      if (options.watcher !== undefined) context.watch = this.watches.register('data', serverPath, options.watcher, 'exist')
      return this.watches.track(this.session.request(OpCode.exists, ExistsRequestCodec, { path: serverPath, watch: options.watcher !== undefined }, decodeStat, context), context.watch)
    })
  }

  /** The node's data and Stat. With a watcher, also watches for a change or deletion. */
  getData(path: string, options: WatchOptions = {}): Promise<DataResult> {
    return rejecting(() => {
      validatePath(path)
      const serverPath = this.chroot.toServer(path)
      const context = this.context('getData', path, options)
      if (options.watcher !== undefined) context.watch = this.watches.register('data', serverPath, options.watcher)
      return this.watches.track(this.session.request(OpCode.getData, GetDataRequestCodec, { path: serverPath, watch: options.watcher !== undefined }, decodeData, context), context.watch)
    })
  }

  /** Replaces the node's data; returns the new Stat. */
  setData(path: string, data: DataInput, options: VersionOptions = {}): Promise<Stat> {
    return rejecting(() => {
      validatePath(path)
      const body = { path: this.chroot.toServer(path), data: toData(data), version: toVersion(options.version) }
      return this.session.request(OpCode.setData, SetDataRequestCodec, body, decodeStat, this.context('setData', path, options))
    })
  }

  /** The node's children (names) and Stat. With a watcher, also watches for a child change or deletion. */
  getChildren(path: string, options: WatchOptions = {}): Promise<ChildrenResult> {
    return rejecting(() => {
      validatePath(path)
      const serverPath = this.chroot.toServer(path)
      const context = this.context('getChildren', path, options)
      if (options.watcher !== undefined) context.watch = this.watches.register('child', serverPath, options.watcher)
      const body = { path: serverPath, watch: options.watcher !== undefined }
      return this.watches.track(this.session.request(OpCode.getChildren2, GetChildren2RequestCodec, body, GetChildren2ResponseCodec.decode, context), context.watch)
    })
  }

  /** Like {@link exists}, with the watch as a promise. */
  async watchExists(path: string, options: CallOptions = {}): Promise<{ stat: Stat | null } & Watched> {
    const { watcher, changed } = awaitable()
    const stat = await this.exists(path, { ...options, watcher })
    return { stat, changed }
  }

  /** Like {@link getData}, with the watch as a promise. */
  async watchData(path: string, options: CallOptions = {}): Promise<DataResult & Watched> {
    const { watcher, changed } = awaitable()
    const result = await this.getData(path, { ...options, watcher })
    return { ...result, changed }
  }

  /** Like {@link getChildren}, with the watch as a promise. */
  async watchChildren(path: string, options: CallOptions = {}): Promise<ChildrenResult & Watched> {
    const { watcher, changed } = awaitable()
    const result = await this.getChildren(path, { ...options, watcher })
    return { ...result, changed }
  }

  /** The node's ACL and Stat. */
  getACL(path: string, options: CallOptions = {}): Promise<{ acl: ACL[]; stat: Stat }> {
    return rejecting(() => {
      validatePath(path)
      return this.session.request(OpCode.getACL, GetACLRequestCodec, { path: this.chroot.toServer(path) }, GetACLResponseCodec.decode, this.context('getACL', path, options))
    })
  }

  /** Replaces the node's ACL (`version` is the ACL version, `aversion`); returns the new Stat. */
  setACL(path: string, acl: readonly ACL[], options: VersionOptions = {}): Promise<Stat> {
    return rejecting(() => {
      validatePath(path)
      validateAcl(acl)
      const body = { path: this.chroot.toServer(path), acl: acl as ACL[], version: toVersion(options.version) }
      return this.session.request(OpCode.setACL, SetACLRequestCodec, body, decodeStat, this.context('setACL', path, options))
    })
  }

  /** Waits until the server this client uses has caught up with the leader for `path`. */
  sync(path: string, options: CallOptions = {}): Promise<void> {
    return rejecting(() => {
      validatePath(path)
      return this.session.request(OpCode.sync, SyncRequestCodec, { path: this.chroot.toServer(path) }, null, this.context('sync', path, options))
    })
  }

  /** Number of all descendants of a node (ZooKeeper 3.6+). */
  getAllChildrenNumber(path: string, options: CallOptions = {}): Promise<number> {
    return rejecting(() => {
      validatePath(path)
      return this.session.request(OpCode.getAllChildrenNumber, GetAllChildrenNumberRequestCodec, { path: this.chroot.toServer(path) }, decodeTotalNumber, this.context('getAllChildrenNumber', path, options))
    })
  }

  /** Paths of this session's ephemeral nodes under `prefix` (default: all) (ZooKeeper 3.6+). */
  getEphemerals(prefix = '/', options: CallOptions = {}): Promise<string[]> {
    return rejecting(() => {
      validatePath(prefix, 'prefix')
      const decode = (r: Reader): string[] => GetEphemeralsResponseCodec.decode(r).ephemerals.map((p) => this.chroot.toClient(p))
      return this.session.request(OpCode.getEphemerals, GetEphemeralsRequestCodec, { prefixPath: this.chroot.toServer(prefix) }, decode, this.context('getEphemerals', prefix, options))
    })
  }

  /** The identities this session is authenticated as (ZooKeeper 3.7+). */
  whoAmI(options: CallOptions = {}): Promise<ClientInfo[]> {
    return rejecting(() => {
      return this.session.request(OpCode.whoAmI, null, null, decodeWhoAmI, this.context('whoAmI', undefined, options))
    })
  }

  // ---------------------------------------------------------------- multi

  /**
   * Applies writes atomically: all succeed or none do. On failure, rejects with the failing op's
   * error, whose `opIndex` names it and `results` holds every op's outcome.
   */
  multi(ops: readonly Op[], options: CallOptions = {}): Promise<OpResult[]> {
    return rejecting(() => {
      const wire = toMultiOps(ops, this.chroot, this.defaultAcl)
      if (wire.length === 0) return Promise.resolve([])
      const decode = (r: Reader): OpResult[] => fromMultiResults(MultiResponseCodec.decode(r).results, ops, this.chroot)
      return this.session.request(OpCode.multi, MultiOperationRecordCodec, { ops: wire }, decode, this.context('multi', undefined, options))
    })
  }

  /** Starts a transaction to build step by step and {@link Transaction.commit}. */
  transaction(options: CallOptions = {}): Transaction {
    return new Transaction((ops) => this.multi(ops, options))
  }

  /** Several reads in one round trip; each succeeds or fails on its own (ZooKeeper 3.6+). */
  multiRead(ops: readonly ReadOp[], options: CallOptions = {}): Promise<ReadResult[]> {
    return rejecting(() => {
      const wire = toReadOps(ops, this.chroot)
      if (wire.length === 0) return Promise.resolve([])
      const decode = (r: Reader): ReadResult[] => fromReadResults(MultiResponseCodec.decode(r).results, ops)
      return this.session.request(OpCode.multiRead, MultiOperationRecordCodec, { ops: wire }, decode, this.context('multiRead', undefined, options))
    })
  }

  // ---------------------------------------------------------------- watches

  /**
   * Sets a persistent watch (ZooKeeper 3.6+) that stays after it fires: on the node only, or with
   * `recursive` on the whole subtree (which never reports NodeChildrenChanged). Iterate it with
   * `for await`, or pass a `listener`; leaving the loop or calling `remove()` removes it. Changes
   * made while the client is disconnected are not replayed for persistent watches: re-read after a
   * `reconnected` state.
   */
  addWatch(path: string, options: AddWatchOptions = {}): Promise<PersistentWatch> {
    return this.watches.addWatch(path, options)
  }

  /**
   * Removes watches of `path`: with `watcher`, only that one (the server is asked whether it holds
   * such a watch, checkWatches); without, every watch of that type (removeWatches). Each removed
   * watch gets a `*WatchRemoved` event. Rejects with NoWatcherError when this client has no such
   * watch. With `local`, watches are removed on the client even when the server cannot be reached.
   */
  removeWatches(path: string, type: WatcherTypeName, options: RemoveWatchesOptions = {}): Promise<void> {
    return this.watches.removeWatches(path, type, options)
  }

  // ---------------------------------------------------------------- configuration

  /** The ensemble's dynamic configuration (`/zookeeper/config`, outside any chroot), with an optional watch. */
  getConfig(options: WatchOptions = {}): Promise<DataResult> {
    return rejecting(() => {
      const context = this.context('getConfig', CONFIG_NODE, options)
      if (options.watcher !== undefined) context.watch = this.watches.register('data', CONFIG_NODE, options.watcher)
      return this.watches.track(this.session.request(OpCode.getData, GetDataRequestCodec, { path: CONFIG_NODE, watch: options.watcher !== undefined }, decodeData, context), context.watch)
    })
  }

  /**
   * Changes the ensemble's membership (needs `reconfigEnabled=true` and an authorised user).
   * Give `joining`/`leaving` for an incremental change or `members` for a new list; `fromConfig`
   * (the config version, -1 for any) guards against concurrent changes.
   */
  reconfig(change: { joining?: string; leaving?: string; members?: string; fromConfig?: bigint }, options: CallOptions = {}): Promise<DataResult> {
    return rejecting(() => {
      if (change === null || typeof change !== 'object') throw new InvalidArgumentError('reconfig takes { joining?, leaving?, members?, fromConfig? }')
      for (const key of ['joining', 'leaving', 'members'] as const) {
        if (change[key] !== undefined && typeof change[key] !== 'string') throw new InvalidArgumentError(`reconfig ${key} must be a string of server specs`)
      }
      if (change.fromConfig !== undefined && typeof change.fromConfig !== 'bigint') throw new InvalidArgumentError('reconfig fromConfig must be a bigint config version (-1n for any)')
      const body = { joiningServers: change.joining ?? null, leavingServers: change.leaving ?? null, newMembers: change.members ?? null, curConfigId: change.fromConfig ?? -1n }
      return this.session.request(OpCode.reconfig, ReconfigRequestCodec, body, decodeData, this.context('reconfig', undefined, options))
    })
  }

  // ---------------------------------------------------------------- helpers

  private context(operation: string, path: string | undefined, options: CallOptions): RequestContext {
    const context: RequestContext = { operation }
    if (path !== undefined) context.path = path
    if (options.signal !== undefined) context.signal = options.signal
    const timeout = options.timeout === undefined ? this.requestTimeout : positiveOrUndefined(options.timeout, 'timeout')
    if (timeout !== undefined) context.timeoutMs = timeout
    return context
  }

  private readonly decodeCreate = (r: Reader): CreateResult => {
    const { path, stat } = Create2ResponseCodec.decode(r)
    return { path: this.chroot.toClient(path), stat }
  }
}

function decodeStat(r: Reader): Stat {
  return StatCodec.decode(r)
}

function decodeData(r: Reader): DataResult {
  const response = GetDataResponseCodec.decode(r)
  return { data: response.data ?? EMPTY, stat: response.stat }
}

function decodeTotalNumber(r: Reader): number {
  return GetAllChildrenNumberResponseCodec.decode(r).totalNumber
}

function decodeWhoAmI(r: Reader): ClientInfo[] {
  return WhoAmIResponseCodec.decode(r).clientInfo
}

function awaitable(): { watcher: (event: WatchedEvent) => void; changed: Promise<WatchedEvent> } {
  let resolve!: (event: WatchedEvent) => void
  const changed = new Promise<WatchedEvent>((r) => (resolve = r))
  return { watcher: (event) => resolve(event), changed }
}

function positiveOrUndefined(value: number | undefined, what: string): number | undefined {
  if (value === undefined) return undefined
  if (!Number.isFinite(value) || value <= 0) throw new InvalidArgumentError(`${what} must be a positive number of ms`)
  return value
}

/** Runs `fn`, turning a synchronous throw (an argument error) into a rejection: one error channel. */
function rejecting<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return fn()
  } catch (error) {
    return Promise.reject(error)
  }
}

/**
 * Creates a client and starts connecting.
 *
 * @param connectString `host:port[,host:port...][/chroot]`, IPv6 as `[::1]:2181`.
 * @example
 * ```ts
 * const zk = createClient('127.0.0.1:2181/app', { sessionTimeout: 10_000 })
 * await zk.connected()
 * const { data, stat } = await zk.getData('/config')
 * ```
 */
export function createClient(connectString: string, options: ClientOptions = {}): ZooKeeperClient {
  return new ZooKeeperClient(connectString, options)
}
