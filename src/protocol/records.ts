/**
 * Codecs of the records shared by many operations (`org.apache.zookeeper.data` and the
 * headers of `org.apache.zookeeper.proto`). Field names and order follow `zookeeper.jute`.
 */
import type { Codec } from './codec.js'
import type { Reader } from './reader.js'
import type { Writer } from './writer.js'

/** Node metadata (`data.Stat`): 68 bytes on the wire. */
export interface Stat {
  /** zxid of the transaction that created the node. */
  czxid: bigint
  /** zxid of the last data change. */
  mzxid: bigint
  /** Creation time, ms since the epoch. */
  ctime: bigint
  /** Last data change time, ms since the epoch. */
  mtime: bigint
  /** Number of data changes. */
  version: number
  /** Number of child changes. */
  cversion: number
  /** Number of ACL changes. */
  aversion: number
  /** Owning session of an ephemeral node, 0 otherwise (special values mark containers and TTL nodes). */
  ephemeralOwner: bigint
  /** Length of the node's data. */
  dataLength: number
  /** Number of children. */
  numChildren: number
  /** zxid of the last change to the children. */
  pzxid: bigint
}

/** Encoded size of a {@link Stat}. */
export const STAT_LENGTH = 68

/** Codec of {@link Stat}. */
export const StatCodec: Codec<Stat> = {
  encode(w, s) {
    w.long(s.czxid).long(s.mzxid).long(s.ctime).long(s.mtime)
    w.int(s.version).int(s.cversion).int(s.aversion)
    w.long(s.ephemeralOwner).int(s.dataLength).int(s.numChildren).long(s.pzxid)
  },
  decode(r) {
    return {
      czxid: r.long(),
      mzxid: r.long(),
      ctime: r.long(),
      mtime: r.long(),
      version: r.int(),
      cversion: r.int(),
      aversion: r.int(),
      ephemeralOwner: r.long(),
      dataLength: r.int(),
      numChildren: r.int(),
      pzxid: r.long(),
    }
  },
}

/** An identity in an ACL (`data.Id`), e.g. `{ scheme: 'world', id: 'anyone' }`. */
export interface Id {
  /** Authentication scheme: `world`, `auth`, `digest`, `ip`, `x509`, `sasl`, ... */
  scheme: string
  /** The identity within the scheme. */
  id: string
}

/** Codec of {@link Id}. */
export const IdCodec: Codec<Id> = {
  encode(w, v) {
    w.ustring(v.scheme).ustring(v.id)
  },
  decode(r) {
    return { scheme: r.string(), id: r.string() }
  },
}

/** One access-control entry (`data.ACL`): permission bits granted to an identity. */
export interface ACL {
  /** Bitwise OR of `Perms` values. */
  perms: number
  /** Who gets the permissions. */
  id: Id
}

/** Fewest bytes an encoded ACL takes (perms + two empty strings). */
export const ACL_MIN_LENGTH = 12

/** Codec of {@link ACL}. */
export const ACLCodec: Codec<ACL> = {
  encode(w, v) {
    w.int(v.perms)
    IdCodec.encode(w, v.id)
  },
  decode(r) {
    return { perms: r.int(), id: IdCodec.decode(r) }
  },
}

/** Writes a `vector<ACL>`. */
export function writeAcls(w: Writer, acl: readonly ACL[]): void {
  w.vector(acl, ACLCodec.encode)
}

/** Reads a `vector<ACL>` (a null vector reads as empty). */
export function readAcls(r: Reader): ACL[] {
  return r.list(ACLCodec.decode, ACL_MIN_LENGTH)
}

/** Writes a `vector<ustring>`. */
export function writeStrings(w: Writer, items: readonly string[]): void {
  w.strings(items)
}

/** Reads a `vector<ustring>` whose items must not be null (a null vector reads as empty). */
export function readStrings(r: Reader): string[] {
  return r.strings()
}

/** An authenticated identity of a session, as whoAmI reports it (`data.ClientInfo`). */
export interface ClientInfo {
  /** The scheme the identity was authenticated with, e.g. `ip` or `digest`. */
  authScheme: string | null
  /** The user within that scheme. */
  user: string | null
}

/** Codec of {@link ClientInfo}. */
export const ClientInfoCodec: Codec<ClientInfo> = {
  encode(w, v) {
    w.ustring(v.authScheme).ustring(v.user)
  },
  decode(r) {
    return { authScheme: r.ustring(), user: r.ustring() }
  },
}

/** Header of every request after the handshake (`proto.RequestHeader`). */
export interface RequestHeader {
  /** Request id, echoed in the reply; see `Xid` for reserved values. */
  xid: number
  /** The `OpCode`. */
  type: number
}

/** Codec of {@link RequestHeader}. */
export const RequestHeaderCodec: Codec<RequestHeader> = {
  encode(w, v) {
    w.int(v.xid).int(v.type)
  },
  decode(r) {
    return { xid: r.int(), type: r.int() }
  },
}

/** Header of every reply after the handshake (`proto.ReplyHeader`). */
export interface ReplyHeader {
  /** Echo of the request's xid, or a reserved xid. */
  xid: number
  /** The server's last zxid when it answered (the triggering zxid for notifications in 3.9+). */
  zxid: bigint
  /** `ErrorCode` of the operation; a body follows only when 0. */
  err: number
}

/** Encoded size of a {@link ReplyHeader}. */
export const REPLY_HEADER_LENGTH = 16

/** Codec of {@link ReplyHeader}. */
export const ReplyHeaderCodec: Codec<ReplyHeader> = {
  encode(w, v) {
    w.int(v.xid).long(v.zxid).int(v.err)
  },
  decode(r) {
    return { xid: r.int(), zxid: r.long(), err: r.int() }
  },
}

/** A watch notification (`proto.WatcherEvent`), pushed with xid -1. */
export interface WatcherEvent {
  /** `EventType` value. */
  type: number
  /** `KeeperState` value. */
  state: number
  /** Server-side path of the node (chroot included). */
  path: string | null
}

/** Codec of {@link WatcherEvent}. */
export const WatcherEventCodec: Codec<WatcherEvent> = {
  encode(w, v) {
    w.int(v.type).int(v.state).ustring(v.path)
  },
  decode(r) {
    return { type: r.int(), state: r.int(), path: r.ustring() }
  },
}
