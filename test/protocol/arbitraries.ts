/**
 * fast-check arbitraries for every protocol record, and the registry of every codec with its
 * arbitrary, shared by the round-trip and fuzz properties.
 */
import fc from 'fast-check'
import type { Codec } from '../../src/protocol/codec.js'
import * as P from '../../src/protocol/index.js'

/** Runs per property: at least 10,000 in CI; lower it locally with ZKWIRE_FUZZ_RUNS. */
export const RUNS = Number(process.env.ZKWIRE_FUZZ_RUNS ?? 10000)

export const int = fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 })
export const long = fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n })
/** Mostly small values (the fast path), sometimes the whole int64 range (the slow path). */
export const zxid = fc.oneof(fc.bigInt({ min: 0n, max: 2n ** 40n }), long)

/**
 * Well-formed strings only (no lone surrogates: they cannot round-trip through UTF-8): any code
 * point, plain ASCII (the writer's and reader's fast paths), long ASCII (past the 64-unit loop
 * and the 127-byte short-length prefix), and paths.
 */
export const str = fc.oneof(
  { weight: 3, arbitrary: fc.string({ unit: 'binary', maxLength: 30 }) },
  { weight: 3, arbitrary: fc.string({ unit: 'binary-ascii', maxLength: 30 }) },
  // Long strings from a short random pattern: generating 300 characters one by one is slow.
  { weight: 1, arbitrary: fc.tuple(fc.integer({ min: 60, max: 300 }), fc.string({ unit: 'binary', minLength: 1, maxLength: 6 })).map(([n, unit]) => unit.repeat(Math.ceil(n / unit.length))) },
  { weight: 1, arbitrary: fc.tuple(fc.integer({ min: 60, max: 300 }), fc.string({ unit: 'binary-ascii', minLength: 1, maxLength: 6 })).map(([n, unit]) => unit.repeat(Math.ceil(n / unit.length))) },
  { weight: 2, arbitrary: fc.array(fc.string({ unit: fc.constantFrom('a', 'b', '-', '0', 'é', '😀'), minLength: 1, maxLength: 12 }), { minLength: 1, maxLength: 4 }).map((parts) => `/${parts.join('/')}`) },
)
export const nullableStr = fc.option(str, { nil: null })

/** Deterministic bytes from a seed (xorshift32): far cheaper than one fast-check integer per byte. */
export function randomBytes(length: number, seed: number): Buffer {
  const out = Buffer.alloc(length)
  let x = seed | 0 || 0x9e3779b9
  for (let i = 0; i < length; i++) {
    x ^= x << 13
    x ^= x >>> 17
    x ^= x << 5
    out[i] = x & 0xff
  }
  return out
}

/** Buffers of `length` pseudo-random bytes; shrinking shortens them and simplifies the seed. */
export const bytesOf = (length: fc.Arbitrary<number>) => fc.tuple(length, fc.integer()).map(([n, seed]) => randomBytes(n, seed))

export const buf = fc.oneof(fc.uint8Array({ maxLength: 8 }).map((a) => Buffer.from(a)), bytesOf(fc.nat({ max: 300 })))
export const nullableBuf = fc.option(buf, { nil: null })
/** Vectors of strings: sometimes long enough to span several of the reader's 1 KiB chunks. */
export const strs = fc.oneof({ weight: 9, arbitrary: fc.array(str, { maxLength: 6 }) }, { weight: 1, arbitrary: fc.array(str, { minLength: 20, maxLength: 50 }) })

export const stat: fc.Arbitrary<P.Stat> = fc.record({
  czxid: zxid,
  mzxid: zxid,
  ctime: zxid,
  mtime: zxid,
  version: int,
  cversion: int,
  aversion: int,
  ephemeralOwner: long,
  dataLength: int,
  numChildren: int,
  pzxid: zxid,
})
export const id: fc.Arbitrary<P.Id> = fc.record({ scheme: str, id: str })
export const acl: fc.Arbitrary<P.ACL> = fc.record({ perms: int, id })
export const acls = fc.array(acl, { maxLength: 5 })
export const clientInfo: fc.Arbitrary<P.ClientInfo> = fc.record({ authScheme: nullableStr, user: nullableStr })

const pathBool = fc.record({ path: str, watch: fc.boolean() })
const pathVersion = fc.record({ path: str, version: int })
const pathType = fc.record({ path: str, type: int })
const pathOnly = fc.record({ path: str })

export const createRequest: fc.Arbitrary<P.CreateRequest> = fc.record({ path: str, data: nullableBuf, acl: acls, flags: int })
export const createTTLRequest: fc.Arbitrary<P.CreateTTLRequest> = fc.record({ path: str, data: nullableBuf, acl: acls, flags: int, ttl: long })
export const setDataRequest: fc.Arbitrary<P.SetDataRequest> = fc.record({ path: str, data: nullableBuf, version: int })
export const createResponse: fc.Arbitrary<P.CreateResponse> = pathOnly
export const create2Response: fc.Arbitrary<P.Create2Response> = fc.record({ path: str, stat })
export const setDataResponse: fc.Arbitrary<P.SetDataResponse> = fc.record({ stat })
export const getChildrenResponse: fc.Arbitrary<P.GetChildrenResponse> = fc.record({ children: strs })
export const getDataResponse: fc.Arbitrary<P.GetDataResponse> = fc.record({ data: nullableBuf, stat })

export const multiOp: fc.Arbitrary<P.MultiOp> = fc.oneof(
  fc.record({ type: fc.constantFrom(1 as const, 15 as const, 19 as const), request: createRequest }),
  fc.record({ type: fc.constant(21 as const), request: createTTLRequest }),
  fc.record({ type: fc.constant(2 as const), request: pathVersion }),
  fc.record({ type: fc.constant(5 as const), request: setDataRequest }),
  fc.record({ type: fc.constant(13 as const), request: pathVersion }),
  fc.record({ type: fc.constant(8 as const), request: pathBool }),
  fc.record({ type: fc.constant(4 as const), request: pathBool }),
)
export const multiResult: fc.Arbitrary<P.MultiResult> = fc.oneof(
  fc.record({ type: fc.constant(1 as const), response: createResponse }),
  fc.record({ type: fc.constant(15 as const), response: create2Response }),
  fc.record({ type: fc.constantFrom(2 as const, 13 as const) }),
  fc.record({ type: fc.constant(5 as const), response: setDataResponse }),
  fc.record({ type: fc.constant(8 as const), response: getChildrenResponse }),
  fc.record({ type: fc.constant(4 as const), response: getDataResponse }),
  fc.record({ type: fc.constant(-1 as const), err: int }),
)

/** A codec under test, with values it must round-trip. */
export interface CodecCase<T = unknown> {
  name: string
  codec: Codec<T>
  arb: fc.Arbitrary<T>
}

function c<T>(name: string, codec: Codec<T>, arb: fc.Arbitrary<T>): CodecCase {
  return { name, codec, arb } as unknown as CodecCase
}

/** Every codec of the protocol layer. */
export const codecCases: CodecCase[] = [
  // records.ts
  c('Stat', P.StatCodec, stat),
  c('Id', P.IdCodec, id),
  c('ACL', P.ACLCodec, acl),
  c('ClientInfo', P.ClientInfoCodec, clientInfo),
  c('RequestHeader', P.RequestHeaderCodec, fc.record({ xid: int, type: int })),
  c('ReplyHeader', P.ReplyHeaderCodec, fc.record({ xid: int, zxid: long, err: int })),
  c('WatcherEvent', P.WatcherEventCodec, fc.record({ type: int, state: int, path: nullableStr })),
  // connect.ts
  c('ConnectRequest', P.ConnectRequestCodec, fc.record({ protocolVersion: int, lastZxidSeen: long, timeOut: int, sessionId: long, passwd: buf, readOnly: fc.boolean() })),
  c('ConnectResponse', P.ConnectResponseCodec, fc.record({ protocolVersion: int, timeOut: int, sessionId: long, passwd: buf, readOnly: fc.boolean() })),
  // requests.ts
  c('CreateRequest', P.CreateRequestCodec, createRequest),
  c('CreateTTLRequest', P.CreateTTLRequestCodec, createTTLRequest),
  c('DeleteRequest', P.DeleteRequestCodec, pathVersion),
  c('ExistsRequest', P.ExistsRequestCodec, pathBool),
  c('GetDataRequest', P.GetDataRequestCodec, pathBool),
  c('SetDataRequest', P.SetDataRequestCodec, setDataRequest),
  c('GetACLRequest', P.GetACLRequestCodec, pathOnly),
  c('SetACLRequest', P.SetACLRequestCodec, fc.record({ path: str, acl: acls, version: int })),
  c('GetChildrenRequest', P.GetChildrenRequestCodec, pathBool),
  c('GetChildren2Request', P.GetChildren2RequestCodec, pathBool),
  c('SyncRequest', P.SyncRequestCodec, pathOnly),
  c('CheckVersionRequest', P.CheckVersionRequestCodec, pathVersion),
  c('ReconfigRequest', P.ReconfigRequestCodec, fc.record({ joiningServers: nullableStr, leavingServers: nullableStr, newMembers: nullableStr, curConfigId: long })),
  c('CheckWatchesRequest', P.CheckWatchesRequestCodec, pathType),
  c('RemoveWatchesRequest', P.RemoveWatchesRequestCodec, pathType),
  c('AuthPacket', P.AuthPacketCodec, fc.record({ type: int, scheme: str, auth: nullableBuf })),
  c('SetWatches', P.SetWatchesCodec, fc.record({ relativeZxid: long, dataWatches: strs, existWatches: strs, childWatches: strs })),
  c('SetWatches2', P.SetWatches2Codec, fc.record({ relativeZxid: long, dataWatches: strs, existWatches: strs, childWatches: strs, persistentWatches: strs, persistentRecursiveWatches: strs })),
  c('GetSASLRequest', P.GetSASLRequestCodec, fc.record({ token: nullableBuf })),
  c('GetEphemeralsRequest', P.GetEphemeralsRequestCodec, fc.record({ prefixPath: str })),
  c('GetAllChildrenNumberRequest', P.GetAllChildrenNumberRequestCodec, pathOnly),
  c('AddWatchRequest', P.AddWatchRequestCodec, fc.record({ path: str, mode: int })),
  // responses.ts
  c('CreateResponse', P.CreateResponseCodec, createResponse),
  c('Create2Response', P.Create2ResponseCodec, create2Response),
  c('ExistsResponse', P.ExistsResponseCodec, fc.record({ stat })),
  c('GetDataResponse', P.GetDataResponseCodec, getDataResponse),
  c('SetDataResponse', P.SetDataResponseCodec, setDataResponse),
  c('GetACLResponse', P.GetACLResponseCodec, fc.record({ acl: acls, stat })),
  c('SetACLResponse', P.SetACLResponseCodec, fc.record({ stat })),
  c('GetChildrenResponse', P.GetChildrenResponseCodec, getChildrenResponse),
  c('GetChildren2Response', P.GetChildren2ResponseCodec, fc.record({ children: strs, stat })),
  c('SyncResponse', P.SyncResponseCodec, pathOnly),
  c('SetSASLResponse', P.SetSASLResponseCodec, fc.record({ token: nullableBuf })),
  c('GetEphemeralsResponse', P.GetEphemeralsResponseCodec, fc.record({ ephemerals: strs })),
  c('GetAllChildrenNumberResponse', P.GetAllChildrenNumberResponseCodec, fc.record({ totalNumber: int })),
  c('ErrorResponse', P.ErrorResponseCodec, fc.record({ err: int })),
  c('WhoAmIResponse', P.WhoAmIResponseCodec, fc.record({ clientInfo: fc.array(clientInfo, { maxLength: 5 }) })),
  // multi.ts
  c('MultiHeader', P.MultiHeaderCodec, fc.record({ type: int, done: fc.boolean(), err: int })),
  c('MultiOperationRecord', P.MultiOperationRecordCodec, fc.record({ ops: fc.array(multiOp, { maxLength: 6 }) })),
  c('MultiResponse', P.MultiResponseCodec, fc.record({ results: fc.array(multiResult, { maxLength: 6 }) })),
]

/** Encodes one value with a fresh writer. */
export function encode<T>(codec: Codec<T>, value: T): Buffer {
  const w = new P.Writer(64)
  codec.encode(w, value)
  return w.take()
}

/**
 * A plain-data copy for strict comparison: fast-check may build null-prototype objects, which
 * `toStrictEqual` tells apart from the decoder's object literals. Buffers become tagged hex,
 * so a Buffer never equals anything but a Buffer with the same bytes.
 */
export function plain(v: unknown): unknown {
  if (Buffer.isBuffer(v)) return { $bytes: v.toString('hex') }
  if (Array.isArray(v)) return v.map(plain)
  if (v !== null && typeof v === 'object') {
    const out: Record<string, unknown> = {}
    for (const key of Object.keys(v)) out[key] = plain((v as Record<string, unknown>)[key])
    return out
  }
  return v
}

/** Deep equality of decoded values, fast enough to run inside 10,000-run properties. */
export function same(a: unknown, b: unknown): boolean {
  if (a === b) return true
  if (Buffer.isBuffer(a)) return Buffer.isBuffer(b) && a.equals(b)
  if (Array.isArray(a)) return Array.isArray(b) && a.length === b.length && a.every((x, i) => same(x, b[i]))
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object' || Buffer.isBuffer(b) || Array.isArray(b)) return false
  const ka = Object.keys(a)
  const kb = Object.keys(b)
  return ka.length === kb.length && ka.every((k) => Object.hasOwn(b, k) && same((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]))
}
