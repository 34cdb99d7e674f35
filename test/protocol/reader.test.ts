import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { ProtocolError } from '../../src/common/errors.js'
import { decodeUtf8, Reader, Writer } from '../../src/protocol/index.js'
import { RUNS } from './arbitraries.js'

const hex = (s: string) => Buffer.from(s.replace(/\s/g, ''), 'hex')
const reader = (s: string) => new Reader(hex(s))

/** The ProtocolError `fn` throws (fails the test if it throws anything else or nothing). */
function protocolError(fn: () => unknown): ProtocolError {
  try {
    fn()
  } catch (err) {
    if (err instanceof ProtocolError) return err
    throw err
  }
  return expect.fail('expected a ProtocolError')
}

describe('Reader', () => {
  it('reads int and long, min to max', () => {
    const r = reader('00000000 ffffffff 7fffffff 80000000 0000000000000000 ffffffffffffffff 7fffffffffffffff 8000000000000000 0020000000000000 ffdfffffffffffff')
    expect([r.int(), r.int(), r.int(), r.int()]).toEqual([0, -1, 0x7fffffff, -0x80000000])
    expect([r.long(), r.long(), r.long(), r.long(), r.long(), r.long()]).toEqual([0n, -1n, 2n ** 63n - 1n, -(2n ** 63n), 2n ** 53n, -(2n ** 53n) - 1n])
    expect(r.remaining).toBe(0)
  })

  it(`reads every int64 as Buffer.readBigInt64BE does (${RUNS} runs)`, () => {
    const b = Buffer.alloc(8)
    fc.assert(
      fc.property(fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }), (v) => {
        b.writeBigInt64BE(v)
        if (new Reader(b).long() !== v) expect.fail(`${v} decodes differently`)
      }),
      { numRuns: RUNS },
    )
  })

  it('reads bool 0 and 1 and rejects any other byte, at its offset', () => {
    const r = reader('00 01 02')
    expect([r.bool(), r.bool()]).toEqual([false, true])
    const err = protocolError(() => r.bool())
    expect(err.offset).toBe(2)
    expect(err.message).toMatch(/boolean byte must be 0 or 1, got 2/)
    for (const byte of ['ff', '80', '10']) expect(() => reader(byte).bool()).toThrow(ProtocolError)
  })

  it('reads a byte as signed', () => {
    const r = reader('ff 7f 80')
    expect([r.byte(), r.byte(), r.byte()]).toEqual([-1, 127, -128])
  })

  it('reads a null buffer and string as null, and string() rejects null at its offset', () => {
    const r = reader('ffffffff ffffffff 00000000 ffffffff')
    expect(r.buffer()).toBeNull()
    expect(r.ustring()).toBeNull()
    expect(r.string()).toBe('')
    const err = protocolError(() => r.string())
    expect(err.offset).toBe(12)
    expect(err.message).toMatch(/unexpected null string/)
  })

  it('returns a copy of a buffer, not a view that pins the frame', () => {
    const frame = hex('00000003 010203 0000003c' + 'ab'.repeat(60))
    const r = new Reader(frame)
    const small = r.buffer()!
    const large = r.buffer()!
    frame.fill(0)
    expect(small.toString('hex')).toBe('010203')
    expect(large.equals(Buffer.alloc(60, 0xab))).toBe(true)
  })

  it('rejects negative lengths other than -1 at the offset of the length', () => {
    for (const len of ['fffffffe', '80000000', 'ff000000']) {
      for (const read of ['buffer', 'ustring', 'string'] as const) {
        const r = reader(`00000007 ${len} 00000000`)
        r.int()
        const err = protocolError(() => r[read]())
        expect(err.offset).toBe(4)
        expect(err.message).toMatch(/negative (buffer|ustring) length -\d+/)
      }
    }
  })

  it('rejects a length longer than what is left before allocating, at the offset of the length', () => {
    const r = reader('00000001 00000004 616263')
    r.int()
    const err = protocolError(() => r.buffer())
    expect(err.offset).toBe(4)
    expect(err.message).toMatch(/buffer length 4 exceeds the 3 bytes left/)
    expect(protocolError(() => reader('7fffffff').ustring()).message).toMatch(/ustring length 2147483647 exceeds the 0 bytes left/)
  })

  it('rejects truncated fixed-size fields at their offset', () => {
    expect(protocolError(() => reader('000000').int()).offset).toBe(0)
    const r = reader('00000001 00000000000000')
    r.int()
    const err = protocolError(() => r.long())
    expect(err.offset).toBe(4)
    expect(err.message).toMatch(/truncated long: needs 8 bytes, 7 left/)
    expect(() => reader('').bool()).toThrow(ProtocolError)
    expect(() => reader('').byte()).toThrow(ProtocolError)
  })

  it('decodes non-ASCII UTF-8', () => {
    for (const s of ['é', 'ключ', '節点', '😀 and 😎', '\u0000\u007f\u0080\uffff']) {
      const w = new Writer()
      w.ustring(s)
      expect(new Reader(w.take()).string()).toBe(s)
    }
  })

  it('decodes the CESU-8 a Java server writes for supplementary characters', () => {
    // Java's BinaryOutputArchive writes U+1F600 as the two surrogates, 3 bytes each.
    const cesu = hex('eda0bd edb880')
    expect(decodeUtf8(cesu, 0, cesu.length)).toBe('😀')
    const mixed = Buffer.concat([Buffer.from('a€'), cesu, Buffer.from('b'), hex('eda0bd edb880'), Buffer.from('\ufffd')])
    expect(decodeUtf8(mixed, 0, mixed.length)).toBe('a€😀b😀\ufffd')
    expect(new Reader(Buffer.concat([hex('00000006'), cesu])).string()).toBe('😀')
  })

  it('decodes malformed UTF-8 and unpaired CESU-8 surrogates as U+FFFD: always well-formed', () => {
    for (const bad of ['ff', 'c3', 'eda0bd', 'edb880', 'edb880 eda0bd', 'eda0bd 41 edb880', 'e282']) {
      const b = hex(bad)
      const s = decodeUtf8(b, 0, b.length)
      expect(s).toContain('\ufffd')
      expect((s as unknown as { isWellFormed(): boolean }).isWellFormed()).toBe(true)
    }
  })

  describe('vectors', () => {
    const item = (r: Reader) => r.int()

    it('reads count -1 as null (vector) or [] (list), and 0 as []', () => {
      expect(reader('ffffffff').vector(item, 4)).toBeNull()
      expect(reader('ffffffff').list(item, 4)).toEqual([])
      expect(reader('00000000').vector(item, 4)).toEqual([])
      expect(reader('00000002 00000001 00000002').list(item, 4)).toEqual([1, 2])
    })

    it('rejects a negative count at its offset', () => {
      const r = reader('00000000 fffffffe')
      r.int()
      const err = protocolError(() => r.vector(item, 4))
      expect(err.offset).toBe(4)
      expect(err.message).toMatch(/negative vector count -2/)
    })

    it('rejects a count the remaining bytes cannot hold before reading any item', () => {
      let calls = 0
      const counting = (r: Reader) => (calls++, r.int())
      const r = reader('00000000 00000003 00000001 00000002')
      r.int()
      const err = protocolError(() => r.vector(counting, 4))
      expect(err.offset).toBe(4)
      expect(err.message).toMatch(/vector count 3 cannot fit in the 8 bytes left/)
      expect(calls).toBe(0)
      expect(protocolError(() => reader('7fffffff 00000000 00000000 00000000').list(counting, 1)).message).toMatch(/vector count 2147483647 cannot fit/)
    })

    it('refuses a minimum item size below 1, which would disable the check', () => {
      expect(() => reader('00000000').vector(item, 0)).toThrow(RangeError)
    })
  })

  describe('strings()', () => {
    const generic = (r: Reader) => r.list((rd) => rd.string(), 4)
    /** Value, or the error's message and offset, and where the reader stopped. */
    const outcome = (bytes: Buffer, read: (r: Reader) => unknown) => {
      const r = new Reader(bytes)
      try {
        return { value: read(r), offset: r.offset }
      } catch (err) {
        return { error: err instanceof ProtocolError ? `${err.message}` : String(err) }
      }
    }
    const encodeList = (items: readonly (string | null)[]) => {
      const w = new Writer()
      w.vector(items, (wr, s) => wr.ustring(s))
      return w.take()
    }

    it('reads null as [] and rejects null items at their offset', () => {
      expect(reader('ffffffff').strings()).toEqual([])
      const err = protocolError(() => new Reader(encodeList(['ab', null, 'c'])).strings())
      expect(err.offset).toBe(10)
      expect(err.message).toMatch(/unexpected null string/)
    })

    it('reads many ASCII items across chunks, long items, and non-ASCII items', () => {
      const items = [...Array.from({ length: 500 }, (_, i) => `/some/path/${i}`), 'x'.repeat(127), 'y'.repeat(128), 'é', '😀', 'z'.repeat(5000), '']
      expect(new Reader(encodeList(items)).strings()).toEqual(items)
    })

    it(`matches the generic path on valid and corrupted lists: same value or same error (${RUNS} runs)`, () => {
      const items = fc.array(
        fc.oneof(
          { weight: 8, arbitrary: fc.string({ unit: 'binary-ascii', maxLength: 30 }) },
          { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 8 }) },
          { weight: 1, arbitrary: fc.integer({ min: 100, max: 1100 }).map((n) => 'L'.repeat(n)) },
          { weight: 1, arbitrary: fc.constant(null) },
        ),
        { maxLength: 60 },
      )
      const corruption = fc.array(fc.record({ at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) }), { maxLength: 3 })
      fc.assert(
        fc.property(items, corruption, fc.nat(), (list, muts, cut) => {
          const full = encodeList(list)
          for (const m of muts) if (full.length > 0) full[m.at % full.length] = m.byte
          const bytes = full.subarray(0, cut % 3 === 0 ? cut % (full.length + 1) : full.length)
          expect(outcome(bytes, (r) => r.strings())).toEqual(outcome(bytes, generic))
        }),
        { numRuns: RUNS },
      )
    })
  })

  it('reads a window of a larger buffer, with offsets relative to the window', () => {
    const r = new Reader(hex('ffffffff 00000005 02'), 4, 9)
    expect(r.int()).toBe(5)
    expect(r.offset).toBe(4)
    const err = protocolError(() => r.bool())
    expect(err.offset).toBe(4)
    expect(() => new Reader(Buffer.alloc(4), 2, 5)).toThrow(RangeError)
    expect(() => new Reader(Buffer.alloc(4), 3, 2)).toThrow(RangeError)
  })

  it('skip() moves forward within bounds only; expectEnd() catches trailing bytes', () => {
    const r = reader('0102030405')
    r.skip(2)
    expect(r.offset).toBe(2)
    expect(() => r.skip(-1)).toThrow(RangeError)
    expect(() => r.skip(4)).toThrow(ProtocolError)
    expect(() => r.expectEnd('record')).toThrow(/3 unexpected trailing bytes after record/)
    r.skip(3)
    r.expectEnd('record')
  })
})
