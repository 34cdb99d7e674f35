/**
 * The Promise API: argument checks, chroot, options → session requests, and replies → results.
 * Each request's context, trace and chroot explanation are in request-sender.ts; the session's
 * options in client-options.ts; /zookeeper/config, reconfig's checks and followConfig in
 * dynamic-config.ts; waits on the state in state-waits.ts; watches in watches.ts.
 */
import { EventEmitter } from 'node:events'
import { Acls, validateAcl } from '../common/acl.js'
import type { CallOptions, ChildrenResult, ClientOptions, CreateOptions, CreateResult, DataResult, VersionOptions, Watched, WatchOptions } from './types.js'
import { type AddWatchOptions, ClientWatches, type RemoveWatchesOptions, type WatcherTypeName } from './watches.js'
import { ClientClosedError, InvalidArgumentError } from '../common/errors.js'
import { type DataInput, resolveCreateMode, toData, toVersion } from './arguments.js'
import { checkClientOptions, checkLogger, toSessionOptions } from './client-options.js'
import { publishState } from './diagnostics.js'
import { CONFIG_NODE, followConfig, reconfigRequest } from './dynamic-config.js'
import { addWatchOptions, callOptions, createOptions, removeWatchesOptions, signalOnly, versionOptions, watchOptions } from './option-checks.js'
import { checkFunction, describe } from '../common/check.js'
import { StateWaits, boundedSignal, isUsable, stateSource } from './state-waits.js'
import { awaitable, createResultDecoder, decodeData, explainCreateNoNode, decodeStat, decodeTotalNumber, decodeWhoAmI, positiveOrUndefined, rejecting, rejectingIterator } from './replies.js'
import { RequestSender } from './request-sender.js'
import { Chroot, validatePath } from '../common/paths.js'
import type { PersistentWatch } from './persistent-watch.js'
import { OpCode } from '../protocol/constants.js'
import { MultiOperationRecordCodec, MultiResponseCodec } from '../protocol/multi.js'
import type { Reader } from '../protocol/reader.js'
import type { ACL, ClientInfo, Stat } from '../protocol/records.js'
import { CreateRequestCodec, CreateTTLRequestCodec, DeleteRequestCodec, ExistsRequestCodec, GetACLRequestCodec, GetAllChildrenNumberRequestCodec, GetChildren2RequestCodec, GetDataRequestCodec, GetEphemeralsRequestCodec, ReconfigRequestCodec, SetACLRequestCodec, SetDataRequestCodec, SyncRequestCodec } from '../protocol/requests.js'
import { GetACLResponseCodec, GetChildren2ResponseCodec, GetEphemeralsResponseCodec } from '../protocol/responses.js'
import { parseConnectString } from '../session/hosts.js'
import { Log } from '../common/log.js'
import { Session } from '../session/session.js'
import type { ConnectionState, StateChange } from '../session/state.js'
import { type Op, type OpResult, type ReadOp, type ReadResult, Transaction, fromMultiResults, fromReadResults, toMultiOps, toReadOps } from './transaction.js'

export type { AddWatchOptions, RemoveWatchesOptions, WatcherTypeName } from './watches.js'
export type { CallOptions, ChildrenResult, ClientOptions, CreateOptions, CreateResult, DataResult, VersionOptions, Watched, WatchOptions } from './types.js'

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
export class ZooKeeperClient extends EventEmitter<ClientEvents> implements AsyncDisposable {
  private readonly session: Session
  /** Callers waiting on the state (waitForState, connected, states()). */
  private readonly stateWaits: StateWaits
  private readonly chroot: Chroot
  private readonly defaultAcl: readonly ACL[]
  private readonly requestTimeout: number | undefined
  private readonly watches: ClientWatches
  /** Context, tracing and chroot explanations of every request (request-sender.ts). */
  private readonly sender: RequestSender
  private readonly decodeCreate: (r: Reader) => CreateResult
  /** NODE_DEBUG=zkwire and the application's logger; shared with the session. */
  private readonly log: Log

  /** Use {@link createClient}. */
  constructor(connectString: string, options: ClientOptions = {}) {
    super()
    options = checkClientOptions(options)
    const { hosts, chroot } = parseConnectString(connectString)
    this.log = new Log(checkLogger(options.logger, 'createClient'))
    this.chroot = new Chroot(chroot)
    this.defaultAcl = options.defaultAcl ?? Acls.open
    validateAcl(this.defaultAcl, 'defaultAcl')
    this.requestTimeout = positiveOrUndefined(options.requestTimeout, 'requestTimeout')
    const log = this.log
    const sessionOptions = toSessionOptions(options, hosts, log)
    this.session = new Session(sessionOptions)
    this.sender = new RequestSender(this.session, this.chroot, this.requestTimeout, this)
    this.decodeCreate = createResultDecoder(this.chroot)
    this.stateWaits = new StateWaits(stateSource(this, this.session))
    const sender = this.sender
    this.watches = new ClientWatches(this.session, this.chroot, (operation, path, callOptions) => sender.context(operation, path, callOptions), (opcode, codec, body, decode, context) => sender.send(opcode, codec, body, decode, context))
    this.session.on('state', (change: StateChange) => {
      publishState(this, change, this.session.currentServer)
      this.stateWaits.notify(change)
      this.emit('state', change)
    })
    for (const { scheme, auth } of options.auth ?? []) void this.session.addAuth(scheme, toData(auth, 'options.auth')).catch(() => {})
    this.log.debug('client created', { hosts: hosts.map((h) => `${h.host}:${h.port}`).join(','), chroot: chroot || '/', sessionTimeout: sessionOptions.sessionTimeout })
    this.session.start()
    if (options.followConfig === true) followConfig(this, this.session, log) // [connect]
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
   * `timeout` passes (default: the client's `requestTimeout`, else the session timeout). Without a
   * `timeout`, the error names the servers tried and has the last failure (connection refused, not
   * a ZooKeeper server, handshake timed out...) as its `cause`. The client keeps trying either way.
   */
  connected(options: CallOptions = {}): Promise<void> {
    return rejecting(() => {
      const checked = callOptions(options, 'connected')
      const timeout = checked.timeout ?? this.requestTimeout
      if (timeout !== undefined) return this.waitForState(isUsable, { ...checked, timeout })
      if (isUsable(this.state)) return Promise.resolve()
      const outer = checked.signal
      if (outer?.aborted) return Promise.reject(outer.reason)
      // Nothing waits forever: bounded by the session timeout, failing with what the attempts found.
      const bound = this.session.unreachableBoundMs
      const bounded = boundedSignal(outer, bound, () => this.session.unreachableError(bound, 'connected()'))
      return this.waitForState(isUsable, { signal: bounded.signal }).finally(bounded.done)
    })
  }

  /**
   * Resolves once `ready` holds for the connection state (at once if it does already). For example,
   * to wait until writes are possible (not on a read-only server):
   * `await zk.waitForState((s) => s === 'connected' || s === 'reconnected')`.
   * Rejects with ClientClosedError if the client closes first, with the signal's reason when it
   * aborts, and with ConnectionLossError after `timeout` ms (no timeout unless one is given).
   */
  waitForState(ready: (state: ConnectionState | 'initial') => boolean, options: CallOptions = {}): Promise<void> {
    let signal: AbortSignal | undefined
    let timeout: number | undefined
    try {
      checkFunction(ready, 'ready', 'waitForState')
      if (ready === undefined) throw new InvalidArgumentError('waitForState: ready must be a function of the state, e.g. (s) => s === \'connected\'')
      ;({ signal, timeout } = callOptions(options, 'waitForState'))
    } catch (error) {
      return Promise.reject(error)
    }
    return this.stateWaits.waitFor(ready, signal, timeout)
  }

  /**
   * Connection state changes as an async iterator: `for await (const change of zk.states()) ...`.
   * Ends when the client closes.
   */
  states(options: { signal?: AbortSignal } = {}): AsyncIterableIterator<StateChange> {
    try {
      return this.stateWaits.stream(signalOnly(options, 'states').signal)
    } catch (error) {
      // An iterator's one error channel: its first next() rejects.
      return rejectingIterator(error)
    }
  }

  /** Adds credentials (e.g. `addAuth('digest', 'user:password')`); they are presented again on every reconnect. */
  addAuth(scheme: string, auth: string | Buffer): Promise<void> {
    return rejecting(() => {
      if (typeof scheme !== 'string' || scheme === '') throw new InvalidArgumentError(`addAuth: scheme must be a non-empty string, e.g. "digest", got ${describe(scheme)}`)
      return this.session.addAuth(scheme, toData(auth, 'auth'))
    })
  }

  /**
   * Closes the session (its ephemeral nodes are deleted at once) and the connection. Calls made
   * before it are sent first. During an outage it tries to reach a server to end the session for
   * at most min(2 s, max(200 ms, 2/3 of the session timeout)), then waits for closeSession's reply
   * as long again; if no server is reachable, the session and its ephemeral nodes stay until the
   * servers expire it. Resolves once every watch has had its final `Closed` event.
   */
  close(): Promise<void> {
    if (this.state !== 'closed') this.log.debug('client closing', { sessionId: this.sessionId })
    return this.session.close()
  }

  /** Closes the client: `await using zk = createClient(...)` closes it when the scope ends. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close()
  }

  // ---------------------------------------------------------------- nodes

  /**
   * Creates a node. Sequential modes append a 10-digit counter to the path; use a protected create
   * (recipes) when a retry after a connection loss must not make a second node.
   */
  create(path: string, data?: DataInput, options: CreateOptions = {}): Promise<CreateResult> {
    return rejecting(() => {
      options = createOptions<CreateOptions>(options, 'create')
      const mode = resolveCreateMode(options.mode, options.ttl)
      validatePath(path, 'path', mode.sequential)
      const acl = options.acl ?? this.defaultAcl
      validateAcl(acl)
      const serverPath = mode.sequential ? this.chroot.toServerPrefix(path) : this.chroot.toServer(path)
      const body = { path: serverPath, data: toData(data), acl: acl as ACL[], flags: mode.flags }
      const context = this.sender.context('create', path, options)
      const sent = mode.opcode === OpCode.createTTL
        ? this.sender.send(OpCode.createTTL, CreateTTLRequestCodec, { ...body, ttl: BigInt(options.ttl!) }, this.decodeCreate, context)
        : this.sender.send(mode.opcode, CreateRequestCodec, body, this.decodeCreate, context)
      return sent.catch((error: unknown) => {
        throw explainCreateNoNode(error, path, this.chroot.prefix)
      })
    })
  }

  /** Deletes a node (which must have no children). */
  delete(path: string, options: VersionOptions = {}): Promise<void> {
    return rejecting(() => {
      options = versionOptions<VersionOptions>(options, 'delete')
      validatePath(path)
      return this.sender.send(OpCode.delete, DeleteRequestCodec, { path: this.chroot.toServer(path), version: toVersion(options.version) }, null, this.sender.context('delete', path, options))
    })
  }

  /** The node's Stat, or null when it does not exist. With a watcher, also watches for its creation, change or deletion. */
  exists(path: string, options: WatchOptions = {}): Promise<Stat | null> {
    return rejecting(() => {
      options = watchOptions<WatchOptions>(options, 'exists', 'watchExists')
      validatePath(path)
      const serverPath = this.chroot.toServer(path)
      const context = this.sender.context('exists', path, options)
      context.noNodeResult = null
      if (options.watcher !== undefined) context.watch = this.watches.register('data', serverPath, options.watcher, 'exist')
      return this.watches.track(this.sender.send(OpCode.exists, ExistsRequestCodec, { path: serverPath, watch: this.watches.armOnServer(context.watch) }, decodeStat, context), context.watch)
    })
  }

  /** The node's data and Stat. With a watcher, also watches for a change or deletion. */
  getData(path: string, options: WatchOptions = {}): Promise<DataResult> {
    return rejecting(() => {
      options = watchOptions<WatchOptions>(options, 'getData', 'watchData')
      validatePath(path)
      const serverPath = this.chroot.toServer(path)
      const context = this.sender.context('getData', path, options)
      if (options.watcher !== undefined) context.watch = this.watches.register('data', serverPath, options.watcher)
      return this.watches.track(this.sender.send(OpCode.getData, GetDataRequestCodec, { path: serverPath, watch: this.watches.armOnServer(context.watch) }, decodeData, context), context.watch)
    })
  }

  /** Replaces the node's data; returns the new Stat. */
  setData(path: string, data: DataInput, options: VersionOptions = {}): Promise<Stat> {
    return rejecting(() => {
      options = versionOptions<VersionOptions>(options, 'setData')
      validatePath(path)
      const body = { path: this.chroot.toServer(path), data: toData(data), version: toVersion(options.version) }
      return this.sender.send(OpCode.setData, SetDataRequestCodec, body, decodeStat, this.sender.context('setData', path, options))
    })
  }

  /** The node's children (names) and Stat. With a watcher, also watches for a child change or deletion. */
  getChildren(path: string, options: WatchOptions = {}): Promise<ChildrenResult> {
    return rejecting(() => {
      options = watchOptions<WatchOptions>(options, 'getChildren', 'watchChildren')
      validatePath(path)
      const serverPath = this.chroot.toServer(path)
      const context = this.sender.context('getChildren', path, options)
      if (options.watcher !== undefined) context.watch = this.watches.register('child', serverPath, options.watcher)
      const body = { path: serverPath, watch: this.watches.armOnServer(context.watch) }
      return this.watches.track(this.sender.send(OpCode.getChildren2, GetChildren2RequestCodec, body, GetChildren2ResponseCodec.decode, context), context.watch)
    })
  }

  /** Like {@link exists}, with the watch as a promise. */
  async watchExists(path: string, options: CallOptions = {}): Promise<{ stat: Stat | null } & Watched> {
    const checked = callOptions(options, 'watchExists')
    const { watcher, changed } = awaitable()
    const stat = await this.exists(path, { ...checked, watcher })
    return { stat, changed }
  }

  /** Like {@link getData}, with the watch as a promise. */
  async watchData(path: string, options: CallOptions = {}): Promise<DataResult & Watched> {
    const checked = callOptions(options, 'watchData')
    const { watcher, changed } = awaitable()
    const result = await this.getData(path, { ...checked, watcher })
    return { ...result, changed }
  }

  /** Like {@link getChildren}, with the watch as a promise. */
  async watchChildren(path: string, options: CallOptions = {}): Promise<ChildrenResult & Watched> {
    const checked = callOptions(options, 'watchChildren')
    const { watcher, changed } = awaitable()
    const result = await this.getChildren(path, { ...checked, watcher })
    return { ...result, changed }
  }

  /** The node's ACL and Stat. */
  getACL(path: string, options: CallOptions = {}): Promise<{ acl: ACL[]; stat: Stat }> {
    return rejecting(() => {
      options = callOptions(options, 'getACL')
      validatePath(path)
      return this.sender.send(OpCode.getACL, GetACLRequestCodec, { path: this.chroot.toServer(path) }, GetACLResponseCodec.decode, this.sender.context('getACL', path, options))
    })
  }

  /** Replaces the node's ACL (`version` is the ACL version, `aversion`); returns the new Stat. */
  setACL(path: string, acl: readonly ACL[], options: VersionOptions = {}): Promise<Stat> {
    return rejecting(() => {
      options = versionOptions<VersionOptions>(options, 'setACL')
      validatePath(path)
      validateAcl(acl)
      const body = { path: this.chroot.toServer(path), acl: acl as ACL[], version: toVersion(options.version) }
      return this.sender.send(OpCode.setACL, SetACLRequestCodec, body, decodeStat, this.sender.context('setACL', path, options))
    })
  }

  /** Waits until the server this client uses has caught up with the leader for `path`. */
  sync(path: string, options: CallOptions = {}): Promise<void> {
    return rejecting(() => {
      options = callOptions(options, 'sync')
      validatePath(path)
      return this.sender.send(OpCode.sync, SyncRequestCodec, { path: this.chroot.toServer(path) }, null, this.sender.context('sync', path, options))
    })
  }

  /** Number of all descendants of a node (ZooKeeper 3.6+). */
  getAllChildrenNumber(path: string, options: CallOptions = {}): Promise<number> {
    return rejecting(() => {
      options = callOptions(options, 'getAllChildrenNumber')
      validatePath(path)
      return this.sender.send(OpCode.getAllChildrenNumber, GetAllChildrenNumberRequestCodec, { path: this.chroot.toServer(path) }, decodeTotalNumber, this.sender.context('getAllChildrenNumber', path, options))
    })
  }

  /** Paths of this session's ephemeral nodes under `prefix` (default: all) (ZooKeeper 3.6+). */
  getEphemerals(prefix = '/', options: CallOptions = {}): Promise<string[]> {
    return rejecting(() => {
      options = callOptions(options, 'getEphemerals')
      validatePath(prefix, 'prefix')
      const decode = (r: Reader): string[] => GetEphemeralsResponseCodec.decode(r).ephemerals.map((p) => this.chroot.toClient(p))
      return this.sender.send(OpCode.getEphemerals, GetEphemeralsRequestCodec, { prefixPath: this.chroot.toServer(prefix) }, decode, this.sender.context('getEphemerals', prefix, options))
    })
  }

  /** The identities this session is authenticated as (ZooKeeper 3.7+). */
  whoAmI(options: CallOptions = {}): Promise<ClientInfo[]> {
    return rejecting(() => {
      options = callOptions(options, 'whoAmI')
      return this.sender.send(OpCode.whoAmI, null, null, decodeWhoAmI, this.sender.context('whoAmI', undefined, options))
    })
  }

  // ---------------------------------------------------------------- multi

  /**
   * Applies writes atomically: all succeed or none do. On failure, rejects with the failing op's
   * error, whose `opIndex` names it and `results` holds every op's outcome.
   */
  multi(ops: readonly Op[], options: CallOptions = {}): Promise<OpResult[]> {
    return rejecting(() => {
      options = callOptions(options, 'multi')
      const wire = toMultiOps(ops, this.chroot, this.defaultAcl)
      if (wire.length === 0) return Promise.resolve([])
      const decode = (r: Reader): OpResult[] => fromMultiResults(MultiResponseCodec.decode(r).results, ops, this.chroot)
      return this.sender.send(OpCode.multi, MultiOperationRecordCodec, { ops: wire }, decode, this.sender.context('multi', undefined, options))
    })
  }

  /** Starts a transaction to build step by step and {@link Transaction.commit}. */
  transaction(options: CallOptions = {}): Transaction {
    const checked = callOptions(options, 'transaction')
    return new Transaction((ops) => this.multi(ops, checked))
  }

  /** Several reads in one round trip; each succeeds or fails on its own (ZooKeeper 3.6+). */
  multiRead(ops: readonly ReadOp[], options: CallOptions = {}): Promise<ReadResult[]> {
    return rejecting(() => {
      options = callOptions(options, 'multiRead')
      const wire = toReadOps(ops, this.chroot)
      if (wire.length === 0) return Promise.resolve([])
      const decode = (r: Reader): ReadResult[] => fromReadResults(MultiResponseCodec.decode(r).results, ops)
      return this.sender.send(OpCode.multiRead, MultiOperationRecordCodec, { ops: wire }, decode, this.sender.context('multiRead', undefined, options))
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
    return rejecting(() => this.watches.addWatch(path, addWatchOptions<AddWatchOptions>(options, 'addWatch')))
  }

  /**
   * Removes watches of `path`: with `watcher`, only that one (the server is asked whether it holds
   * such a watch, checkWatches); without, every watch of that type (removeWatches). Each removed
   * watch gets a `*WatchRemoved` event. Rejects with NoWatcherError when this client has no such
   * watch. With `local`, watches are removed on the client even when the server cannot be reached.
   */
  removeWatches(path: string, type: WatcherTypeName, options: RemoveWatchesOptions = {}): Promise<void> {
    return rejecting(() => this.watches.removeWatches(path, type, removeWatchesOptions<RemoveWatchesOptions>(options, 'removeWatches')))
  }

  // ---------------------------------------------------------------- configuration

  /** The ensemble's dynamic configuration (`/zookeeper/config`, outside any chroot), with an optional watch. */
  getConfig(options: WatchOptions = {}): Promise<DataResult> {
    return rejecting(() => {
      options = watchOptions<WatchOptions>(options, 'getConfig', 'getConfig')
      const context = this.sender.context('getConfig', CONFIG_NODE, options)
      if (options.watcher !== undefined) context.watch = this.watches.register('data', CONFIG_NODE, options.watcher)
      return this.watches.track(this.sender.send(OpCode.getData, GetDataRequestCodec, { path: CONFIG_NODE, watch: this.watches.armOnServer(context.watch) }, decodeData, context), context.watch)
    })
  }

  /**
   * Changes the ensemble's membership (needs `reconfigEnabled=true` and an authorised user).
   * Give `joining`/`leaving` for an incremental change or `members` for a new list; `fromConfig`
   * (the config version, -1 for any) guards against concurrent changes.
   */
  reconfig(change: { joining?: string; leaving?: string; members?: string; fromConfig?: bigint }, options: CallOptions = {}): Promise<DataResult> {
    return rejecting(() => {
      options = callOptions(options, 'reconfig')
      return this.sender.send(OpCode.reconfig, ReconfigRequestCodec, reconfigRequest(change), decodeData, this.sender.context('reconfig', undefined, options))
    })
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
