/**
 * Service registry: keeps this process's service instances registered, in Curator service
 * discovery's layout (`<basePath>/<service>/<id>`, JSON from {@link serializeServiceInstance}).
 *
 * Every call becomes an operation in one queue, carried out in order by a single worker that
 * waits for a writable connection before each step. So calls made while the client is
 * disconnected are kept, and run once it is back; every step is written to be safe to repeat,
 * so a step whose reply was lost is simply run again. When the session changes (the old one
 * expired, taking its ephemeral nodes), the worker first re-creates every registration it had
 * made, then goes on with the queue.
 */
import { EventEmitter } from 'node:events'
import type { ZooKeeperClient } from '../client/client.js'
import { BadVersionError, InvalidArgumentError, NodeExistsError, NoNodeError } from '../common/errors.js'
import { validatePath } from '../common/paths.js'
import type { StateChange } from '../session/state.js'
import type { WatchedEvent } from '../client/watch-event.js'
import { backOff, clientClosedError, deferred, type Deferred, isRetryable, isWritable, whenWritable } from './connection.js'
import { createWithParents } from './mkdirp.js'
import { protectedCreate } from './protected-create.js'
import { type ServiceInstance, type ServiceInstanceInput, serializeServiceInstance, serviceInstance } from './service-instance.js'
import { joinPath } from '../common/paths.js'
import { checkOptions, checkString, describe } from '../common/check.js'

/** Where Curator-compatible services live unless told otherwise. Curator itself has no default: use the Java side's `basePath`. */
export const DEFAULT_SERVICES_PATH = '/services'

/** Options of {@link ServiceRegistry}. */
export interface ServiceRegistryOptions {
  /** Parent of every service's node (default {@link DEFAULT_SERVICES_PATH}). */
  basePath?: string
}

/** Details of a `registered` event. */
export interface RegisteredDetails {
  /** The instance's node. */
  path: string
  /** True when this re-creates a registration lost with an expired session, or a node someone deleted. */
  restored: boolean
}

/** Events of a {@link ServiceRegistry}. */
export interface ServiceRegistryEvents<P> {
  /** An instance's node was created or its data replaced. */
  registered: [instance: ServiceInstance<P>, details: RegisteredDetails]
  /** An instance's node was deleted. */
  unregistered: [instance: { name: string; id: string }, details: { path: string }]
  /** A registration could not be restored after a session expiry (e.g. the ACL no longer allows it). Emitted only if listened to. */
  error: [error: Error]
}

type Operation<P> =
  | { kind: 'put'; key: string; instance: ServiceInstance<P>; done: Deferred<ServiceInstance<P>> }
  | { kind: 'remove'; key: string; name: string; id: string; done: Deferred<void> }

/** What ZooKeeper holds for one instance, as far as this registry knows. */
interface Registration<P> {
  instance: ServiceInstance<P>
  path: string
  /** Session owning the ephemeral node (0n for persistent nodes). */
  session: bigint
  /** Someone else deleted the node while this registration stood: it is to be made again. */
  deleted?: boolean
}

/** Claiming a node held by another session deletes it first; give up if that keeps failing. */
const MAX_CLAIM_ROUNDS = 10

/**
 * Registers this process's service instances and keeps them registered.
 *
 * - A connection loss changes nothing: the session, and with it the ephemeral nodes, survive.
 * - After a session expiry every registration is made again in the new session, by itself.
 * - A node someone else deletes while the registration stands (an operator, a cleanup script) is
 *   made again at once: the registry watches its own nodes.
 * - `register`, `update` and `unregister` called while disconnected are kept and carried out in
 *   order once the client is back; none is lost or applied twice.
 *
 * `DYNAMIC` instances are ephemeral nodes at `<basePath>/<service>/<id>`; `STATIC` and `PERMANENT`
 * are persistent nodes there; `DYNAMIC_SEQUENTIAL` are protected ephemeral sequential nodes
 * (`<basePath>/<service>/_c_<uuid>-<id><sequence>`). Service folders are containers, removed by
 * the server once empty, as Curator creates them.
 *
 * @example
 * ```ts
 * const registry = new ServiceRegistry(zk)
 * const me = await registry.register('api', { address: '10.0.0.7', port: 8080 })
 * await registry.update('api', { id: me.id, payload: { load: 0.3 } })
 * await registry.close() // removes its nodes
 * ```
 */
export class ServiceRegistry<P = unknown> extends EventEmitter<ServiceRegistryEvents<P>> implements AsyncDisposable {
  /** Parent of every service's node. */
  readonly basePath: string
  private readonly client: ZooKeeperClient
  /** What this registry made in ZooKeeper (in the session recorded with each). */
  private readonly applied = new Map<string, Registration<P>>()
  /** What the caller asked for, counting queued operations. */
  private readonly requested = new Map<string, ServiceInstance<P>>()
  private readonly queue: Operation<P>[] = []
  private running = false
  private closing: Promise<void> | null = null
  private readonly onState = (change: StateChange): void => {
    if (isWritable(change.state)) this.kick()
  }
  /** The watch on every node this registry made: a deletion it did not ask for is undone. */
  private readonly onNodeEvent = (event: WatchedEvent): void => {
    if (event.type !== 'NodeDeleted') return
    for (const [key, registration] of this.applied) {
      // Deletions this registry makes itself (unregister, close) come after `requested` forgot the key.
      if (registration.path === event.path && this.requested.has(key)) {
        registration.deleted = true
        this.kick()
      }
    }
  }

  /**
   * @param client a client of the ensemble (a chroot applies).
   * @param options `basePath` (default `/services`).
   */
  constructor(client: ZooKeeperClient, options: ServiceRegistryOptions = {}) {
    super()
    checkOptions(options, ['basePath'], 'new ServiceRegistry', { ':string': (v) => `pass { basePath: ${JSON.stringify(v)} }`, path: 'use { basePath }' })
    checkString(options.basePath, 'basePath', 'new ServiceRegistry')
    this.basePath = options.basePath ?? DEFAULT_SERVICES_PATH
    validatePath(this.basePath, 'basePath')
    this.client = client
    client.on('state', this.onState)
  }

  /**
   * Registers an instance of `service` (or replaces the registration with the same id), and
   * resolves with the full instance once its node is in ZooKeeper. While disconnected, waits.
   *
   * @example
   * ```ts
   * const instance = await registry.register('api', { id: 'api-1', address: 'host1', port: 8080 })
   * ```
   */
  register(service: string, input: ServiceInstanceInput<P> = {}): Promise<ServiceInstance<P>> {
    try {
      this.assertOpen('register')
      const instance = serviceInstance(service, input)
      this.assertSameType(instance)
      return this.enqueuePut(instance)
    } catch (error) {
      return Promise.reject(error)
    }
  }

  /**
   * Changes a registered instance: fields given replace the current ones (the id and the service
   * type stay), and its node's data is replaced. Resolves with the new instance once written.
   *
   * @example
   * ```ts
   * await registry.update('api', { id: 'api-1', payload: { draining: true } })
   * ```
   */
  update(service: string, changes: ServiceInstanceInput<P> & { id: string }): Promise<ServiceInstance<P>> {
    try {
      this.assertOpen('update')
      checkString(service, 'service', 'update')
      if (changes === null || typeof changes !== 'object' || typeof changes.id !== 'string') throw new InvalidArgumentError(`update: changes must be an object with the instance's id, such as { id: 'api-1', port: 8081 }, got ${describe(changes)}`)
      const current = this.requested.get(keyOf(service, changes?.id))
      if (current === undefined) throw new InvalidArgumentError(`${service}/${changes?.id} is not registered; register it first`)
      const instance = serviceInstance<P>(service, { ...withoutName(current), ...changes, registrationTimeUTC: current.registrationTimeUTC })
      this.assertSameType(instance)
      return this.enqueuePut(instance)
    } catch (error) {
      return Promise.reject(error)
    }
  }

  /**
   * Removes an instance's node (if it exists) and forgets the instance. Resolves once it is gone.
   *
   * @example
   * ```ts
   * await registry.unregister('api', 'api-1')
   * ```
   */
  unregister(service: string, id: string): Promise<void> {
    try {
      this.assertOpen('unregister')
      checkString(service, 'service', 'unregister')
      checkString(id, 'id', 'unregister')
      return this.enqueueRemove(service, id)
    } catch (error) {
      return Promise.reject(error)
    }
  }

  /**
   * The instances registered (or being registered) through this registry.
   *
   * @example
   * ```ts
   * registry.instances().map((i) => `${i.name}/${i.id}`) // ['api/api-1']
   * ```
   */
  instances(): ServiceInstance<P>[] {
    return [...this.requested.values()]
  }

  /** The node of a registered instance, once made (for `DYNAMIC_SEQUENTIAL`, with its sequence). */
  pathOf(service: string, id: string): string | undefined {
    return this.applied.get(keyOf(service, id))?.path
  }

  /** Number of operations not yet carried out (waiting for a connection, or in progress). */
  get pendingOperations(): number {
    return this.queue.length
  }

  /**
   * Unregisters every instance (deleting their nodes, persistent ones too, as Curator does) and
   * stops. If the client closes first, the ephemeral nodes are gone with its session anyway.
   *
   * @example
   * ```ts
   * process.on('SIGTERM', () => void registry.close().then(() => zk.close()))
   * ```
   */
  /** Closes the registry: `await using registry = new ServiceRegistry(zk)` unregisters when the scope ends. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close()
  }

  close(): Promise<void> {
    if (this.closing !== null) return this.closing
    // Operations already queued run first (in order), then every remaining instance is removed.
    const queued = this.queue.map((op) => op.done.promise as Promise<unknown>)
    const removals = [...this.requested.values()].map((i) => this.enqueueRemove(i.name, i.id))
    this.closing = (async () => {
      const results = await Promise.allSettled([...queued, ...removals])
      this.client.off('state', this.onState)
      // Failures of earlier operations went to their callers; only a removal failing matters here.
      const failure = results.slice(queued.length).find((r): r is PromiseRejectedResult => r.status === 'rejected' && this.client.state !== 'closed')
      if (failure !== undefined) throw failure.reason
    })()
    return this.closing
  }

  // ---------------------------------------------------------------- queue

  private enqueuePut(instance: ServiceInstance<P>): Promise<ServiceInstance<P>> {
    const key = keyOf(instance.name, instance.id)
    const done = deferred<ServiceInstance<P>>()
    this.requested.set(key, instance)
    this.queue.push({ kind: 'put', key, instance, done })
    this.kick()
    return done.promise
  }

  private enqueueRemove(name: string, id: string): Promise<void> {
    const key = keyOf(name, id)
    const done = deferred<void>()
    this.requested.delete(key)
    this.queue.push({ kind: 'remove', key, name, id, done })
    this.kick()
    return done.promise
  }

  private kick(): void {
    if (!this.running) void this.run()
  }

  /** The single worker: restores what a session change took, then carries out operations in order. */
  private async run(): Promise<void> {
    this.running = true
    let attempt = 0
    try {
      for (;;) {
        if (this.queue.length === 0 && !(isWritable(this.client.state) && this.staleKeys().length > 0)) return
        try {
          await whenWritable(this.client, 'service registry')
          const stale = this.staleKeys()
          if (stale.length > 0) await this.restore(stale[0]!)
          else await this.runOperation(this.queue[0]!)
          attempt = 0
        } catch (error) {
          if (this.client.state === 'closed') {
            for (const op of this.queue.splice(0)) op.done.reject(clientClosedError('service registry'))
            return
          }
          if (!isRetryable(error)) throw error
          await backOff(this.client, attempt++)
        }
      }
    } catch (error) {
      // Not reachable for ZooKeeper errors (handled per step); a bug must not kill the worker silently.
      queueMicrotask(() => {
        throw error
      })
    } finally {
      this.running = false
    }
  }

  private async runOperation(op: Operation<P>): Promise<void> {
    try {
      if (op.kind === 'put') {
        const registration = await this.put(op.instance)
        this.applied.set(op.key, registration)
        await this.watchNode(registration)
        this.queue.shift()
        op.done.resolve(op.instance)
        this.emit('registered', op.instance, { path: registration.path, restored: false })
      } else {
        const path = await this.remove(op.key, op.name, op.id)
        this.queue.shift()
        op.done.resolve()
        if (path !== null) this.emit('unregistered', { name: op.name, id: op.id }, { path })
      }
    } catch (error) {
      if (isRetryable(error) || this.client.state === 'closed') throw error
      // A refusal (no permission, a bad path…) fails that operation alone; the queue goes on.
      this.queue.shift()
      if (op.kind === 'put' && this.requested.get(op.key) === op.instance) this.requested.delete(op.key)
      op.done.reject(error)
    }
  }

  /**
   * Registrations whose ephemeral node belonged to an earlier session: that session expired and
   * the server deletes (or deleted) its nodes. A key with an operation queued is left to it.
   */
  private staleKeys(): string[] {
    const sessionId = this.client.sessionId
    const queued = new Set(this.queue.map((op) => op.key))
    const out: string[] = []
    for (const [key, r] of this.applied) if ((r.deleted === true || (r.session !== 0n && r.session !== sessionId)) && !queued.has(key)) out.push(key)
    return out
  }

  private async restore(key: string): Promise<void> {
    const registration = this.applied.get(key)!
    try {
      const restored = await this.put(registration.instance)
      this.applied.set(key, restored)
      await this.watchNode(restored)
      this.emit('registered', restored.instance, { path: restored.path, restored: true })
    } catch (error) {
      if (isRetryable(error) || this.client.state === 'closed') throw error
      // Not restorable now: forget the node so the worker does not spin; an update() tries again.
      this.applied.delete(key)
      if (this.listenerCount('error') > 0) this.emit('error', error as Error)
    }
  }

  // ---------------------------------------------------------------- steps (each safe to repeat)

  /** Makes ZooKeeper hold `instance`: its node exists, in this session if ephemeral, with its data. */
  private async put(instance: ServiceInstance<P>): Promise<Registration<P>> {
    const key = keyOf(instance.name, instance.id)
    const current = this.applied.get(key)
    const data = serializeServiceInstance(instance)
    const sessionId = this.client.sessionId
    const ephemeral = instance.serviceType === 'DYNAMIC' || instance.serviceType === 'DYNAMIC_SEQUENTIAL'
    if (current !== undefined && (!ephemeral || current.session === sessionId)) {
      // Already made (in this session): only the data changes.
      try {
        const stat = await this.client.setData(current.path, data)
        return { instance, path: current.path, session: stat.ephemeralOwner }
      } catch (error) {
        if (!(error instanceof NoNodeError)) throw error
      }
    }
    if (instance.serviceType === 'DYNAMIC_SEQUENTIAL') {
      // The old sequential node (of an expired session) would go with that session, but only once
      // the server reaps it; until then discovery would list the instance twice.
      if (current !== undefined) await this.deleteQuietly(current.path)
      // Protected: a create whose reply is lost is found again, never made twice.
      const { path, stat } = await protectedCreate(this.client, this.instancePath(instance.name, instance.id), data, { mode: 'ephemeralSequential', createParents: 'container' })
      return { instance, path, session: stat.ephemeralOwner }
    }
    const path = this.instancePath(instance.name, instance.id)
    const mode = ephemeral ? 'ephemeral' : 'persistent'
    for (let round = 0; round < MAX_CLAIM_ROUNDS; round++) {
      try {
        const { stat } = await createWithParents(this.client, path, data, { mode, parents: 'container' })
        return { instance, path, session: stat.ephemeralOwner }
      } catch (error) {
        if (!(error instanceof NodeExistsError)) throw error
      }
      const stat = await this.client.exists(path)
      if (stat === null) continue
      if (!ephemeral || stat.ephemeralOwner === this.client.sessionId) {
        // Our own node (an earlier create whose reply was lost), or a persistent one: new data.
        try {
          const updated = await this.client.setData(path, data, { version: stat.version })
          return { instance, path, session: updated.ephemeralOwner }
        } catch (error) {
          if (!(error instanceof NoNodeError || error instanceof BadVersionError)) throw error
          continue
        }
      }
      // Held by another session: ours before an expiry the server has not processed yet, or
      // another process with the same id. Adopting it would lose the registration when that
      // session ends, so delete and create again (as Curator does, which also fires watches).
      await this.deleteQuietly(path, stat.version)
    }
    throw new NodeExistsError({ path, operation: 'register', message: `${path} keeps being re-created by another session; is another process registering instance id ${instance.id}?` })
  }

  /**
   * Watches a node just made (one watcher for all, as the client keeps one per function); a node
   * already gone again is restored at once.
   */
  private async watchNode(registration: Registration<P>): Promise<void> {
    if ((await this.client.exists(registration.path, { watcher: this.onNodeEvent })) === null) {
      registration.deleted = true
      this.kick()
    }
  }

  /** Deletes the instance's node if there is one; returns its path, or null if there was none. */
  private async remove(key: string, name: string, id: string): Promise<string | null> {
    const current = this.applied.get(key)
    const path = current?.path ?? this.instancePath(name, id)
    const existed = await this.deleteQuietly(path)
    this.applied.delete(key)
    return existed || current !== undefined ? path : null
  }

  /** Deletes a node; true if it was there. NoNode (and a changed version) are not errors here. */
  private async deleteQuietly(path: string, version?: number): Promise<boolean> {
    try {
      await this.client.delete(path, { version })
      return true
    } catch (error) {
      if (error instanceof NoNodeError || error instanceof BadVersionError) return false
      throw error
    }
  }

  private instancePath(service: string, id: string): string {
    return joinPath(joinPath(this.basePath, service), id)
  }

  private assertOpen(what: string): void {
    if (this.closing !== null) throw new InvalidArgumentError(`cannot ${what}: the service registry is closed`)
  }

  private assertSameType(instance: ServiceInstance<P>): void {
    const current = this.requested.get(keyOf(instance.name, instance.id))
    if (current !== undefined && current.serviceType !== instance.serviceType) {
      throw new InvalidArgumentError(`${instance.name}/${instance.id} is registered as ${current.serviceType}; unregister it before registering it as ${instance.serviceType}`)
    }
  }
}

function withoutName<P>(instance: ServiceInstance<P>): Omit<ServiceInstance<P>, 'name'> {
  const { name: _name, ...fields } = instance
  return fields
}

function keyOf(service: string, id: string): string {
  return `${service}/${id}`
}
