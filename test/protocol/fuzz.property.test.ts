/**
 * Decoder fuzzing: whatever bytes arrive, every decoder returns a value or throws a
 * `ProtocolError` with a numeric offset inside the input, and never allocates more than the
 * input can justify.
 *
 * Inputs come in three kinds: arbitrary bytes (one property per decoder), and valid encodings
 * cut short or with a few bytes or int32 fields overwritten (the mutations that reach deep: bad
 * lengths, counts, booleans, op types). Each run of the second property derives one truncation
 * and one mutation from a valid encoding of the decoder's corpus, so every decoder sees RUNS
 * inputs of each kind.
 */
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ProtocolError } from '../../src/common/errors.js'
import type { Codec } from '../../src/protocol/codec.js'
import * as P from '../../src/protocol/index.js'
import * as A from './arbitraries.js'

interface Decoder {
  name: string
  decode(bytes: Buffer): unknown
  /** Valid encodings, the seeds of truncations and mutations. */
  valid: fc.Arbitrary<Buffer>
}

const fromCodec = ({ name, codec, arb }: A.CodecCase): Decoder => ({
  name,
  decode: (bytes) => codec.decode(new P.Reader(bytes)),
  valid: arb.map((v) => A.encode(codec, v)),
})

/** ReplyHeader, then the body of `op` when err is 0: what the session does with every reply. */
function replyDecoder(op: string, body: Codec<unknown> | null, bodyArb: fc.Arbitrary<unknown>): Decoder {
  return {
    name: `ReplyHeader + ${op}`,
    decode(bytes) {
      const r = new P.Reader(bytes)
      const header = P.ReplyHeaderCodec.decode(r)
      return header.err === 0 && body !== null ? [header, body.decode(r)] : [header]
    },
    valid: fc.tuple(fc.record({ xid: A.int, zxid: A.long, err: fc.constantFrom(0, 0, 0, -101) }), bodyArb).map(([h, v]) => {
      const w = new P.Writer(64)
      P.ReplyHeaderCodec.encode(w, h)
      if (h.err === 0 && body !== null) body.encode(w, v)
      return w.take()
    }),
  }
}

const arbOf = (name: string) => A.codecCases.find((c) => c.name === name)!.arb
const replies: Decoder[] = [
  replyDecoder('getData', P.GetDataResponseCodec as Codec<unknown>, A.getDataResponse),
  replyDecoder('getChildren2', P.GetChildren2ResponseCodec as Codec<unknown>, arbOf('GetChildren2Response')),
  replyDecoder('getACL', P.GetACLResponseCodec as Codec<unknown>, arbOf('GetACLResponse')),
  replyDecoder('multi', P.MultiResponseCodec as Codec<unknown>, arbOf('MultiResponse')),
  replyDecoder('notification', P.WatcherEventCodec as Codec<unknown>, arbOf('WatcherEvent')),
  replyDecoder('delete', null, fc.constant(null)),
]

const decoders: Decoder[] = [...A.codecCases.map(fromCodec), ...replies]

/** Values that make a length or count field interesting. */
const hostileInt = fc.constantFrom(-1, -2, -0x80000000, 0x7fffffff, 0x10000000, 0x100000, 256, 128, 13, 4, 1, 0)
const mutation = fc.oneof(
  fc.record({ at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ at: fc.nat(), int: hostileInt }),
)

/** The valid encoding cut at `cut` (modulo its length + 1). */
function truncate(valid: Buffer, cut: number): Buffer {
  return valid.subarray(0, cut % (valid.length + 1))
}

/** A copy of the valid encoding with a few bytes or int32 fields overwritten. */
function mutate(valid: Buffer, mutations: readonly ({ at: number; byte: number } | { at: number; int: number })[]): Buffer {
  const out = Buffer.from(valid)
  if (out.length === 0) return out
  for (const m of mutations) {
    const at = m.at % out.length
    if ('byte' in m) out[at] = m.byte
    else if (at + 4 <= out.length) out.writeInt32BE(m.int, at)
  }
  return out
}

/**
 * Valid encodings are costly to generate, so each decoder gets a corpus of them once and every
 * run picks one to cut and to mutate. ZKWIRE_FUZZ_SEED replays a corpus (failures print it).
 */
const CORPUS_SIZE = Math.min(A.RUNS, 500)
const corpusSeed = Number(process.env.ZKWIRE_FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31))
const corruption = fc.record({ pick: fc.nat(), cut: fc.nat(), mutations: fc.array(mutation, { minLength: 1, maxLength: 4 }) })

/** Mostly short inputs, where a length or count lands on the first bytes; some up to 200 bytes. */
const arbitraryBytes = A.bytesOf(fc.oneof(fc.nat({ max: 24 }), fc.nat({ max: 200 })))

/** UTF-16 units, bytes and array slots in a decoded value: none can exceed the input's bytes. */
function weight(v: unknown): number {
  if (typeof v === 'string') return v.length
  if (Buffer.isBuffer(v)) return v.length
  if (Array.isArray(v)) return v.length + v.reduce((sum: number, x) => sum + weight(x), 0)
  if (v !== null && typeof v === 'object') return Object.values(v).reduce((sum: number, x) => sum + weight(x), 0)
  return 0
}

// Every allocation the reader makes for a buffer goes through Buffer.allocUnsafe: record the
// largest one requested while a decoder runs.
const realAllocUnsafe = Buffer.allocUnsafe
let largestAllocation = 0
// Most fuzz inputs end in a ProtocolError; capturing a stack trace for each would be most of
// the cost of a run.
const stackTraceLimit = Error.stackTraceLimit
beforeAll(() => {
  Error.stackTraceLimit = 0
  Buffer.allocUnsafe = (size: number) => {
    if (size > largestAllocation) largestAllocation = size
    return realAllocUnsafe(size)
  }
})
afterAll(() => {
  Error.stackTraceLimit = stackTraceLimit
  Buffer.allocUnsafe = realAllocUnsafe
})

/** Decodes `bytes` and fails the property unless the outcome is a bounded value or a ProtocolError. */
function check(decoder: Decoder, bytes: Buffer): void {
  largestAllocation = 0
  let value: unknown
  try {
    value = decoder.decode(bytes)
  } catch (err) {
    if (!(err instanceof ProtocolError)) expect.fail(`${decoder.name} threw ${String(err)} on ${bytes.toString('hex')} (ZKWIRE_FUZZ_SEED=${corpusSeed})`)
    if (typeof err.offset !== 'number' || err.offset < 0 || err.offset > bytes.length) expect.fail(`${decoder.name}: ProtocolError offset ${err.offset} outside 0..${bytes.length}`)
    if (largestAllocation > bytes.length) expect.fail(`${decoder.name} allocated ${largestAllocation} bytes for a ${bytes.length}-byte input before failing`)
    return
  }
  if (largestAllocation > bytes.length) expect.fail(`${decoder.name} allocated ${largestAllocation} bytes for a ${bytes.length}-byte input (ZKWIRE_FUZZ_SEED=${corpusSeed})`)
  const w = weight(value)
  if (w > bytes.length) expect.fail(`${decoder.name} decoded ${w} units from ${bytes.length} bytes (ZKWIRE_FUZZ_SEED=${corpusSeed})`)
}

describe('decoders accept anything: a value or a ProtocolError', () => {
  for (const decoder of decoders) {
    describe(decoder.name, () => {
      it(`arbitrary bytes (${A.RUNS} runs)`, () => {
        fc.assert(fc.property(arbitraryBytes, (b) => check(decoder, b)), { numRuns: A.RUNS })
      })
      it(`truncations and mutations of valid encodings (${A.RUNS} runs, one of each per run)`, () => {
        const corpus = fc.sample(decoder.valid, { numRuns: CORPUS_SIZE, seed: corpusSeed })
        fc.assert(
          fc.property(corruption, ({ pick, cut, mutations }) => {
            const valid = corpus[pick % corpus.length]!
            check(decoder, truncate(valid, cut))
            check(decoder, mutate(valid, mutations))
          }),
          { numRuns: A.RUNS },
        )
      })
    })
  }
})
