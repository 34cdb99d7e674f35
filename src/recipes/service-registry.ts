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
import { InvalidArgumentError } from '../common/errors.js'
import { validatePath } from '../common/paths.js'
import type { StateChange } from '../session/state.js'
import type { WatchedEvent } from '../client/watch-event.js'
import { backOff, clientClosedError, deferred, type Deferred, isRetryable, isWritable, whenWritable } from './connection.js'
import { type ServiceInstance, type ServiceInstanceInput, serviceInstance } from './service-instance.js'
import { InstanceNodes, type Registration } from './registry-nodes.js'
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
  private readonly nodes: InstanceNodes<P>
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
    this.nodes = new InstanceNodes<P>(client, this.basePath, this.onNodeEvent)
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

  /** Closes the registry: `await using registry = new ServiceRegistry(zk)` unregisters when the scope ends. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close()
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
        const registration = await this.nodes.put(op.instance, this.applied.get(op.key))
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
      const restored = await this.nodes.put(registration.instance, registration)
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

  /**
   * Watches a node just made (one watcher for all, as the client keeps one per function); a node
   * already gone again is restored at once.
   */
  private async watchNode(registration: Registration<P>): Promise<void> {
    if (!(await this.nodes.watch(registration.path))) {
      registration.deleted = true
      this.kick()
    }
  }

  /** Deletes the instance's node if there is one; returns its path, or null if there was none. */
  private async remove(key: string, name: string, id: string): Promise<string | null> {
    const current = this.applied.get(key)
    const path = current?.path ?? this.nodes.pathOf(name, id)
    const existed = await this.nodes.deleteQuietly(path)
    this.applied.delete(key)
    return existed || current !== undefined ? path : null
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
