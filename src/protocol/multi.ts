/**
 * The multi / multiRead envelope. It is not a Jute record: `MultiOperationRecord` and
 * `MultiResponse` are written by hand in the Java sources as a sequence of `MultiHeader` + body
 * pairs closed by a header with `done = true`. There is no count, so a decoder cannot
 * pre-allocate: the lists grow with the bytes actually read.
 */
import { ProtocolError } from '../common/errors.js'
import type { Codec } from './codec.js'
import type { Reader } from './reader.js'
import {
  type CheckVersionRequest,
  CheckVersionRequestCodec,
  type CreateRequest,
  CreateRequestCodec,
  type CreateTTLRequest,
  CreateTTLRequestCodec,
  type DeleteRequest,
  DeleteRequestCodec,
  type GetChildrenRequest,
  GetChildrenRequestCodec,
  type GetDataRequest,
  GetDataRequestCodec,
  type SetDataRequest,
  SetDataRequestCodec,
} from './requests.js'
import {
  type Create2Response,
  Create2ResponseCodec,
  type CreateResponse,
  CreateResponseCodec,
  type GetChildrenResponse,
  GetChildrenResponseCodec,
  type GetDataResponse,
  GetDataResponseCodec,
  type SetDataResponse,
  SetDataResponseCodec,
} from './responses.js'
import type { Writer } from './writer.js'

/** Precedes every op and every result of a multi (`proto.MultiHeader`). */
export interface MultiHeader {
  /** The op's `OpCode`, or -1 for an error result and for the terminator. */
  type: number
  /** True only on the terminator. */
  done: boolean
  /** -1 on ops; the error code on results (0 for success). */
  err: number
}

/** Encoded size of a {@link MultiHeader}. */
export const MULTI_HEADER_LENGTH = 9

/** Codec of {@link MultiHeader}. */
export const MultiHeaderCodec: Codec<MultiHeader> = {
  encode: (w, v) => { w.int(v.type).bool(v.done).int(v.err) },
  decode: (r) => ({ type: r.int(), done: r.bool(), err: r.int() }),
}

/**
 * One operation of a multi (opcode 14) or multiRead (22). `type` is the op's `OpCode`; the server
 * rejects a record that mixes reads (getChildren, getData) with writes.
 */
export type MultiOp =
  | { type: 1 | 15 | 19; request: CreateRequest }
  | { type: 21; request: CreateTTLRequest }
  | { type: 2; request: DeleteRequest }
  | { type: 5; request: SetDataRequest }
  | { type: 13; request: CheckVersionRequest }
  | { type: 8; request: GetChildrenRequest }
  | { type: 4; request: GetDataRequest }

/** Request body of multi (14) and multiRead (22) (`MultiOperationRecord`). */
export interface MultiOperationRecord {
  /** The operations, applied atomically (multi) or independently (multiRead). */
  ops: MultiOp[]
}

/**
 * One outcome in a {@link MultiResponse}. createTTL and createContainer results come back as
 * create2 (15). When a multi fails, every result is an error result: `err` is 0 for the ops
 * before the failing one, its code for that op, and RUNTIMEINCONSISTENCY (-2) after it.
 */
export type MultiResult =
  | { type: 1; response: CreateResponse }
  | { type: 15; response: Create2Response }
  | { type: 2 }
  | { type: 13 }
  | { type: 5; response: SetDataResponse }
  | { type: 8; response: GetChildrenResponse }
  | { type: 4; response: GetDataResponse }
  | { type: -1; err: number }

/** Reply body of multi (14) and multiRead (22) (`MultiResponse`). */
export interface MultiResponse {
  /** One result per op, in op order. */
  results: MultiResult[]
}

/** `MultiHeader.type` of an error result and of the terminator (`OpCode.error`). */
const ERROR_TYPE = -1

/** `MultiHeader.err` of every op header and of the terminator. */
const NO_ERROR = -1

/** Writes the header that closes the list: `{ type: -1, done: true, err: -1 }`. */
function writeTerminator(w: Writer): void {
  w.int(ERROR_TYPE).bool(true).int(NO_ERROR)
}

/** Codec of {@link MultiOperationRecord}. */
export const MultiOperationRecordCodec: Codec<MultiOperationRecord> = {
  encode: (w, v) => {
    for (const op of v.ops) encodeOp(w, op)
    writeTerminator(w)
  },
  decode: (r) => {
    const ops: MultiOp[] = []
    for (;;) {
      const at = r.offset
      const type = r.int()
      // Java reads until `done` and ignores the terminator's type and err; so do we.
      if (r.bool()) {
        r.int()
        return { ops }
      }
      r.int()
      ops.push(decodeOp(r, type, at))
    }
  },
}

/**
 * Writes one op header and body. An op whose `type` is unknown throws a `RangeError` before
 * anything is written for it.
 */
function encodeOp(w: Writer, op: MultiOp): void {
  switch (op.type) {
    case 1:
    case 15:
    case 19:
      w.int(op.type).bool(false).int(NO_ERROR)
      return CreateRequestCodec.encode(w, op.request)
    case 21:
      w.int(op.type).bool(false).int(NO_ERROR)
      return CreateTTLRequestCodec.encode(w, op.request)
    case 2:
      w.int(op.type).bool(false).int(NO_ERROR)
      return DeleteRequestCodec.encode(w, op.request)
    case 5:
      w.int(op.type).bool(false).int(NO_ERROR)
      return SetDataRequestCodec.encode(w, op.request)
    case 13:
      w.int(op.type).bool(false).int(NO_ERROR)
      return CheckVersionRequestCodec.encode(w, op.request)
    case 8:
      w.int(op.type).bool(false).int(NO_ERROR)
      return GetChildrenRequestCodec.encode(w, op.request)
    case 4:
      w.int(op.type).bool(false).int(NO_ERROR)
      return GetDataRequestCodec.encode(w, op.request)
    default:
      throw new RangeError(`multi op type ${(op as { type: unknown }).type} is not one multi accepts`)
  }
}

function decodeOp(r: Reader, type: number, at: number): MultiOp {
  switch (type) {
    case 1:
    case 15:
    case 19:
      return { type, request: CreateRequestCodec.decode(r) }
    case 21:
      return { type, request: CreateTTLRequestCodec.decode(r) }
    case 2:
      return { type, request: DeleteRequestCodec.decode(r) }
    case 5:
      return { type, request: SetDataRequestCodec.decode(r) }
    case 13:
      return { type, request: CheckVersionRequestCodec.decode(r) }
    case 8:
      return { type, request: GetChildrenRequestCodec.decode(r) }
    case 4:
      return { type, request: GetDataRequestCodec.decode(r) }
    default:
      throw new ProtocolError(`invalid op type ${type} in multi request`, at)
  }
}

/** Codec of {@link MultiResponse}. */
export const MultiResponseCodec: Codec<MultiResponse> = {
  encode: (w, v) => {
    for (const result of v.results) encodeResult(w, result)
    writeTerminator(w)
  },
  decode: (r) => {
    const results: MultiResult[] = []
    for (;;) {
      const at = r.offset
      const type = r.int()
      if (r.bool()) {
        r.int()
        return { results }
      }
      // The header's err repeats the error result's body; Java reads only the body.
      r.int()
      results.push(decodeResult(r, type, at))
    }
  },
}

/**
 * Writes one result header and body. The header's `err` is the error code for an error result
 * and 0 otherwise, as `MultiResponse.serialize` writes it.
 */
function encodeResult(w: Writer, result: MultiResult): void {
  switch (result.type) {
    case 1:
      w.int(result.type).bool(false).int(0)
      return CreateResponseCodec.encode(w, result.response)
    case 15:
      w.int(result.type).bool(false).int(0)
      return Create2ResponseCodec.encode(w, result.response)
    case 2:
    case 13:
      w.int(result.type).bool(false).int(0)
      return
    case 5:
      w.int(result.type).bool(false).int(0)
      return SetDataResponseCodec.encode(w, result.response)
    case 8:
      w.int(result.type).bool(false).int(0)
      return GetChildrenResponseCodec.encode(w, result.response)
    case 4:
      w.int(result.type).bool(false).int(0)
      return GetDataResponseCodec.encode(w, result.response)
    case -1:
      w.int(result.type).bool(false).int(result.err).int(result.err)
      return
    default:
      throw new RangeError(`multi result type ${(result as { type: unknown }).type} is not one a multi returns`)
  }
}

function decodeResult(r: Reader, type: number, at: number): MultiResult {
  switch (type) {
    case 1:
      return { type, response: CreateResponseCodec.decode(r) }
    case 15:
      return { type, response: Create2ResponseCodec.decode(r) }
    case 2:
    case 13:
      return { type }
    case 5:
      return { type, response: SetDataResponseCodec.decode(r) }
    case 8:
      return { type, response: GetChildrenResponseCodec.decode(r) }
    case 4:
      return { type, response: GetDataResponseCodec.decode(r) }
    case -1:
      return { type, err: r.int() }
    default:
      throw new ProtocolError(`invalid result type ${type} in multi response`, at)
  }
}
