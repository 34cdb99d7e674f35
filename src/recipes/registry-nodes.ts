/**
 * The nodes of a service registry's instances in ZooKeeper: made, watched and deleted, each step
 * safe to repeat, so a step whose reply was lost is simply run again.
 */
import type { ZooKeeperClient } from '../client/client.js'
import type { Watcher } from '../client/watches.js'
import { BadVersionError, NodeExistsError, NoNodeError } from '../common/errors.js'
import { joinPath } from '../common/paths.js'
import { createWithParents } from './mkdirp.js'
import { protectedCreate } from './protected-create.js'
import { type ServiceInstance, serializeServiceInstance } from './service-instance.js'

/** What ZooKeeper holds for one instance, as far as this registry knows. */
export interface Registration<P> {
  instance: ServiceInstance<P>
  path: string
  /** Session owning the ephemeral node (0n for persistent nodes). */
  session: bigint
  /** Someone else deleted the node while this registration stood: it is to be made again. */
  deleted?: boolean
}

/** Claiming a node held by another session deletes it first; give up if that keeps failing. */
const MAX_CLAIM_ROUNDS = 10

/** Instance nodes under one base path. */
export class InstanceNodes<P> {
  /** @param watcher the registry's one watcher for all its nodes (the client keeps one per function). */
  constructor(
    private readonly client: ZooKeeperClient,
    private readonly basePath: string,
    private readonly watcher: Watcher,
  ) {}

  /**
   * Makes ZooKeeper hold `instance`: its node exists, in this session if ephemeral, with its data.
   * `current` is what was made for it before, if anything.
   */
  async put(instance: ServiceInstance<P>, current: Registration<P> | undefined): Promise<Registration<P>> {
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
      const { path, stat } = await protectedCreate(this.client, this.pathOf(instance.name, instance.id), data, { mode: 'ephemeralSequential', createParents: 'container' })
      return { instance, path, session: stat.ephemeralOwner }
    }
    const path = this.pathOf(instance.name, instance.id)
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

  /** Watches a node just made; false if it is already gone again. */
  async watch(path: string): Promise<boolean> {
    return (await this.client.exists(path, { watcher: this.watcher })) !== null
  }

  /** Deletes a node; true if it was there. NoNode (and a changed version) are not errors here. */
  async deleteQuietly(path: string, version?: number): Promise<boolean> {
    try {
      await this.client.delete(path, { version })
      return true
    } catch (error) {
      if (error instanceof NoNodeError || error instanceof BadVersionError) return false
      throw error
    }
  }

  /** The node of an instance that is not sequential: `<basePath>/<service>/<id>`. */
  pathOf(service: string, id: string): string {
    return joinPath(joinPath(this.basePath, service), id)
  }
}
