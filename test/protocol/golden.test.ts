/**
 * Golden bytes: every codec against bytes written by Apache ZooKeeper's own Jute serializer
 * (fixtures/jute, regenerated with `npm run fixtures:jute`). Each case is checked both ways:
 * encoding the value gives the reference bytes exactly, and decoding the reference bytes gives
 * the value back with every byte consumed.
 */
import { describe, expect, it } from 'vitest'
import type { Codec } from '../../src/protocol/codec.js'
import { ConnectRequestCodec, ConnectResponseCodec } from '../../src/protocol/connect.js'
import { MultiHeaderCodec, MultiOperationRecordCodec, MultiResponseCodec } from '../../src/protocol/multi.js'
import { Reader } from '../../src/protocol/reader.js'
import {
  ACLCodec,
  ClientInfoCodec,
  IdCodec,
  ReplyHeaderCodec,
  RequestHeaderCodec,
  StatCodec,
  WatcherEventCodec,
} from '../../src/protocol/records.js'
import {
  AddWatchRequestCodec,
  AuthPacketCodec,
  CheckVersionRequestCodec,
  CheckWatchesRequestCodec,
  CreateRequestCodec,
  CreateTTLRequestCodec,
  DeleteRequestCodec,
  ExistsRequestCodec,
  GetACLRequestCodec,
  GetAllChildrenNumberRequestCodec,
  GetChildren2RequestCodec,
  GetChildrenRequestCodec,
  GetDataRequestCodec,
  GetEphemeralsRequestCodec,
  GetSASLRequestCodec,
  ReconfigRequestCodec,
  RemoveWatchesRequestCodec,
  SetACLRequestCodec,
  SetDataRequestCodec,
  SetWatches2Codec,
  SetWatchesCodec,
  SyncRequestCodec,
} from '../../src/protocol/requests.js'
import {
  Create2ResponseCodec,
  CreateResponseCodec,
  ErrorResponseCodec,
  ExistsResponseCodec,
  GetACLResponseCodec,
  GetAllChildrenNumberResponseCodec,
  GetChildren2ResponseCodec,
  GetChildrenResponseCodec,
  GetDataResponseCodec,
  GetEphemeralsResponseCodec,
  SetACLResponseCodec,
  SetDataResponseCodec,
  SetSASLResponseCodec,
  SyncResponseCodec,
  WhoAmIResponseCodec,
} from '../../src/protocol/responses.js'
import { Writer } from '../../src/protocol/writer.js'
import { describeByteMismatch, firstDifference, type GoldenCase, listHexFiles, loadGoldenCases, show } from '../support/golden.js'

/** Every record of the codec contract (docs/codec-contract.md), by its Jute name. */
const CODECS: Readonly<Record<string, Codec<unknown>>> = {
  // records.ts
  Stat: StatCodec,
  Id: IdCodec,
  ACL: ACLCodec,
  ClientInfo: ClientInfoCodec,
  RequestHeader: RequestHeaderCodec,
  ReplyHeader: ReplyHeaderCodec,
  WatcherEvent: WatcherEventCodec,
  // connect.ts
  ConnectRequest: ConnectRequestCodec,
  ConnectResponse: ConnectResponseCodec,
  // requests.ts
  CreateRequest: CreateRequestCodec,
  CreateTTLRequest: CreateTTLRequestCodec,
  DeleteRequest: DeleteRequestCodec,
  ExistsRequest: ExistsRequestCodec,
  GetDataRequest: GetDataRequestCodec,
  SetDataRequest: SetDataRequestCodec,
  GetACLRequest: GetACLRequestCodec,
  SetACLRequest: SetACLRequestCodec,
  GetChildrenRequest: GetChildrenRequestCodec,
  GetChildren2Request: GetChildren2RequestCodec,
  SyncRequest: SyncRequestCodec,
  CheckVersionRequest: CheckVersionRequestCodec,
  ReconfigRequest: ReconfigRequestCodec,
  CheckWatchesRequest: CheckWatchesRequestCodec,
  RemoveWatchesRequest: RemoveWatchesRequestCodec,
  AuthPacket: AuthPacketCodec,
  SetWatches: SetWatchesCodec,
  SetWatches2: SetWatches2Codec,
  GetSASLRequest: GetSASLRequestCodec,
  GetEphemeralsRequest: GetEphemeralsRequestCodec,
  GetAllChildrenNumberRequest: GetAllChildrenNumberRequestCodec,
  AddWatchRequest: AddWatchRequestCodec,
  // responses.ts
  CreateResponse: CreateResponseCodec,
  Create2Response: Create2ResponseCodec,
  ExistsResponse: ExistsResponseCodec,
  GetDataResponse: GetDataResponseCodec,
  SetDataResponse: SetDataResponseCodec,
  GetACLResponse: GetACLResponseCodec,
  SetACLResponse: SetACLResponseCodec,
  GetChildrenResponse: GetChildrenResponseCodec,
  GetChildren2Response: GetChildren2ResponseCodec,
  SyncResponse: SyncResponseCodec,
  SetSASLResponse: SetSASLResponseCodec,
  GetEphemeralsResponse: GetEphemeralsResponseCodec,
  GetAllChildrenNumberResponse: GetAllChildrenNumberResponseCodec,
  ErrorResponse: ErrorResponseCodec,
  WhoAmIResponse: WhoAmIResponseCodec,
  // multi.ts
  MultiHeader: MultiHeaderCodec,
  MultiOperationRecord: MultiOperationRecordCodec,
  MultiResponse: MultiResponseCodec,
}

const cases = loadGoldenCases()

function codecOf(c: GoldenCase): Codec<unknown> {
  const codec = CODECS[c.record]
  if (codec === undefined) throw new Error(`${c.name}: no codec for record ${c.record}`)
  return codec
}

function errorText(e: unknown): string {
  if (!(e instanceof Error)) return String(e)
  const offset = 'offset' in e && typeof e.offset === 'number' ? ` (at offset ${e.offset})` : ''
  return `${e.name}: ${e.message}${offset}`
}

describe('golden bytes from the reference Jute implementation', () => {
  it('has at least one case for every record of the codec contract', () => {
    const covered = new Set(cases.map((c) => c.record))
    const missing = Object.keys(CODECS).filter((name) => !covered.has(name))
    expect(missing, `records without a golden case: ${missing.join(', ')}`).toEqual([])
  })

  it('has a codec for every record in cases.json', () => {
    const unknown = [...new Set(cases.map((c) => c.record))].filter((name) => !(name in CODECS))
    expect(unknown, `records in cases.json without a codec: ${unknown.join(', ')}`).toEqual([])
  })

  it('has unique case names and no stray hex files', () => {
    const names = cases.map((c) => c.name)
    expect(new Set(names).size, 'duplicate case names').toBe(names.length)
    const referenced = new Set(names.map((n) => `${n}.hex`))
    const stray = listHexFiles().filter((f) => !referenced.has(f))
    expect(stray, `hex files no case names: ${stray.join(', ')}`).toEqual([])
  })

  for (const c of cases) {
    describe(c.name, () => {
      it(c.encodesAs === undefined ? 'encodes to the reference bytes' : `encodes to the bytes of ${c.encodesAs}`, () => {
        const w = new Writer()
        try {
          codecOf(c).encode(w, c.value)
        } catch (e) {
          expect.fail(`${c.record} encode threw ${errorText(e)}`)
        }
        const mismatch = describeByteMismatch(c.encoded, w.take())
        if (mismatch !== undefined) expect.fail(`${c.record} encode of ${c.name}: ${mismatch}`)
      })

      it('decodes the reference bytes to the value, consuming every byte', () => {
        const r = new Reader(c.bytes)
        let decoded: unknown
        try {
          decoded = codecOf(c).decode(r)
        } catch (e) {
          expect.fail(`${c.record} decode of ${c.name} threw ${errorText(e)}`)
        }
        if (r.remaining !== 0) {
          expect.fail(`${c.record} decode of ${c.name} stopped at offset ${r.offset}, leaving ${r.remaining} of ${c.bytes.length} bytes unread`)
        }
        const difference = firstDifference(c.value, decoded)
        if (difference !== undefined) expect.fail(`${c.record} decode of ${c.name}: ${difference} (decoded ${show(decoded)})`)
      })
    })
  }
})
