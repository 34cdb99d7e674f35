/**
 * Recipes built only on the public client API: recursive and protected creates, a service
 * registry and discovery in Apache Curator's layout, and leader election with fencing tokens.
 *
 * @example
 * ```ts
 * import { createClient, ServiceRegistry, LeaderElection } from 'zkwire'
 * const zk = createClient('127.0.0.1:2181')
 * await new ServiceRegistry(zk).register('api', { address: 'host1', port: 8080 })
 * const election = new LeaderElection(zk, '/api/leader', { id: 'host1' })
 * await election.start()
 * ```
 * @packageDocumentation
 */
export { mkdirp, createWithParents, type CreateWithParentsOptions, type MkdirpOptions, type ParentMode } from './mkdirp.js'
export {
  protectedCreate,
  findProtectedNode,
  protectedName,
  isProtectedName,
  withoutProtection,
  PROTECTED_PREFIX,
  ProtectedCreateAbortedError,
  type ProtectedCreateOptions,
} from './protected-create.js'
export {
  serviceInstance,
  serializeServiceInstance,
  parseServiceInstance,
  parseUriSpec,
  buildUri,
  type ServiceInstance,
  type ServiceInstanceInput,
  type ServiceType,
  type UriSpec,
  type UriSpecPart,
} from './service-instance.js'
export {
  ServiceRegistry,
  DEFAULT_SERVICES_PATH,
  type ServiceRegistryOptions,
  type ServiceRegistryEvents,
  type RegisteredDetails,
} from './service-registry.js'
export {
  ServiceDiscovery,
  listServices,
  queryInstances,
  randomPicker,
  roundRobinPicker,
  type InstancePicker,
  type PickStrategy,
  type ServiceChange,
  type ServiceDiscoveryEvents,
  type ServiceDiscoveryOptions,
} from './service-discovery.js'
export {
  LeaderElection,
  LATCH_PREFIX,
  sortCandidates,
  type Leadership,
  type LeaderElectionEvents,
  type LeaderElectionOptions,
  type Participant,
} from './leader-election.js'
export { Mutex, SequentialLock, LOCK_MARKER, type Lock, type MutexOptions } from './locks/mutex.js'
export { ReadWriteLock, READ_MARKER, WRITE_MARKER } from './locks/read-write-lock.js'
export { Semaphore, LEASE_MARKER, type Lease, type SemaphoreOptions } from './locks/semaphore.js'
export { type Holder, type HoldOptions, isFencedError } from './locks/hold.js'
export { AcquireTimeoutError, sortLockNodes, type AcquireOptions } from './locks/internals.js'
export { Barrier } from './barrier.js'
export { DoubleBarrier } from './double-barrier.js'
export {
  LeaderSelector,
  type LeaderSelectorEvents,
  type LeaderSelectorOptions,
  type SelectorLeadership,
  type SelectorParticipant,
} from './leader-selector.js'

export { TreeCache, type CachedNode, type TreeCacheEvent, type TreeCacheEvents, type TreeCacheOptions, type TreeCacheWatchMode } from './cache/tree-cache.js'
export { NodeCache, ChildrenCache, type NarrowCacheOptions } from './cache/narrow-caches.js'
export { watchNode, jsonDecoder, NodeWatch, type Decoder, type NodeSnapshot, type NodeWatchEvents, type WatchNodeOptions } from './watch-node.js'
export { deleteAll, type DeleteAllOptions } from './delete-all.js'
export { retry, withRetry, type RetryOptions, type RetryingClient, type RetryingCreateOptions } from './retry.js'
export { PersistentNode, type PersistentNodeEvents, type PersistentNodeMode, type PersistentNodeOptions } from './persistent-node.js'
export { GroupMember, PARTY_MARKER, type GroupLayout, type GroupMemberEvents, type GroupMemberOptions } from './group-member.js'
export { SharedCount, encodeCount, decodeCount, type SharedCountEvents, type SharedCountOptions, type VersionedValue } from './shared-count.js'
export { DistributedAtomicLong, encodeLong, decodeLong, type AtomicResult, type DistributedAtomicLongOptions } from './atomic-long.js'
export {
  DistributedQueue,
  QUEUE_PREFIX,
  bufferSerializer,
  stringSerializer,
  jsonSerializer,
  encodeQueueItems,
  decodeQueueItems,
  type DistributedQueueEvents,
  type DistributedQueueOptions,
  type QueueErrorMode,
  type QueueSerializer,
} from './queue.js'
