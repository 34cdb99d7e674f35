/**
 * Request bodies (`org.apache.zookeeper.proto`), one interface and one hand-written codec per
 * Jute record, fields in `zookeeper.jute` order. Each body follows a `RequestHeader` whose `type`
 * is the opcode named in the record's TSDoc. whoAmI, closeSession and ping have no body.
 */
import type { Codec } from './codec.js'
import { type ACL, readAcls, readStrings, writeAcls, writeStrings } from './records.js'

/** Body of create (1), create2 (15) and createContainer (19) (`proto.CreateRequest`). */
export interface CreateRequest {
  /** Server-side path of the node (for sequential nodes, the prefix). */
  path: string
  /** Initial data; `null` is sent as length -1 and read back as `null`. */
  data: Buffer | null
  /** ACL of the new node; must not be empty. */
  acl: ACL[]
  /** `CreateMode` value (4 for containers). */
  flags: number
}

/** Codec of {@link CreateRequest}. */
export const CreateRequestCodec: Codec<CreateRequest> = {
  encode: (w, v) => {
    w.ustring(v.path).buffer(v.data)
    writeAcls(w, v.acl)
    w.int(v.flags)
  },
  decode: (r) => ({ path: r.string(), data: r.buffer(), acl: readAcls(r), flags: r.int() }),
}

/** Body of createTTL (21) (`proto.CreateTTLRequest`). */
export interface CreateTTLRequest {
  /** Server-side path of the node (for sequential nodes, the prefix). */
  path: string
  /** Initial data, or `null`. */
  data: Buffer | null
  /** ACL of the new node. */
  acl: ACL[]
  /** `CreateMode.PERSISTENT_WITH_TTL` or `PERSISTENT_SEQUENTIAL_WITH_TTL`. */
  flags: number
  /** Time to live in ms, 1 to `MAX_TTL_MS`. */
  ttl: bigint
}

/** Codec of {@link CreateTTLRequest}. */
export const CreateTTLRequestCodec: Codec<CreateTTLRequest> = {
  encode: (w, v) => {
    w.ustring(v.path).buffer(v.data)
    writeAcls(w, v.acl)
    w.int(v.flags).long(v.ttl)
  },
  decode: (r) => ({ path: r.string(), data: r.buffer(), acl: readAcls(r), flags: r.int(), ttl: r.long() }),
}

/** Body of delete (2) (`proto.DeleteRequest`). */
export interface DeleteRequest {
  /** Server-side path of the node. */
  path: string
  /** Expected data version, or -1 for any. */
  version: number
}

/** Codec of {@link DeleteRequest}. */
export const DeleteRequestCodec: Codec<DeleteRequest> = {
  encode: (w, v) => { w.ustring(v.path).int(v.version) },
  decode: (r) => ({ path: r.string(), version: r.int() }),
}

/** Body of exists (3) (`proto.ExistsRequest`). */
export interface ExistsRequest {
  /** Server-side path of the node. */
  path: string
  /** Leave a watch (set even when the node does not exist). */
  watch: boolean
}

/** Codec of {@link ExistsRequest}. */
export const ExistsRequestCodec: Codec<ExistsRequest> = {
  encode: (w, v) => { w.ustring(v.path).bool(v.watch) },
  decode: (r) => ({ path: r.string(), watch: r.bool() }),
}

/** Body of getData (4) (`proto.GetDataRequest`); inside multiRead, `watch` is false. */
export interface GetDataRequest {
  /** Server-side path of the node. */
  path: string
  /** Leave a data watch. */
  watch: boolean
}

/** Codec of {@link GetDataRequest}. */
export const GetDataRequestCodec: Codec<GetDataRequest> = {
  encode: (w, v) => { w.ustring(v.path).bool(v.watch) },
  decode: (r) => ({ path: r.string(), watch: r.bool() }),
}

/** Body of setData (5) (`proto.SetDataRequest`). */
export interface SetDataRequest {
  /** Server-side path of the node. */
  path: string
  /** New data, or `null`. */
  data: Buffer | null
  /** Expected data version, or -1 for any. */
  version: number
}

/** Codec of {@link SetDataRequest}. */
export const SetDataRequestCodec: Codec<SetDataRequest> = {
  encode: (w, v) => { w.ustring(v.path).buffer(v.data).int(v.version) },
  decode: (r) => ({ path: r.string(), data: r.buffer(), version: r.int() }),
}

/** Body of getACL (6) (`proto.GetACLRequest`). */
export interface GetACLRequest {
  /** Server-side path of the node. */
  path: string
}

/** Codec of {@link GetACLRequest}. */
export const GetACLRequestCodec: Codec<GetACLRequest> = {
  encode: (w, v) => { w.ustring(v.path) },
  decode: (r) => ({ path: r.string() }),
}

/** Body of setACL (7) (`proto.SetACLRequest`). */
export interface SetACLRequest {
  /** Server-side path of the node. */
  path: string
  /** The new ACL. */
  acl: ACL[]
  /** Expected ACL version (`Stat.aversion`), or -1 for any. */
  version: number
}

/** Codec of {@link SetACLRequest}. */
export const SetACLRequestCodec: Codec<SetACLRequest> = {
  encode: (w, v) => {
    w.ustring(v.path)
    writeAcls(w, v.acl)
    w.int(v.version)
  },
  decode: (r) => ({ path: r.string(), acl: readAcls(r), version: r.int() }),
}

/** Body of getChildren (8) (`proto.GetChildrenRequest`); inside multiRead, `watch` is false. */
export interface GetChildrenRequest {
  /** Server-side path of the node. */
  path: string
  /** Leave a child watch. */
  watch: boolean
}

/** Codec of {@link GetChildrenRequest}. */
export const GetChildrenRequestCodec: Codec<GetChildrenRequest> = {
  encode: (w, v) => { w.ustring(v.path).bool(v.watch) },
  decode: (r) => ({ path: r.string(), watch: r.bool() }),
}

/** Body of getChildren2 (12) (`proto.GetChildren2Request`): children plus the parent's Stat. */
export interface GetChildren2Request {
  /** Server-side path of the node. */
  path: string
  /** Leave a child watch. */
  watch: boolean
}

/** Codec of {@link GetChildren2Request}. */
export const GetChildren2RequestCodec: Codec<GetChildren2Request> = {
  encode: (w, v) => { w.ustring(v.path).bool(v.watch) },
  decode: (r) => ({ path: r.string(), watch: r.bool() }),
}

/** Body of sync (9) (`proto.SyncRequest`). */
export interface SyncRequest {
  /** Server-side path to sync. */
  path: string
}

/** Codec of {@link SyncRequest}. */
export const SyncRequestCodec: Codec<SyncRequest> = {
  encode: (w, v) => { w.ustring(v.path) },
  decode: (r) => ({ path: r.string() }),
}

/** Body of check (13) (`proto.CheckVersionRequest`), used inside multi. */
export interface CheckVersionRequest {
  /** Server-side path of the node. */
  path: string
  /** Required data version (-1 only checks existence). */
  version: number
}

/** Codec of {@link CheckVersionRequest}. */
export const CheckVersionRequestCodec: Codec<CheckVersionRequest> = {
  encode: (w, v) => { w.ustring(v.path).int(v.version) },
  decode: (r) => ({ path: r.string(), version: r.int() }),
}

/** Body of reconfig (16) (`proto.ReconfigRequest`). */
export interface ReconfigRequest {
  /** Comma-separated server lines to add (incremental mode), or `null`. */
  joiningServers: string | null
  /** Comma-separated server ids to remove (incremental mode), or `null`. */
  leavingServers: string | null
  /** The complete new membership (non-incremental mode), or `null`. */
  newMembers: string | null
  /** Expected current config version, or -1 for any. */
  curConfigId: bigint
}

/** Codec of {@link ReconfigRequest}. */
export const ReconfigRequestCodec: Codec<ReconfigRequest> = {
  encode: (w, v) => { w.ustring(v.joiningServers).ustring(v.leavingServers).ustring(v.newMembers).long(v.curConfigId) },
  decode: (r) => ({ joiningServers: r.ustring(), leavingServers: r.ustring(), newMembers: r.ustring(), curConfigId: r.long() }),
}

/** Body of checkWatches (17) (`proto.CheckWatchesRequest`). */
export interface CheckWatchesRequest {
  /** Server-side path of the node. */
  path: string
  /** `WatcherType` value. */
  type: number
}

/** Codec of {@link CheckWatchesRequest}. */
export const CheckWatchesRequestCodec: Codec<CheckWatchesRequest> = {
  encode: (w, v) => { w.ustring(v.path).int(v.type) },
  decode: (r) => ({ path: r.string(), type: r.int() }),
}

/** Body of removeWatches (18) (`proto.RemoveWatchesRequest`). */
export interface RemoveWatchesRequest {
  /** Server-side path of the node. */
  path: string
  /** `WatcherType` value. */
  type: number
}

/** Codec of {@link RemoveWatchesRequest}. */
export const RemoveWatchesRequestCodec: Codec<RemoveWatchesRequest> = {
  encode: (w, v) => { w.ustring(v.path).int(v.type) },
  decode: (r) => ({ path: r.string(), type: r.int() }),
}

/** Body of auth (100), sent with xid -4 (`proto.AuthPacket`). */
export interface AuthPacket {
  /** Always 0. */
  type: number
  /** Auth scheme, e.g. `digest`. */
  scheme: string
  /** Credentials, e.g. UTF-8 `user:password` for digest. */
  auth: Buffer | null
}

/** Codec of {@link AuthPacket}. */
export const AuthPacketCodec: Codec<AuthPacket> = {
  encode: (w, v) => { w.int(v.type).ustring(v.scheme).buffer(v.auth) },
  decode: (r) => ({ type: r.int(), scheme: r.string(), auth: r.buffer() }),
}

/** Body of setWatches (101) (`proto.SetWatches`): re-arms standard watches after a reconnect. */
export interface SetWatches {
  /** The last zxid the client saw; the server fires events for changes after it. */
  relativeZxid: bigint
  /** Paths with a data watch. */
  dataWatches: string[]
  /** Paths with an exists watch (node absent when set). */
  existWatches: string[]
  /** Paths with a child watch. */
  childWatches: string[]
}

/** Codec of {@link SetWatches}. */
export const SetWatchesCodec: Codec<SetWatches> = {
  encode: (w, v) => {
    w.long(v.relativeZxid)
    writeStrings(w, v.dataWatches)
    writeStrings(w, v.existWatches)
    writeStrings(w, v.childWatches)
  },
  decode: (r) => ({ relativeZxid: r.long(), dataWatches: readStrings(r), existWatches: readStrings(r), childWatches: readStrings(r) }),
}

/** Body of setWatches2 (105) (`proto.SetWatches2`): {@link SetWatches} plus persistent watches (3.6+). */
export interface SetWatches2 {
  /** The last zxid the client saw. */
  relativeZxid: bigint
  /** Paths with a data watch. */
  dataWatches: string[]
  /** Paths with an exists watch. */
  existWatches: string[]
  /** Paths with a child watch. */
  childWatches: string[]
  /** Paths with a persistent watch (re-armed without catch-up events). */
  persistentWatches: string[]
  /** Paths with a persistent recursive watch (re-armed without catch-up events). */
  persistentRecursiveWatches: string[]
}

/** Codec of {@link SetWatches2}. */
export const SetWatches2Codec: Codec<SetWatches2> = {
  encode: (w, v) => {
    w.long(v.relativeZxid)
    writeStrings(w, v.dataWatches)
    writeStrings(w, v.existWatches)
    writeStrings(w, v.childWatches)
    writeStrings(w, v.persistentWatches)
    writeStrings(w, v.persistentRecursiveWatches)
  },
  decode: (r) => {
    return {
      relativeZxid: r.long(),
      dataWatches: readStrings(r),
      existWatches: readStrings(r),
      childWatches: readStrings(r),
      persistentWatches: readStrings(r),
      persistentRecursiveWatches: readStrings(r),
    }
  },
}

/** Body of sasl (102) (`proto.GetSASLRequest`). */
export interface GetSASLRequest {
  /** The SASL client's token; a mechanism may have none (`null`). */
  token: Buffer | null
}

/** Codec of {@link GetSASLRequest}. */
export const GetSASLRequestCodec: Codec<GetSASLRequest> = {
  encode: (w, v) => { w.buffer(v.token) },
  decode: (r) => ({ token: r.buffer() }),
}

/** Body of getEphemerals (103) (`proto.GetEphemeralsRequest`), 3.6+. */
export interface GetEphemeralsRequest {
  /** Only this session's ephemerals whose path starts with this prefix (`/` for all). */
  prefixPath: string
}

/** Codec of {@link GetEphemeralsRequest}. */
export const GetEphemeralsRequestCodec: Codec<GetEphemeralsRequest> = {
  encode: (w, v) => { w.ustring(v.prefixPath) },
  decode: (r) => ({ prefixPath: r.string() }),
}

/** Body of getAllChildrenNumber (104) (`proto.GetAllChildrenNumberRequest`), 3.6+. */
export interface GetAllChildrenNumberRequest {
  /** Server-side path of the node whose descendants are counted. */
  path: string
}

/** Codec of {@link GetAllChildrenNumberRequest}. */
export const GetAllChildrenNumberRequestCodec: Codec<GetAllChildrenNumberRequest> = {
  encode: (w, v) => { w.ustring(v.path) },
  decode: (r) => ({ path: r.string() }),
}

/** Body of addWatch (106) (`proto.AddWatchRequest`), 3.6+. */
export interface AddWatchRequest {
  /** Server-side path of the node. */
  path: string
  /** `AddWatchMode` value. */
  mode: number
}

/** Codec of {@link AddWatchRequest}. */
export const AddWatchRequestCodec: Codec<AddWatchRequest> = {
  encode: (w, v) => { w.ustring(v.path).int(v.mode) },
  decode: (r) => ({ path: r.string(), mode: r.int() }),
}
