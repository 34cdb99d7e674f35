import { describe, expect, it } from 'vitest'
import { ProtocolError } from '../../src/common/errors.js'
import type { Codec } from '../../src/protocol/codec.js'
import * as P from '../../src/protocol/index.js'
import { encode } from './arbitraries.js'

const hex = (s: string) => Buffer.from(s.replace(/\s/g, ''), 'hex')
const decode = <T>(codec: Codec<T>, s: string | Buffer) => codec.decode(new P.Reader(typeof s === 'string' ? hex(s) : s))

function protocolError(fn: () => unknown): ProtocolError {
  try {
    fn()
  } catch (err) {
    if (err instanceof ProtocolError) return err
    throw err
  }
  return expect.fail('expected a ProtocolError')
}

const stat: P.Stat = { czxid: 1n, mzxid: 2n, ctime: 3n, mtime: 4n, version: 5, cversion: 6, aversion: 7, ephemeralOwner: 8n, dataLength: 9, numChildren: 10, pzxid: 11n }
const STAT_HEX = '0000000000000001 0000000000000002 0000000000000003 0000000000000004 00000005 00000006 00000007 0000000000000008 00000009 0000000a 000000000000000b'

describe('codec names follow docs/codec-contract.md', () => {
  const names = [
    'Stat', 'Id', 'ACL', 'ClientInfo', 'RequestHeader', 'ReplyHeader', 'WatcherEvent', 'ConnectRequest', 'ConnectResponse',
    'CreateRequest', 'CreateTTLRequest', 'DeleteRequest', 'ExistsRequest', 'GetDataRequest', 'SetDataRequest', 'GetACLRequest',
    'SetACLRequest', 'GetChildrenRequest', 'GetChildren2Request', 'SyncRequest', 'CheckVersionRequest', 'ReconfigRequest',
    'CheckWatchesRequest', 'RemoveWatchesRequest', 'AuthPacket', 'SetWatches', 'SetWatches2', 'GetSASLRequest',
    'GetEphemeralsRequest', 'GetAllChildrenNumberRequest', 'AddWatchRequest',
    'CreateResponse', 'Create2Response', 'ExistsResponse', 'GetDataResponse', 'SetDataResponse', 'GetACLResponse',
    'SetACLResponse', 'GetChildrenResponse', 'GetChildren2Response', 'SyncResponse', 'SetSASLResponse',
    'GetEphemeralsResponse', 'GetAllChildrenNumberResponse', 'ErrorResponse', 'WhoAmIResponse',
    'MultiHeader', 'MultiOperationRecord', 'MultiResponse',
  ]
  it.each(names)('%sCodec is exported from src/protocol', (name) => {
    const codec = (P as Record<string, unknown>)[`${name}Codec`] as Codec<unknown> | undefined
    expect(typeof codec?.encode).toBe('function')
    expect(typeof codec?.decode).toBe('function')
  })
})

describe('record layouts (Jute field order)', () => {
  it('Stat is 68 bytes in declaration order', () => {
    const bytes = encode(P.StatCodec, stat)
    expect(bytes.length).toBe(P.STAT_LENGTH)
    expect(bytes.toString('hex')).toBe(hex(STAT_HEX).toString('hex'))
  })

  it('requests', () => {
    expect(encode(P.GetDataRequestCodec, { path: '/a', watch: true }).toString('hex')).toBe('000000022f6101')
    expect(encode(P.CreateRequestCodec, { path: '/a', data: null, acl: [{ perms: 31, id: { scheme: 'world', id: 'anyone' } }], flags: 3 }).toString('hex')).toBe(
      hex('00000002 2f61 ffffffff 00000001 0000001f 00000005 776f726c64 00000006 616e796f6e65 00000003').toString('hex'),
    )
    expect(encode(P.CreateTTLRequestCodec, { path: '/t', data: Buffer.from('x'), acl: [], flags: 5, ttl: 1000n }).toString('hex')).toBe(
      hex('00000002 2f74 00000001 78 00000000 00000005 00000000000003e8').toString('hex'),
    )
    expect(encode(P.SetDataRequestCodec, { path: '/a', data: Buffer.alloc(0), version: -1 }).toString('hex')).toBe('000000022f6100000000ffffffff')
    expect(encode(P.AuthPacketCodec, { type: 0, scheme: 'digest', auth: Buffer.from('u:p') }).toString('hex')).toBe(hex('00000000 00000006 646967657374 00000003 753a70').toString('hex'))
    expect(encode(P.ReconfigRequestCodec, { joiningServers: null, leavingServers: '2', newMembers: null, curConfigId: -1n }).toString('hex')).toBe(
      hex('ffffffff 00000001 32 ffffffff ffffffffffffffff').toString('hex'),
    )
    expect(encode(P.SetWatches2Codec, { relativeZxid: 16n, dataWatches: ['/d'], existWatches: [], childWatches: ['/c'], persistentWatches: [], persistentRecursiveWatches: ['/r'] }).toString('hex')).toBe(
      hex('0000000000000010 00000001 00000002 2f64 00000000 00000001 00000002 2f63 00000000 00000001 00000002 2f72').toString('hex'),
    )
  })

  it('responses', () => {
    expect(decode(P.GetDataResponseCodec, `ffffffff ${STAT_HEX}`)).toEqual({ data: null, stat })
    expect(decode(P.Create2ResponseCodec, `00000003 2f612d ${STAT_HEX}`)).toEqual({ path: '/a-', stat })
    expect(decode(P.GetChildrenResponseCodec, 'ffffffff')).toEqual({ children: [] })
    expect(decode(P.GetChildren2ResponseCodec, `00000002 00000001 61 00000001 62 ${STAT_HEX}`)).toEqual({ children: ['a', 'b'], stat })
    expect(decode(P.WhoAmIResponseCodec, '00000001 00000002 6970 ffffffff')).toEqual({ clientInfo: [{ authScheme: 'ip', user: null }] })
    expect(decode(P.SetSASLResponseCodec, 'ffffffff')).toEqual({ token: null })
  })
})

describe('handshake', () => {
  const response = { protocolVersion: 0, timeOut: 4000, sessionId: 0x100000000000001n, passwd: Buffer.alloc(16, 1), readOnly: false }
  const head = `00000000 00000fa0 0100000000000001 00000010 ${'01'.repeat(16)}`

  it('ConnectResponse reads the readOnly byte when present and defaults it when absent', () => {
    expect(decode(P.ConnectResponseCodec, head)).toEqual(response)
    expect(decode(P.ConnectResponseCodec, `${head} 01`)).toEqual({ ...response, readOnly: true })
    expect(() => decode(P.ConnectResponseCodec, `${head} 02`)).toThrow(ProtocolError)
  })

  it('ConnectRequest always sends the readOnly byte', () => {
    const bytes = encode(P.ConnectRequestCodec, { protocolVersion: 0, lastZxidSeen: 0n, timeOut: 30000, sessionId: 0n, passwd: Buffer.alloc(16), readOnly: false })
    expect(bytes.length).toBe(4 + 8 + 4 + 8 + 4 + 16 + 1)
    expect(bytes[bytes.length - 1]).toBe(0)
  })
})

describe('multi envelope', () => {
  const TERMINATOR = 'ffffffff 01 ffffffff'

  it('writes op headers {type, false, -1} and a {-1, true, -1} terminator', () => {
    const ops: P.MultiOp[] = [
      { type: 13, request: { path: '/a', version: 3 } },
      { type: 2, request: { path: '/b', version: -1 } },
    ]
    const bytes = encode(P.MultiOperationRecordCodec, { ops })
    expect(bytes.toString('hex')).toBe(hex(`0000000d 00 ffffffff 00000002 2f61 00000003  00000002 00 ffffffff 00000002 2f62 ffffffff  ${TERMINATOR}`).toString('hex'))
    expect(encode(P.MultiOperationRecordCodec, { ops: [] }).toString('hex')).toBe(hex(TERMINATOR).toString('hex'))
  })

  it('writes error results with the code in both header and body, other results with err 0', () => {
    const results: P.MultiResult[] = [{ type: -1, err: 0 }, { type: -1, err: -101 }, { type: 2 }]
    expect(encode(P.MultiResponseCodec, { results }).toString('hex')).toBe(
      hex(`ffffffff 00 00000000 00000000  ffffffff 00 ffffff9b ffffff9b  00000002 00 00000000  ${TERMINATOR}`).toString('hex'),
    )
  })

  it('reads results until done, taking an error code from the body as Java does', () => {
    const bytes = `00000001 00 00000000 00000002 2f61  0000000f 00 00000000 00000002 2f62 ${STAT_HEX}  0000000d 00 00000000  ffffffff 00 00000000 ffffff99  ${TERMINATOR}`
    expect(decode(P.MultiResponseCodec, bytes)).toEqual({
      results: [{ type: 1, response: { path: '/a' } }, { type: 15, response: { path: '/b', stat } }, { type: 13 }, { type: -1, err: -103 }],
    })
  })

  it('ends at any header with done set, as Java does, whatever its type and err', () => {
    expect(decode(P.MultiResponseCodec, '00000002 01 00000000')).toEqual({ results: [] })
    expect(decode(P.MultiOperationRecordCodec, '0000000d 01 00000000')).toEqual({ ops: [] })
  })

  it('rejects an unknown op or result type at the offset of its header', () => {
    const op = protocolError(() => decode(P.MultiOperationRecordCodec, `00000002 00 ffffffff 00000001 61 ffffffff  00000003 00 ffffffff 00000001 61 00  ${TERMINATOR}`))
    expect(op.offset).toBe(18)
    expect(op.message).toMatch(/invalid op type 3 in multi request/)
    const result = protocolError(() => decode(P.MultiResponseCodec, `00000007 00 00000000 ${TERMINATOR}`))
    expect(result.offset).toBe(0)
    expect(result.message).toMatch(/invalid result type 7 in multi response/)
  })

  it('rejects a missing terminator and a bad done byte', () => {
    expect(() => decode(P.MultiResponseCodec, '00000002 00 00000000')).toThrow(ProtocolError)
    expect(() => decode(P.MultiOperationRecordCodec, '')).toThrow(ProtocolError)
    expect(() => decode(P.MultiResponseCodec, 'ffffffff 02 ffffffff')).toThrow(/boolean byte/)
  })

  it('refuses to encode an op or result type multi does not carry, before writing its header', () => {
    const w = new P.Writer()
    expect(() => P.MultiOperationRecordCodec.encode(w, { ops: [{ type: 3, request: { path: '/a' } } as unknown as P.MultiOp] })).toThrow(RangeError)
    expect(w.length).toBe(0)
    expect(() => P.MultiResponseCodec.encode(w, { results: [{ type: 3 } as unknown as P.MultiResult] })).toThrow(RangeError)
    expect(w.length).toBe(0)
  })
})

describe('vector counts are checked against the smallest possible item before allocating', () => {
  // The smallest item of each vector type: an ACL is perms + two empty strings, a string is its
  // length, a ClientInfo two null strings. A count one more than the bytes can hold must fail at
  // the count, before reading items; exactly as many smallest items must decode.
  const cases: [string, Codec<unknown>, string, number, string][] = [
    ['GetACLResponse.acl', P.GetACLResponseCodec as Codec<unknown>, '00000000 00000000 00000000', 12, STAT_HEX],
    ['GetChildrenResponse.children', P.GetChildrenResponseCodec as Codec<unknown>, '00000000', 4, ''],
    ['GetEphemeralsResponse.ephemerals', P.GetEphemeralsResponseCodec as Codec<unknown>, '00000000', 4, ''],
    ['SetWatches.dataWatches', P.SetWatchesCodec as Codec<unknown>, '00000000', 4, ''],
    ['WhoAmIResponse.clientInfo', P.WhoAmIResponseCodec as Codec<unknown>, 'ffffffff ffffffff', 8, ''],
    ['CreateRequest.acl', P.CreateRequestCodec as Codec<unknown>, '00000000 00000000 00000000', 12, ''],
  ]
  const prefixOf: Record<string, string> = {
    'CreateRequest.acl': '00000002 2f61 ffffffff',
    'SetWatches.dataWatches': '0000000000000000',
  }
  for (const [field, codec, smallest, size, suffix] of cases) {
    it(field, () => {
      const prefix = prefixOf[field] ?? ''
      const at = hex(prefix).length
      const count = (n: number) => n.toString(16).padStart(8, '0')
      const items = smallest.repeat(5)
      // 5 items' worth of bytes cannot hold 6.
      const tooMany = hex(`${prefix} ${count(6)} ${items}`)
      const err = protocolError(() => decode(codec, tooMany))
      expect(err.offset).toBe(at)
      expect(err.message).toMatch(new RegExp(`vector count 6 cannot fit in the ${5 * size} bytes left`))
      // The same bytes with the right count decode (trailing fields filled in where there are any).
      const fields: Record<string, string> = { 'CreateRequest.acl': '00000000', 'SetWatches.dataWatches': 'ffffffff ffffffff' }
      expect(() => decode(codec, hex(`${prefix} ${count(5)} ${items} ${fields[field] ?? ''} ${suffix}`))).not.toThrow()
      // A claim of 2^31-1 items in a few bytes fails the same way.
      expect(protocolError(() => decode(codec, hex(`${prefix} 7fffffff 00000000 00000000`))).message).toMatch(/vector count 2147483647 cannot fit/)
    })
  }
})
