/**
 * Every codec round-trips every value of its type: decode(encode(v)) equals v, consumes exactly
 * the bytes written, and encoding the decoded value gives the same bytes again.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { Reader } from '../../src/protocol/index.js'
import { codecCases, encode, plain, RUNS, same } from './arbitraries.js'

describe('encode → decode round trip', () => {
  for (const { name, codec, arb } of codecCases) {
    it(`${name} (${RUNS} runs)`, () => {
      fc.assert(
        fc.property(arb, (value) => {
          const bytes = encode(codec, value)
          const r = new Reader(bytes)
          const decoded = codec.decode(r)
          // `expect` only on failure, for its diff: it costs more than the codec itself.
          if (!same(decoded, value)) expect(plain(decoded)).toStrictEqual(plain(value))
          if (r.remaining !== 0) expect.fail(`${r.remaining} bytes left after decoding`)
          if (!encode(codec, decoded).equals(bytes)) expect.fail('re-encoding the decoded value gives different bytes')
        }),
        { numRuns: RUNS },
      )
    })
  }
})
