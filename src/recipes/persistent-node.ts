/**
 * A node that stays, as Curator's PersistentNode: created at start, created again when it is
 * deleted (by anyone, or by the server with an expired session), re-checked after every
 * reconnect, and deleted by `close()`.
 */
import { EventEmitter } from 'node:events'
import { randomUUID } from 'node:crypto'
import type { ZooKeeperClient } from '../client/client.js'
import { type CreateModeName, type DataInput, toData } from '../client/arguments.js'
import type { WatchedEvent } from '../client/watch-event.js'
import { checkBoolean, checkDuration, checkOneOf, checkOptions, checkSignal, describe } from '../common/check.js'
import { InvalidArgumentError, NoNodeError, NodeExistsError } from '../common/errors.js'
import { validatePath } from '../common/paths.js'
import type { ACL } from '../protocol/records.js'
import type { StateChange } from '../session/state.js'
import { backOff, clientClosedError, deferred, isRetryable, whenWritable } from './connection.js'
import { createWithParents, type ParentMode } from './mkdirp.js'
import { protectedCreate } from './protected-create.js'
import { WorkFlag } from './work-flag.js'

/** The modes a {@link PersistentNode} can have. */
export type PersistentNodeMode = Exclude<CreateModeName, 'container'>

const MODES: readonly PersistentNodeMode[] = ['ephemeral', 'ephemeralSequential', 'persistent', 'persistentSequential', 'persistentWithTtl', 'persistentSequentialWithTtl']

/** Options of {@link PersistentNode}. */
export interface PersistentNodeOptions {
  /** Creation mode (default `'ephemeral'`). */
  mode?: PersistentNodeMode
  /** Time to live in ms, for the TTL modes. */
  ttl?: number
  /**
   * Create with Curator's protected prefix (`_c_<uuid>-`), so a create whose reply was lost is
   * found instead of repeated. Default: true for sequential modes, false otherwise.
   */
  protection?: boolean
  /** Mode of missing parents (default `'container'`, as Curator). */
  parents?: ParentMode
  /** ACL of the node (default: the client's). */
  acl?: readonly ACL[]
  /** Closes the node when aborted. */
  signal?: AbortSignal
}

/** Events of a {@link PersistentNode}. */
export interface PersistentNodeEvents {
  /** The node was created (at start, or again after it was lost); its actual path. */
  created: [path: string]
  /** The node was seen missing and will be created again. */
  lost: [path: string]
  /** The recipe stopped on an error it cannot recover from (NoAuth, a bad ACL). */
  failed: [error: unknown]
}

/**
 * Keeps a node at `path` with `data`. Start it with {@link PersistentNode.start}.
 *
 * Guarantees: while the recipe runs and the client can reach the ensemble, the node exists with
 * the latest data given: it is created again at once after someone deletes it and after the
 * session expires, and after each reconnect it is checked. For an ephemeral mode, a node at a
 * fixed path held by another session is not taken over: the recipe waits for it to go. Sequential
 * modes get a new sequence number whenever the node is created again (`path` tells the current one).
 * `close()` deletes the node, whatever its mode (as Curator does).
 *
 * @example
 * ```ts
 * const node = new PersistentNode(zk, '/workers/w1', JSON.stringify({ host: 'a' }), { mode: 'ephemeral' })
 * node.start()
 * await node.waitForInitialCreate(5_000)
 * ```
 */
export class PersistentNode extends EventEmitter<PersistentNodeEvents> {
  private dataBytes: Buffer
  private actual: string | undefined
  private readonly mode: PersistentNodeMode
  private readonly ttl: number | undefined
  private readonly protection: boolean
  private readonly parents: ParentMode
  private readonly acl: readonly ACL[] | undefined
  private readonly protectedId = randomUUID()
  private readonly stop = new AbortController()
  private started = false
  private closedFlag = false
  private readonly work = new WorkFlag()
  private dataDirty = false
  private readonly firstCreate = deferred<string>()
  private loop: Promise<void> | undefined

  constructor(
    private readonly client: ZooKeeperClient,
    /** The path asked for (for sequential modes, the prefix). */
    readonly basePath: string,
    data: DataInput,
    options?: PersistentNodeOptions,
  ) {
    super()
    if (client === null || typeof client !== 'object' || typeof (client as ZooKeeperClient).create !== 'function') {
      throw new InvalidArgumentError(`PersistentNode: the first argument must be a ZooKeeperClient, got ${describe(client)}`)
    }
    const o = checkOptions(options, ['mode', 'ttl', 'protection', 'parents', 'acl', 'signal'], 'PersistentNode', { createMode: 'did you mean "mode"?' })
    this.mode = checkOneOf(o.mode, 'mode', 'PersistentNode', MODES) ?? 'ephemeral'
    const sequential = this.mode.includes('Sequential')
    validatePath(basePath, 'path', sequential)
    this.dataBytes = toData(data, 'PersistentNode data')
    this.ttl = checkDuration(o.ttl, 'ttl', 'PersistentNode')
    if (this.mode.includes('Ttl') !== (this.ttl !== undefined)) throw new InvalidArgumentError(`PersistentNode: ttl is needed with the TTL modes and only with them (mode ${this.mode}, ttl ${describe(o.ttl)})`)
    this.protection = checkBoolean(o.protection, 'protection', 'PersistentNode') ?? sequential
    this.parents = checkOneOf(o.parents, 'parents', 'PersistentNode', ['container', 'persistent'] as const) ?? 'container'
    this.acl = o.acl
    this.firstCreate.promise.catch(() => {})
    checkSignal(o.signal, 'PersistentNode')?.addEventListener('abort', () => void this.close(), { once: true })
  }

  /** The node's actual path (prefix and sequence included), or undefined before the first create. */
  get path(): string | undefined {
    return this.actual
  }

  /** The data the node is kept with. */
  get data(): Buffer {
    return this.dataBytes
  }

  /** Starts creating and watching the node (in the background); calling it again does nothing. */
  start(): void {
    if (this.started || this.closedFlag) return
    this.started = true
    this.client.on('state', this.onState)
    this.loop = this.run()
  }

  /**
   * Resolves with the node's path once it was first created. Rejects after `timeout` ms (if given)
   * with a RequestTimeoutError-like Error, or when the recipe closes or fails first.
   */
  async waitForInitialCreate(timeout?: number): Promise<string> {
    const ms = checkDuration(timeout, 'timeout', 'PersistentNode.waitForInitialCreate')
    if (ms === undefined) return this.firstCreate.promise
    let timer: NodeJS.Timeout | undefined
    const timedOut = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`PersistentNode ${this.basePath} was not created within ${ms} ms (client state ${this.client.state})`)), ms)
    })
    try {
      return await Promise.race([this.firstCreate.promise, timedOut])
    } finally {
      clearTimeout(timer)
    }
  }

  /** Changes the data: written to the node now if it exists, and used for every later create. */
  async setData(data: DataInput): Promise<void> {
    this.dataBytes = toData(data, 'PersistentNode.setData data')
    this.dataDirty = true
    this.kick()
  }

  /** Stops the recipe and deletes the node (any mode). Resolves once done (best effort when disconnected). */
  async close(): Promise<void> {
    if (this.closedFlag) return
    this.closedFlag = true
    this.stop.abort()
    this.client.off('state', this.onState)
    this.kick()
    this.firstCreate.reject(clientClosedError(`PersistentNode ${this.basePath} closed before it was created`))
    await this.loop
    const path = this.actual
    if (path === undefined) return
    void this.client.removeWatches(path, 'any', { watcher: this.watcher, local: true }).catch(() => {})
    if (this.client.state === 'closed') return
    await this.client.delete(path).catch((error: unknown) => {
      if (!(error instanceof NoNodeError)) throw error
    })
  }

  private readonly watcher = (event: WatchedEvent): void => {
    if (event.type === 'NodeDeleted' && !this.closedFlag) this.emit('lost', event.path)
    this.kick()
  }

  private readonly onState = (change: StateChange): void => {
    if (change.state === 'reconnected' || change.state === 'connected') this.kick()
    else if (change.state === 'closed') {
      this.firstCreate.reject(clientClosedError(`PersistentNode ${this.basePath}`))
      this.closedFlag = true
      this.kick()
    }
  }

  private kick(): void {
    this.work.set()
  }

  private async run(): Promise<void> {
    for (let attempt = 0; !this.closedFlag; ) {
      if (!this.work.isSet) {
        await this.work.park()
        continue
      }
      this.work.clear()
      try {
        await whenWritable(this.client, `PersistentNode ${this.basePath}`, this.stop.signal)
        await this.ensure()
        attempt = 0
      } catch (error) {
        if (this.closedFlag) break
        if (!isRetryable(error) || this.client.state === 'closed') {
          this.closedFlag = true
          this.firstCreate.reject(error)
          if (this.listenerCount('failed') > 0) this.emit('failed', error)
          break
        }
        this.work.set()
        await backOff(this.client, attempt++, this.stop.signal).catch(() => {})
      }
    }
  }

  /** One round: check the node (and arm the watch), create it if missing, write data if asked. */
  private async ensure(): Promise<void> {
    const ephemeral = this.mode === 'ephemeral' || this.mode === 'ephemeralSequential'
    if (this.actual !== undefined) {
      const stat = await this.client.exists(this.actual, { watcher: this.watcher })
      if (stat !== null) {
        if (ephemeral && stat.ephemeralOwner !== this.client.sessionId) return // another session's node: wait for it to go
        if (this.dataDirty) {
          this.dataDirty = false
          await this.client.setData(this.actual, this.dataBytes)
        }
        return
      }
    }
    if (this.closedFlag) return
    const createOptions = { mode: this.mode, ttl: this.ttl, acl: this.acl }
    let created: string
    if (this.protection) {
      created = (await protectedCreate(this.client, this.basePath, this.dataBytes, { ...createOptions, createParents: this.parents, protectedId: this.protectedId, signal: this.stop.signal })).path
    } else {
      try {
        created = (await createWithParents(this.client, this.basePath, this.dataBytes, { ...createOptions, parents: this.parents })).path
      } catch (error) {
        if (!(error instanceof NodeExistsError)) throw error
        // Someone holds the path. An ephemeral of another session is waited out; an ephemeral of
        // this session (a create whose reply was lost) or a persistent node is adopted.
        const stat = await this.client.exists(this.basePath, { watcher: this.watcher })
        this.actual = this.basePath
        if (stat === null) return this.kick()
        if (ephemeral && stat.ephemeralOwner !== this.client.sessionId) return
        await this.client.setData(this.basePath, this.dataBytes)
        this.dataDirty = false
        created = this.basePath
      }
    }
    this.actual = created
    this.dataDirty = false
    if (this.closedFlag) return
    this.emit('created', created)
    this.firstCreate.resolve(created)
    this.work.set() // arm the watch on the new node
  }
}
