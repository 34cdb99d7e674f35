/**
 * Numeric constants of the ZooKeeper client protocol (ZooKeeper 3.5 to 3.9), named as in the
 * Java sources (`ZooDefs`, `KeeperException.Code`, `CreateMode`, `Watcher`).
 */

/** Operation codes carried in `RequestHeader.type` (`ZooDefs.OpCode`). */
export const OpCode = {
  notification: 0,
  create: 1,
  delete: 2,
  exists: 3,
  getData: 4,
  setData: 5,
  getACL: 6,
  setACL: 7,
  getChildren: 8,
  sync: 9,
  ping: 11,
  getChildren2: 12,
  check: 13,
  multi: 14,
  create2: 15,
  reconfig: 16,
  checkWatches: 17,
  removeWatches: 18,
  createContainer: 19,
  deleteContainer: 20,
  createTTL: 21,
  multiRead: 22,
  auth: 100,
  setWatches: 101,
  sasl: 102,
  getEphemerals: 103,
  getAllChildrenNumber: 104,
  setWatches2: 105,
  addWatch: 106,
  whoAmI: 107,
  createSession: -10,
  closeSession: -11,
  error: -1,
} as const

/** A value of {@link OpCode}. */
export type OpCode = (typeof OpCode)[keyof typeof OpCode]

/** Reserved xids (`ClientCnxn`); ordinary requests use 1 to 2^31-1. */
export const Xid = {
  /** Watch notification pushed by the server. */
  notification: -1,
  /** Ping request and its reply. */
  ping: -2,
  /** Authentication packet and its reply. */
  auth: -4,
  /** SetWatches as the C client sends it; the server echoes any xid. */
  setWatches: -8,
} as const

/**
 * Error codes (`KeeperException.Code`), by name. Codes above -100 are system errors, codes at or
 * below -100 are API errors.
 */
export const ErrorCode = {
  OK: 0,
  SYSTEMERROR: -1,
  RUNTIMEINCONSISTENCY: -2,
  DATAINCONSISTENCY: -3,
  CONNECTIONLOSS: -4,
  MARSHALLINGERROR: -5,
  UNIMPLEMENTED: -6,
  OPERATIONTIMEOUT: -7,
  BADARGUMENTS: -8,
  UNKNOWNSESSION: -12,
  NEWCONFIGNOQUORUM: -13,
  RECONFIGINPROGRESS: -14,
  APIERROR: -100,
  NONODE: -101,
  NOAUTH: -102,
  BADVERSION: -103,
  NOCHILDRENFOREPHEMERALS: -108,
  NODEEXISTS: -110,
  NOTEMPTY: -111,
  SESSIONEXPIRED: -112,
  INVALIDCALLBACK: -113,
  INVALIDACL: -114,
  AUTHFAILED: -115,
  SESSIONMOVED: -118,
  NOTREADONLY: -119,
  EPHEMERALONLOCALSESSION: -120,
  NOWATCHER: -121,
  REQUESTTIMEOUT: -122,
  RECONFIGDISABLED: -123,
  SESSIONCLOSEDREQUIRESASLAUTH: -124,
  QUOTAEXCEEDED: -125,
  THROTTLEDOP: -127,
} as const

/** The name of a known error code, e.g. `'NONODE'`. */
export type ErrorCodeName = keyof typeof ErrorCode

const errorNameByCode = new Map<number, ErrorCodeName>(
  (Object.entries(ErrorCode) as [ErrorCodeName, number][]).map(([name, code]) => [code, name]),
)

/** Returns the name of an error code, or `undefined` for a code this client does not know. */
export function errorCodeName(code: number): ErrorCodeName | undefined {
  return errorNameByCode.get(code)
}

/** Node creation modes as `CreateRequest.flags` values (`CreateMode.toFlag`). */
export const CreateMode = {
  PERSISTENT: 0,
  EPHEMERAL: 1,
  PERSISTENT_SEQUENTIAL: 2,
  EPHEMERAL_SEQUENTIAL: 3,
  CONTAINER: 4,
  PERSISTENT_WITH_TTL: 5,
  PERSISTENT_SEQUENTIAL_WITH_TTL: 6,
} as const

/** A value of {@link CreateMode}. */
export type CreateMode = (typeof CreateMode)[keyof typeof CreateMode]

/** ACL permission bits (`ZooDefs.Perms`). */
export const Perms = {
  READ: 1,
  WRITE: 2,
  CREATE: 4,
  DELETE: 8,
  ADMIN: 16,
  ALL: 31,
} as const

/** Watch event types (`Watcher.Event.EventType`); 5 to 7 are produced by removeWatches. */
export const EventType = {
  None: -1,
  NodeCreated: 1,
  NodeDeleted: 2,
  NodeDataChanged: 3,
  NodeChildrenChanged: 4,
  DataWatchRemoved: 5,
  ChildWatchRemoved: 6,
  PersistentWatchRemoved: 7,
} as const

/** A value of {@link EventType}. */
export type EventType = (typeof EventType)[keyof typeof EventType]

/** Connection states carried in watch events (`Watcher.Event.KeeperState`). */
export const KeeperState = {
  Unknown: -1,
  Disconnected: 0,
  NoSyncConnected: 1,
  SyncConnected: 3,
  AuthFailed: 4,
  ConnectedReadOnly: 5,
  SaslAuthenticated: 6,
  Expired: -112,
  Closed: 7,
} as const

/** A value of {@link KeeperState}. */
export type KeeperState = (typeof KeeperState)[keyof typeof KeeperState]

/** Watcher kinds for checkWatches and removeWatches (`Watcher.WatcherType`). */
export const WatcherType = {
  Children: 1,
  Data: 2,
  Any: 3,
  Persistent: 4,
  PersistentRecursive: 5,
} as const

/** A value of {@link WatcherType}. */
export type WatcherType = (typeof WatcherType)[keyof typeof WatcherType]

/** Modes of the addWatch operation (`ZooDefs.AddWatchModes`). */
export const AddWatchMode = {
  PERSISTENT: 0,
  PERSISTENT_RECURSIVE: 1,
} as const

/** A value of {@link AddWatchMode}. */
export type AddWatchMode = (typeof AddWatchMode)[keyof typeof AddWatchMode]

/** Largest frame either side accepts by default: `jute.maxbuffer`, 0xfffff bytes. */
export const DEFAULT_MAX_PACKET_LENGTH = 0xfffff

/** Length of a session password in bytes. */
export const SESSION_PASSWORD_LENGTH = 16

/** Largest TTL the server accepts, in ms (`EphemeralType.TTL.maxValue`). */
export const MAX_TTL_MS = 0xff_ffff_ffff
