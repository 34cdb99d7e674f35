/**
 * One-off reads of Curator's service layout (`<basePath>/<service>/<node>`), without watches: the
 * services registered, and a service's instances.
 */
import type { ZooKeeperClient } from '../client/client.js'
import { InvalidArgumentError, NoNodeError } from '../common/errors.js'
import { joinPath } from '../common/paths.js'
import { checkOptions, checkString, describe } from '../common/check.js'
import { type ServiceInstance, parseServiceInstance } from './service-instance.js'
import { DEFAULT_SERVICES_PATH } from './service-registry.js'
import type { ServiceDiscoveryOptions } from './service-discovery.js'

/**
 * The names of the services registered under `basePath` (default `/services`).
 *
 * @example
 * ```ts
 * await listServices(zk) // ['api', 'billing']
 * ```
 */
export async function listServices(client: ZooKeeperClient, basePath: string = DEFAULT_SERVICES_PATH): Promise<string[]> {
  if (typeof basePath !== 'string') throw new InvalidArgumentError(`listServices: basePath must be a path string such as "/services", got ${describe(basePath)}`)
  try {
    return (await client.getChildren(basePath)).children.sort()
  } catch (error) {
    if (error instanceof NoNodeError) return []
    throw error
  }
}

/**
 * One read of a service's instances, without watching (nodes that are not instances are skipped).
 *
 * @example
 * ```ts
 * const instances = await queryInstances(zk, 'api')
 * ```
 */
export async function queryInstances<P = unknown>(client: ZooKeeperClient, service: string, options: ServiceDiscoveryOptions = {}): Promise<ServiceInstance<P>[]> {
  checkOptions(options, ['basePath'], 'queryInstances', { ':string': (v) => `pass { basePath: ${JSON.stringify(v)} }` })
  checkString(service, 'service', 'queryInstances')
  checkString(options.basePath, 'basePath', 'queryInstances')
  const path = joinPath(options.basePath ?? DEFAULT_SERVICES_PATH, service)
  let names: string[]
  try {
    names = (await client.getChildren(path)).children
  } catch (error) {
    if (error instanceof NoNodeError) return []
    throw error
  }
  const read = await Promise.all(
    names.map((name) =>
      client.getData(joinPath(path, name)).then(
        ({ data }) => {
          try {
            return parseServiceInstance<P>(data)
          } catch {
            return null
          }
        },
        (error: unknown) => {
          if (error instanceof NoNodeError) return null
          throw error
        },
      ),
    ),
  )
  return sortById(read.filter((i): i is ServiceInstance<P> => i !== null))
}

/** Sorts instances by id, in place, as every view and query returns them. */
export function sortById<P>(instances: ServiceInstance<P>[]): ServiceInstance<P>[] {
  return instances.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
}
