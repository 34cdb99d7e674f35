/**
 * How a service's instances are chosen: Curator's random and round-robin strategies, as pickers
 * over a list of instances, so they serve a live {@link ServiceDiscovery} or a one-off query alike.
 */
import type { ServiceInstance } from './service-instance.js'

/** How {@link ServiceDiscovery.pick} chooses: uniformly at random, or each in turn (Curator's two strategies). */
export type PickStrategy = 'random' | 'roundRobin'

/** Chooses one instance from a list, or undefined from an empty one. */
export type InstancePicker<P> = (instances: readonly ServiceInstance<P>[]) => ServiceInstance<P> | undefined

/**
 * A picker that chooses uniformly at random among enabled instances (Curator's `RandomStrategy`).
 *
 * @example
 * ```ts
 * const pick = randomPicker(); pick(await queryInstances(zk, 'api'))
 * ```
 */
export function randomPicker<P>(random: () => number = Math.random): InstancePicker<P> {
  return (instances) => {
    const usable = instances.filter(isEnabled)
    return usable.length === 0 ? undefined : usable[Math.floor(random() * usable.length) % usable.length]
  }
}

/**
 * A picker that takes enabled instances in turn (Curator's `RoundRobinStrategy`: a counter modulo
 * the current number of instances).
 *
 * @example
 * ```ts
 * const next = roundRobinPicker(); next(instances); next(instances)
 * ```
 */
export function roundRobinPicker<P>(): InstancePicker<P> {
  let counter = 0
  return (instances) => {
    const usable = instances.filter(isEnabled)
    if (usable.length === 0) return undefined
    const index = counter % usable.length
    counter = (counter + 1) % Number.MAX_SAFE_INTEGER
    return usable[index]
  }
}

function isEnabled(instance: ServiceInstance<unknown>): boolean {
  return instance.enabled !== false
}
