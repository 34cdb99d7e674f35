/**
 * zkwire: a ZooKeeper client for Node.js that speaks the wire protocol itself.
 *
 * @example
 * ```ts
 * import { createClient } from 'zkwire'
 * const zk = createClient('127.0.0.1:2181')
 * await zk.connected()
 * await zk.create('/hello', 'world', { mode: 'ephemeral' })
 * ```
 * @packageDocumentation
 */
export {
  createClient,
  type ClientEvents,
  ZooKeeperClient,
  type CallOptions,
  type ChildrenResult,
  type ClientOptions,
  type CreateOptions,
  type CreateResult,
  type DataResult,
  type VersionOptions,
  type Watched,
  type WatcherTypeName,
  type WatchOptions,
  type AddWatchOptions,
  type RemoveWatchesOptions,
} from './client.js'
export { Acls, ANYONE_ID, AUTH_IDS, digestAcl, digestId, ipAcl } from './acl.js'
export * from './errors.js'
export { type WatchedEvent, type WatchEventState, type WatchEventType } from './events.js'
export { type CreateModeName, type DataInput } from './options.js'
export { PersistentWatch } from './persistent-watch.js'
export { type ConnectionState, type StateChange } from './session/state.js'
export { type SaslOptions } from './session/sasl.js'
export { type Op, type OpResult, type ReadOp, type ReadResult, Transaction } from './transaction.js'
export { CreateMode, ErrorCode, EventType, KeeperState, Perms, WatcherType } from './protocol/constants.js'
export type { ACL, ClientInfo, Id, Stat } from './protocol/records.js'
export { ancestorsOf, basename, joinPath, parentOf, validatePath } from './paths.js'
export * from './recipes/index.js'
