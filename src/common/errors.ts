/**
 * The error family of zkwire. Every failure a user can see is one of these classes:
 * - {@link ZooKeeperError} and its subclasses, one per server error code, built from one table;
 * - {@link ProtocolError}, for bytes from a server that break the protocol;
 * - {@link InvalidArgumentError}, for a call the client refuses before sending anything.
 */
import { ErrorCode, type ErrorCodeName, errorCodeName } from '../protocol/constants.js'

/** Where a ZooKeeper error happened, when known. */
export interface ErrorContext {
  /** The path the operation was about, as the caller gave it (chroot removed). */
  path?: string
  /** The client operation, e.g. `'getData'`. */
  operation?: string
  /** For a failed `multi`: the index of the operation that failed. */
  opIndex?: number
  /** For a failed `multi`: every per-operation outcome the server sent. */
  results?: readonly unknown[]
  /** The underlying cause, e.g. a socket error behind a connection loss. */
  cause?: unknown
  /** Overrides the default explanation. */
  message?: string
}

/**
 * An error reported by ZooKeeper, or produced by the client for a request it could not complete
 * (connection loss, session expiry, request timeout).
 *
 * `code` is the stable name from `KeeperException.Code` (e.g. `'NONODE'`), `errno` its number.
 * Subclasses exist for every known code, so both `err instanceof NoNodeError` and
 * `err.code === 'NONODE'` work.
 */
export class ZooKeeperError extends Error {
  /** Stable name of the code, or `'UNKNOWN'` for a code this client does not know. */
  readonly code: ErrorCodeName | 'UNKNOWN'
  /** The numeric code the server (or client) used, kept even when unknown. */
  readonly errno: number
  /** The path concerned, when there is one. */
  readonly path: string | undefined
  /** The operation that failed, e.g. `'create'`. */
  readonly operation: string | undefined
  /** For a failed `multi`: which operation failed. */
  readonly opIndex: number | undefined
  /** For a failed `multi`: the per-operation results. */
  readonly results: readonly unknown[] | undefined

  /** Use {@link ZooKeeperError.from} to get the subclass that matches a code. */
  constructor(errno: number, context: ErrorContext = {}) {
    super(context.message ?? describe(errno, context), context.cause === undefined ? undefined : { cause: context.cause })
    this.errno = errno
    this.code = errorCodeName(errno) ?? 'UNKNOWN'
    this.path = context.path
    this.operation = context.operation
    this.opIndex = context.opIndex
    this.results = context.results
  }

  /** Builds the error subclass for `errno` (a plain `ZooKeeperError` for unknown codes). */
  static from(errno: number, context: ErrorContext = {}): ZooKeeperError {
    const Subclass = subclassByCode.get(errno)
    return Subclass ? new Subclass(context) : new ZooKeeperError(errno, context)
  }

  /** True for codes that mean "the request may or may not have been applied": retry with care. */
  get isConnectionProblem(): boolean {
    return this.errno === ErrorCode.CONNECTIONLOSS || this.errno === ErrorCode.OPERATIONTIMEOUT || this.errno === ErrorCode.REQUESTTIMEOUT
  }
}

/** What each code means to the user, and what to do about it. */
const advice: Partial<Record<ErrorCodeName, string>> = {
  SYSTEMERROR: 'the server reported an internal error; check the server logs',
  RUNTIMEINCONSISTENCY: 'was not applied because another operation of the same multi failed',
  DATAINCONSISTENCY: 'the server found its data inconsistent; check the server logs',
  CONNECTIONLOSS: 'the connection to ZooKeeper was lost before the reply arrived; the request may or may not have been applied, so re-read before retrying a write',
  MARSHALLINGERROR: 'the server could not (de)serialize the request; check the data size against jute.maxbuffer',
  UNIMPLEMENTED: 'the server does not implement this operation (TTL nodes need zookeeper.extendedTypesEnabled=true; some operations need ZooKeeper 3.6 or later)',
  OPERATIONTIMEOUT: 'the operation timed out on the server',
  BADARGUMENTS: 'the server rejected the arguments (check the path, TTL and flags)',
  UNKNOWNSESSION: 'the server does not know this session',
  NEWCONFIGNOQUORUM: 'the new configuration has no quorum of connected servers',
  RECONFIGINPROGRESS: 'another reconfiguration is in progress; try again once it completes',
  NONODE: 'does not exist',
  NOAUTH: 'is not permitted by the node\'s ACL; add credentials with addAuth or change the ACL',
  BADVERSION: 'failed because the node\'s version changed; re-read the node and try again',
  NOCHILDRENFOREPHEMERALS: 'cannot have children: ephemeral nodes may not have children',
  NODEEXISTS: 'already exists',
  NOTEMPTY: 'still has children; delete them first',
  SESSIONEXPIRED: 'the session expired: its ephemeral nodes and watches are gone; create a new client',
  INVALIDCALLBACK: 'was given an invalid callback',
  INVALIDACL: 'was given an invalid ACL (an empty list, an unknown scheme, or auth ids without credentials)',
  AUTHFAILED: 'authentication failed; check the scheme and credentials',
  SESSIONMOVED: 'the session moved to another server; the connection will be re-established',
  NOTREADONLY: 'cannot write: the server is in read-only mode',
  EPHEMERALONLOCALSESSION: 'cannot create an ephemeral node on a local session',
  NOWATCHER: 'has no such watch',
  REQUESTTIMEOUT: 'got no reply within the request timeout; the request may or may not have been applied',
  RECONFIGDISABLED: 'reconfiguration is disabled on the server (reconfigEnabled=false)',
  SESSIONCLOSEDREQUIRESASLAUTH: 'the server requires SASL authentication and closed the session',
  QUOTAEXCEEDED: 'exceeds the node\'s hard quota',
  THROTTLEDOP: 'was throttled by an overloaded server; retry with back-off',
}

function describe(errno: number, { path, operation, opIndex }: ErrorContext): string {
  const name = errorCodeName(errno)
  const what = name ? advice[name] ?? name.toLowerCase() : `failed with unknown error code ${errno}`
  const subject = path === undefined ? '' : `${path} `
  const where = operation === undefined ? '' : ` (${operation}${opIndex === undefined ? '' : ` #${opIndex}`})`
  return `${subject}${what}${where}`
}

type ZooKeeperErrorSubclass = new (context?: ErrorContext) => ZooKeeperError

const subclassByCode = new Map<number, ZooKeeperErrorSubclass>()

function defineError(codeName: ErrorCodeName, className: string): ZooKeeperErrorSubclass {
  const errno = ErrorCode[codeName]
  const Subclass = {
    [className]: class extends ZooKeeperError {
      constructor(context: ErrorContext = {}) {
        super(errno, context)
        this.name = className
      }
    },
  }[className] as ZooKeeperErrorSubclass
  subclassByCode.set(errno, Subclass)
  return Subclass
}

/** `SYSTEMERROR` (-1). */ export const SystemError = defineError('SYSTEMERROR', 'SystemError')
/** `RUNTIMEINCONSISTENCY` (-2); also every op after the failing one in a failed multi. */ export const RuntimeInconsistencyError = defineError('RUNTIMEINCONSISTENCY', 'RuntimeInconsistencyError')
/** `DATAINCONSISTENCY` (-3). */ export const DataInconsistencyError = defineError('DATAINCONSISTENCY', 'DataInconsistencyError')
/** `CONNECTIONLOSS` (-4): the request may or may not have been applied. */ export const ConnectionLossError = defineError('CONNECTIONLOSS', 'ConnectionLossError')
/** `MARSHALLINGERROR` (-5). */ export const MarshallingError = defineError('MARSHALLINGERROR', 'MarshallingError')
/** `UNIMPLEMENTED` (-6). */ export const UnimplementedError = defineError('UNIMPLEMENTED', 'UnimplementedError')
/** `OPERATIONTIMEOUT` (-7). */ export const OperationTimeoutError = defineError('OPERATIONTIMEOUT', 'OperationTimeoutError')
/** `BADARGUMENTS` (-8). */ export const BadArgumentsError = defineError('BADARGUMENTS', 'BadArgumentsError')
/** `UNKNOWNSESSION` (-12). */ export const UnknownSessionError = defineError('UNKNOWNSESSION', 'UnknownSessionError')
/** `NEWCONFIGNOQUORUM` (-13). */ export const NewConfigNoQuorumError = defineError('NEWCONFIGNOQUORUM', 'NewConfigNoQuorumError')
/** `RECONFIGINPROGRESS` (-14). */ export const ReconfigInProgressError = defineError('RECONFIGINPROGRESS', 'ReconfigInProgressError')
/** `APIERROR` (-100). */ export const ApiError = defineError('APIERROR', 'ApiError')
/** `NONODE` (-101): the node does not exist. */ export const NoNodeError = defineError('NONODE', 'NoNodeError')
/** `NOAUTH` (-102): the ACL does not allow it. */ export const NoAuthError = defineError('NOAUTH', 'NoAuthError')
/** `BADVERSION` (-103): the expected version did not match. */ export const BadVersionError = defineError('BADVERSION', 'BadVersionError')
/** `NOCHILDRENFOREPHEMERALS` (-108). */ export const NoChildrenForEphemeralsError = defineError('NOCHILDRENFOREPHEMERALS', 'NoChildrenForEphemeralsError')
/** `NODEEXISTS` (-110). */ export const NodeExistsError = defineError('NODEEXISTS', 'NodeExistsError')
/** `NOTEMPTY` (-111). */ export const NotEmptyError = defineError('NOTEMPTY', 'NotEmptyError')
/** `SESSIONEXPIRED` (-112): the session is gone for good. */ export const SessionExpiredError = defineError('SESSIONEXPIRED', 'SessionExpiredError')
/** `INVALIDCALLBACK` (-113). */ export const InvalidCallbackError = defineError('INVALIDCALLBACK', 'InvalidCallbackError')
/** `INVALIDACL` (-114). */ export const InvalidAclError = defineError('INVALIDACL', 'InvalidAclError')
/** `AUTHFAILED` (-115). */ export const AuthFailedError = defineError('AUTHFAILED', 'AuthFailedError')
/** `SESSIONMOVED` (-118). */ export const SessionMovedError = defineError('SESSIONMOVED', 'SessionMovedError')
/** `NOTREADONLY` (-119): a write reached a read-only server. */ export const NotReadOnlyError = defineError('NOTREADONLY', 'NotReadOnlyError')
/** `EPHEMERALONLOCALSESSION` (-120). */ export const EphemeralOnLocalSessionError = defineError('EPHEMERALONLOCALSESSION', 'EphemeralOnLocalSessionError')
/** `NOWATCHER` (-121). */ export const NoWatcherError = defineError('NOWATCHER', 'NoWatcherError')
/** `REQUESTTIMEOUT` (-122): no reply within the request timeout. */ export const RequestTimeoutError = defineError('REQUESTTIMEOUT', 'RequestTimeoutError')
/** `RECONFIGDISABLED` (-123). */ export const ReconfigDisabledError = defineError('RECONFIGDISABLED', 'ReconfigDisabledError')
/** `SESSIONCLOSEDREQUIRESASLAUTH` (-124). */ export const SessionClosedRequireSaslAuthError = defineError('SESSIONCLOSEDREQUIRESASLAUTH', 'SessionClosedRequireSaslAuthError')
/** `QUOTAEXCEEDED` (-125). */ export const QuotaExceededError = defineError('QUOTAEXCEEDED', 'QuotaExceededError')
/** `THROTTLEDOP` (-127): retry with back-off. */ export const ThrottledOpError = defineError('THROTTLEDOP', 'ThrottledOpError')

/**
 * The client was closed (by `close()`), so nothing more can be sent. Like the Java client, it
 * carries the `SESSIONEXPIRED` code and is a {@link SessionExpiredError}: the session is over and
 * retrying cannot help; create a new client.
 */
export class ClientClosedError extends SessionExpiredError {
  constructor(context: ErrorContext = {}) {
    super({ message: 'the client is closed; create a new client', ...context })
    this.name = 'ClientClosedError'
  }
}

/**
 * Bytes from a server that break the protocol: a bad length, a truncated record, a reply to the
 * wrong request. The session drops the connection and reconnects; nothing is thrown into the
 * socket handler. `offset` is the byte offset within the frame where decoding failed.
 */
export class ProtocolError extends Error {
  /** Stable code for programmatic checks. */
  readonly code = 'PROTOCOL_ERROR'
  /** Byte offset within the frame (or stream) where the problem was found, when known. */
  readonly offset: number | undefined

  constructor(message: string, offset?: number) {
    super(offset === undefined ? message : `${message} (at byte ${offset})`)
    this.name = 'ProtocolError'
    this.offset = offset
  }
}

/**
 * A call the client refused before sending anything: an invalid path, data over the packet
 * limit, a bad option. The message says which argument and why.
 */
export class InvalidArgumentError extends TypeError {
  /** Stable code for programmatic checks. */
  readonly code = 'INVALID_ARGUMENT'

  constructor(message: string) {
    super(message)
    this.name = 'InvalidArgumentError'
  }
}
