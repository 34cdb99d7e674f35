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
} from './client/client.js'
export { Acls, ANYONE_ID, AUTH_IDS, digestAcl, digestId, ipAcl, x509Acl } from './common/acl.js'
export { ConnectAttemptError, type ConnectFailureCode } from './session/connect-errors.js'
export { type TlsOption } from './session/transport.js'
export type { Logger, LogLevel } from './common/log.js'
export { parseConfigServers } from './session/ensemble-tracker.js'
export * from './common/errors.js'
export { type WatchedEvent, type WatchEventState, type WatchEventType } from './client/watch-event.js'
export { type CreateModeName, type DataInput } from './client/arguments.js'
export { PersistentWatch } from './client/persistent-watch.js'
export { type ConnectionState, type StateChange } from './session/state.js'
export { type SaslOptions } from './session/sasl.js'
export { type Op, type OpResult, type ReadOp, type ReadResult, Transaction } from './client/transaction.js'
export { CreateMode, ErrorCode, EventType, KeeperState, Perms, WatcherType } from './protocol/constants.js'
export type { ACL, ClientInfo, Id, Stat } from './protocol/records.js'
export { ancestorsOf, basename, joinPath, parentOf, validatePath } from './common/paths.js'
export * from './recipes/index.js'
