/**
 * Response bodies (`org.apache.zookeeper.proto`), one interface and one hand-written codec per
 * Jute record, fields in `zookeeper.jute` order. A body follows the `ReplyHeader` only when its
 * `err` is 0 and the operation has one; the record TSDoc names the operations that use it.
 */
import type { Codec } from './codec.js'
import { type ACL, type ClientInfo, ClientInfoCodec, readAcls, readStrings, type Stat, StatCodec, writeAcls, writeStrings } from './records.js'

/** Fewest bytes an encoded {@link ClientInfo} takes (two null strings). */
const CLIENT_INFO_MIN_LENGTH = 8

/** Reply to create (1) (`proto.CreateResponse`). */
export interface CreateResponse {
  /** Server-side path of the created node (with the sequence suffix, if any). */
  path: string
}

/** Codec of {@link CreateResponse}. */
export const CreateResponseCodec: Codec<CreateResponse> = {
  encode: (w, v) => { w.ustring(v.path) },
  decode: (r) => ({ path: r.string() }),
}

/** Reply to create2 (15), createContainer (19) and createTTL (21) (`proto.Create2Response`). */
export interface Create2Response {
  /** Server-side path of the created node. */
  path: string
  /** Stat of the created node. */
  stat: Stat
}

/** Codec of {@link Create2Response}. */
export const Create2ResponseCodec: Codec<Create2Response> = {
  encode: (w, v) => {
    w.ustring(v.path)
    StatCodec.encode(w, v.stat)
  },
  decode: (r) => ({ path: r.string(), stat: StatCodec.decode(r) }),
}

/** Reply to exists (3) when the node exists (`proto.ExistsResponse`; same bytes as SetDataResponse). */
export interface ExistsResponse {
  /** Stat of the node. */
  stat: Stat
}

/** Codec of {@link ExistsResponse}. */
export const ExistsResponseCodec: Codec<ExistsResponse> = {
  encode: (w, v) => { StatCodec.encode(w, v.stat) },
  decode: (r) => ({ stat: StatCodec.decode(r) }),
}

/** Reply to getData (4) and reconfig (16) (`proto.GetDataResponse`). */
export interface GetDataResponse {
  /** The node's data; `null` for a node created with null data. */
  data: Buffer | null
  /** Stat of the node. */
  stat: Stat
}

/** Codec of {@link GetDataResponse}. */
export const GetDataResponseCodec: Codec<GetDataResponse> = {
  encode: (w, v) => {
    w.buffer(v.data)
    StatCodec.encode(w, v.stat)
  },
  decode: (r) => ({ data: r.buffer(), stat: StatCodec.decode(r) }),
}

/** Reply to setData (5), and to a standalone check (13) (`proto.SetDataResponse`). */
export interface SetDataResponse {
  /** Stat of the node after the change. */
  stat: Stat
}

/** Codec of {@link SetDataResponse}. */
export const SetDataResponseCodec: Codec<SetDataResponse> = {
  encode: (w, v) => { StatCodec.encode(w, v.stat) },
  decode: (r) => ({ stat: StatCodec.decode(r) }),
}

/** Reply to getACL (6) (`proto.GetACLResponse`). */
export interface GetACLResponse {
  /** The node's ACL. */
  acl: ACL[]
  /** Stat of the node. */
  stat: Stat
}

/** Codec of {@link GetACLResponse}. */
export const GetACLResponseCodec: Codec<GetACLResponse> = {
  encode: (w, v) => {
    writeAcls(w, v.acl)
    StatCodec.encode(w, v.stat)
  },
  decode: (r) => ({ acl: readAcls(r), stat: StatCodec.decode(r) }),
}

/** Reply to setACL (7) (`proto.SetACLResponse`). */
export interface SetACLResponse {
  /** Stat of the node after the change. */
  stat: Stat
}

/** Codec of {@link SetACLResponse}. */
export const SetACLResponseCodec: Codec<SetACLResponse> = {
  encode: (w, v) => { StatCodec.encode(w, v.stat) },
  decode: (r) => ({ stat: StatCodec.decode(r) }),
}

/** Reply to getChildren (8) (`proto.GetChildrenResponse`). */
export interface GetChildrenResponse {
  /** Child names (not paths), in no particular order. */
  children: string[]
}

/** Codec of {@link GetChildrenResponse}. */
export const GetChildrenResponseCodec: Codec<GetChildrenResponse> = {
  encode: (w, v) => { writeStrings(w, v.children) },
  decode: (r) => ({ children: readStrings(r) }),
}

/** Reply to getChildren2 (12) (`proto.GetChildren2Response`). */
export interface GetChildren2Response {
  /** Child names (not paths), in no particular order. */
  children: string[]
  /** Stat of the parent node. */
  stat: Stat
}

/** Codec of {@link GetChildren2Response}. */
export const GetChildren2ResponseCodec: Codec<GetChildren2Response> = {
  encode: (w, v) => {
    writeStrings(w, v.children)
    StatCodec.encode(w, v.stat)
  },
  decode: (r) => ({ children: readStrings(r), stat: StatCodec.decode(r) }),
}

/** Reply to sync (9) (`proto.SyncResponse`). */
export interface SyncResponse {
  /** The path that was synced. */
  path: string
}

/** Codec of {@link SyncResponse}. */
export const SyncResponseCodec: Codec<SyncResponse> = {
  encode: (w, v) => { w.ustring(v.path) },
  decode: (r) => ({ path: r.string() }),
}

/** Reply to sasl (102) (`proto.SetSASLResponse`). */
export interface SetSASLResponse {
  /** The server's challenge; `null` once the exchange is complete. */
  token: Buffer | null
}

/** Codec of {@link SetSASLResponse}. */
export const SetSASLResponseCodec: Codec<SetSASLResponse> = {
  encode: (w, v) => { w.buffer(v.token) },
  decode: (r) => ({ token: r.buffer() }),
}

/** Reply to getEphemerals (103) (`proto.GetEphemeralsResponse`). */
export interface GetEphemeralsResponse {
  /** Server-side paths of this session's ephemeral nodes. */
  ephemerals: string[]
}

/** Codec of {@link GetEphemeralsResponse}. */
export const GetEphemeralsResponseCodec: Codec<GetEphemeralsResponse> = {
  encode: (w, v) => { writeStrings(w, v.ephemerals) },
  decode: (r) => ({ ephemerals: readStrings(r) }),
}

/** Reply to getAllChildrenNumber (104) (`proto.GetAllChildrenNumberResponse`). */
export interface GetAllChildrenNumberResponse {
  /** Number of descendants of the node. */
  totalNumber: number
}

/** Codec of {@link GetAllChildrenNumberResponse}. */
export const GetAllChildrenNumberResponseCodec: Codec<GetAllChildrenNumberResponse> = {
  encode: (w, v) => { w.int(v.totalNumber) },
  decode: (r) => ({ totalNumber: r.int() }),
}

/** Reply to addWatch (106), and the body of an error result in a multi (`proto.ErrorResponse`). */
export interface ErrorResponse {
  /** `ErrorCode` value. */
  err: number
}

/** Codec of {@link ErrorResponse}. */
export const ErrorResponseCodec: Codec<ErrorResponse> = {
  encode: (w, v) => { w.int(v.err) },
  decode: (r) => ({ err: r.int() }),
}

/** Reply to whoAmI (107) (`proto.WhoAmIResponse`), 3.7+. */
export interface WhoAmIResponse {
  /** Every identity the session is authenticated as. */
  clientInfo: ClientInfo[]
}

/** Codec of {@link WhoAmIResponse}. */
export const WhoAmIResponseCodec: Codec<WhoAmIResponse> = {
  encode: (w, v) => { w.vector(v.clientInfo, ClientInfoCodec.encode) },
  decode: (r) => ({ clientInfo: r.list(ClientInfoCodec.decode, CLIENT_INFO_MIN_LENGTH) }),
}
