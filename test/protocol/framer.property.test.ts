/**
 * Framing is independent of chunking: any sequence of frames, cut at any chunk boundaries, comes
 * out as the same payloads in the same order; a bad length fails the same way however it is cut.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { ProtocolError } from '../../src/common/errors.js'
import { FrameDecoder } from '../../src/protocol/index.js'
import { bytesOf, RUNS } from './arbitraries.js'

const MAX = 300

/** Mostly small payloads, empty ones included, and a few near the maximum. */
const payload = bytesOf(fc.oneof({ weight: 6, arbitrary: fc.nat({ max: 12 }) }, { weight: 1, arbitrary: fc.integer({ min: MAX - 20, max: MAX }) }))

function frames(payloads: readonly Buffer[]): Buffer {
  return Buffer.concat(
    payloads.flatMap((p) => {
      const header = Buffer.alloc(4)
      header.writeInt32BE(p.length)
      return [header, p]
    }),
  )
}

/** The stream cut at the given positions (taken modulo its length, in any order, repeats allowed). */
function chunk(stream: Buffer, cuts: readonly number[]): Buffer[] {
  const points = [...new Set(cuts.map((c) => c % (stream.length + 1)))].sort((a, b) => a - b)
  const out: Buffer[] = []
  let from = 0
  for (const p of [...points, stream.length]) {
    out.push(stream.subarray(from, p))
    from = p
  }
  return out
}

describe('FrameDecoder under arbitrary chunking', () => {
  it(`yields the same frames however the stream is cut (${RUNS} runs)`, () => {
    fc.assert(
      fc.property(fc.array(payload, { maxLength: 12 }), fc.array(fc.nat(), { maxLength: 40 }), (payloads, cuts) => {
        const d = new FrameDecoder(MAX)
        const out: Buffer[] = []
        // Copy each payload out: a caller may keep views, but the test checks bytes, not buffers.
        for (const c of chunk(frames(payloads), cuts)) d.push(c, (p) => out.push(Buffer.from(p)))
        expect(out).toHaveLength(payloads.length)
        out.forEach((p, i) => {
          if (!p.equals(payloads[i]!)) expect.fail(`frame ${i} differs`)
        })
        expect(d.idle).toBe(true)
      }),
      { numRuns: RUNS },
    )
  })

  it(`is idle exactly when the bytes fed end on a frame boundary (${RUNS} runs)`, () => {
    fc.assert(
      fc.property(fc.array(payload, { minLength: 1, maxLength: 6 }), fc.nat(), (payloads, at) => {
        const stream = frames(payloads)
        const end = at % (stream.length + 1)
        const boundaries = new Set([0])
        let pos = 0
        for (const p of payloads) boundaries.add((pos += 4 + p.length))
        const d = new FrameDecoder(MAX)
        d.push(stream.subarray(0, end), () => {})
        expect(d.idle).toBe(boundaries.has(end))
      }),
      { numRuns: RUNS },
    )
  })

  it(`rejects a bad length at its stream offset, after the frames before it, however cut (${RUNS} runs)`, () => {
    const badLength = fc.oneof(fc.integer({ min: -(2 ** 31), max: -1 }), fc.integer({ min: MAX + 1, max: 2 ** 31 - 1 }))
    fc.assert(
      fc.property(fc.array(payload, { maxLength: 6 }), badLength, fc.array(fc.nat(), { maxLength: 20 }), (payloads, length, cuts) => {
        const good = frames(payloads)
        const bad = Buffer.alloc(8)
        bad.writeInt32BE(length)
        const d = new FrameDecoder(MAX)
        let delivered = 0
        let error: unknown
        try {
          for (const c of chunk(Buffer.concat([good, bad]), cuts)) d.push(c, () => delivered++)
        } catch (err) {
          error = err
        }
        expect(error).toBeInstanceOf(ProtocolError)
        expect((error as ProtocolError).offset).toBe(good.length)
        expect(delivered).toBe(payloads.length)
      }),
      { numRuns: RUNS },
    )
  })
})
