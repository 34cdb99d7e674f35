import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { InvalidArgumentError } from '../../src/common/errors.js'
import { encodeToBuffer, Writer } from '../../src/protocol/index.js'
import { RUNS } from './arbitraries.js'

function bytes(write: (w: Writer) => void): string {
  const w = new Writer(8)
  write(w)
  return w.take().toString('hex')
}

describe('Writer', () => {
  it('writes int as 4 bytes big-endian, min to max', () => {
    expect(bytes((w) => w.int(0))).toBe('00000000')
    expect(bytes((w) => w.int(1))).toBe('00000001')
    expect(bytes((w) => w.int(-1))).toBe('ffffffff')
    expect(bytes((w) => w.int(0x7fffffff))).toBe('7fffffff')
    expect(bytes((w) => w.int(-0x80000000))).toBe('80000000')
    expect(bytes((w) => w.int(0x01020304))).toBe('01020304')
  })

  it('refuses an int that is not an int32, writing nothing', () => {
    for (const bad of [2 ** 31, -(2 ** 31) - 1, 1.5, Number.NaN, Infinity, '1' as unknown as number, undefined as unknown as number]) {
      const w = new Writer()
      w.int(7)
      expect(() => w.int(bad)).toThrow(RangeError)
      expect(w.length).toBe(4)
    }
  })

  it('writes long as 8 bytes big-endian, min to max and around 2^53', () => {
    const cases: [bigint, string][] = [
      [0n, '0000000000000000'],
      [-1n, 'ffffffffffffffff'],
      [2n ** 63n - 1n, '7fffffffffffffff'],
      [-(2n ** 63n), '8000000000000000'],
      [2n ** 32n, '0000000100000000'],
      [-(2n ** 32n), 'ffffffff00000000'],
      [2n ** 53n - 1n, '001fffffffffffff'],
      [2n ** 53n, '0020000000000000'],
      [-(2n ** 53n), 'ffe0000000000000'],
      [-(2n ** 53n) - 1n, 'ffdfffffffffffff'],
      [0x0102030405060708n, '0102030405060708'],
    ]
    for (const [v, hex] of cases) expect(bytes((w) => w.long(v)), String(v)).toBe(hex)
  })

  it(`writes every int64 as Buffer.writeBigInt64BE does (${RUNS} runs)`, () => {
    const w = new Writer(8)
    const expected = Buffer.alloc(8)
    fc.assert(
      fc.property(fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }), (v) => {
        expected.writeBigInt64BE(v)
        w.long(v)
        if (!w.take().equals(expected)) expect.fail(`${v} encodes differently`)
      }),
      { numRuns: RUNS },
    )
  })

  it('refuses a long outside int64 (RangeError) or not a bigint (TypeError)', () => {
    const w = new Writer()
    expect(() => w.long(2n ** 63n)).toThrow(RangeError)
    expect(() => w.long(-(2n ** 63n) - 1n)).toThrow(RangeError)
    expect(() => w.long(1 as unknown as bigint)).toThrow(TypeError)
    expect(() => w.long('1' as unknown as bigint)).toThrow(TypeError)
    expect(w.length).toBe(0)
  })

  it('writes bool as one byte 0 or 1, and byte signed', () => {
    expect(bytes((w) => w.bool(true).bool(false))).toBe('0100')
    expect(bytes((w) => w.byte(-1).byte(127).byte(-128))).toBe('ff7f80')
  })

  it('writes buffers with their length, null as -1', () => {
    expect(bytes((w) => w.buffer(null))).toBe('ffffffff')
    expect(bytes((w) => w.buffer(Buffer.alloc(0)))).toBe('00000000')
    expect(bytes((w) => w.buffer(Buffer.from([1, 2, 3])))).toBe('00000003010203')
    expect(bytes((w) => w.buffer(new Uint8Array([9])))).toBe('0000000109')
  })

  it('writes strings as UTF-8 with their byte length, null as -1', () => {
    expect(bytes((w) => w.ustring(null))).toBe('ffffffff')
    expect(bytes((w) => w.ustring(''))).toBe('00000000')
    expect(bytes((w) => w.ustring('/a'))).toBe('000000022f61')
    for (const s of ['é', '€uro', 'ключ', '節点', '😀', `${'a'.repeat(64)}é`, 'a'.repeat(65), `x${'😀'.repeat(40)}`, '\u0000\u007f\u0080\u07ff\u0800\uffff']) {
      const utf8 = Buffer.from(s, 'utf8')
      const len = Buffer.alloc(4)
      len.writeInt32BE(utf8.length)
      expect(bytes((w) => w.ustring(s)), s).toBe(Buffer.concat([len, utf8]).toString('hex'))
    }
  })

  it('refuses a string with a lone surrogate, writing nothing, rather than sending U+FFFD', () => {
    for (const bad of ['\ud800', 'a\udc00', '\udc00\ud800', `${'a'.repeat(70)}\ud83d`, '/x\ud83d/y']) {
      const w = new Writer()
      w.int(1)
      expect(() => w.ustring(bad)).toThrow(InvalidArgumentError)
      expect(w.length).toBe(4)
    }
  })

  describe('strings()', () => {
    const generic = (items: readonly string[] | null) => bytes((w) => w.vector(items, (wr, s) => wr.ustring(s)))
    const fast = (items: readonly string[] | null) => bytes((w) => w.strings(items))

    it('writes null as -1 and [] as count 0', () => {
      expect(fast(null)).toBe('ffffffff')
      expect(fast([])).toBe('00000000')
    })

    it('writes the same bytes as one ustring per item, across chunks, long items and non-ASCII', () => {
      const many = Array.from({ length: 300 }, (_, i) => `/node-${i}`)
      const cases: string[][] = [
        ['a', '', 'bc'],
        many,
        [...many.slice(0, 50), 'x'.repeat(127), 'y'.repeat(128), ...many.slice(50, 100), 'é', ...many.slice(100)],
        ['é', '😀', 'ascii'],
        ['x'.repeat(5000), 'short'],
      ]
      for (const items of cases) expect(fast(items)).toBe(generic(items))
    })

    it(`agrees with the generic path on any list, lone surrogates included (${RUNS} runs)`, () => {
      const item = fc.oneof(
        fc.string({ unit: 'binary-ascii', maxLength: 20 }),
        fc.string({ unit: 'binary-ascii', minLength: 120, maxLength: 140 }),
        fc.string({ unit: 'binary', maxLength: 10 }),
        fc.string({ unit: fc.constantFrom('a', '\ud800', '\udc00'), maxLength: 4 }),
      )
      fc.assert(
        fc.property(fc.array(item, { maxLength: 80 }), (items) => {
          const outcome = (f: () => string) => {
            try {
              return f()
            } catch (err) {
              return (err as Error).constructor.name
            }
          }
          expect(outcome(() => fast(items))).toBe(outcome(() => generic(items)))
        }),
        { numRuns: Math.ceil(RUNS / 5) },
      )
    })

    it('refuses an item that is not a string', () => {
      expect(() => fast(['a', 1 as unknown as string])).toThrow(TypeError)
    })
  })

  it('grows from any initial capacity, even 0', () => {
    for (const capacity of [0, 1, 7, 4096]) {
      const w = new Writer(capacity)
      const data = Buffer.alloc(10_000, 0xab)
      w.int(1).buffer(data).long(-1n).ustring('z'.repeat(3000))
      const out = w.take()
      expect(out.length).toBe(4 + 4 + 10_000 + 8 + 4 + 3000)
      expect(out.subarray(8, 8 + 10_000).equals(data)).toBe(true)
      expect(out.readBigInt64BE(10_008)).toBe(-1n)
    }
  })

  it('fills in frame lengths, and truncate() undoes a frame', () => {
    const w = new Writer(4)
    const f1 = w.beginFrame()
    w.int(1).int(2)
    expect(w.endFrame(f1)).toBe(8)
    const f2 = w.beginFrame()
    w.ustring('abc')
    w.truncate(f2)
    const f3 = w.beginFrame()
    expect(w.endFrame(f3)).toBe(0)
    expect(w.take().toString('hex')).toBe('00000008000000010000000200000000')
    expect(w.length).toBe(0)
    expect(() => w.truncate(1)).toThrow(RangeError)
  })

  it('take() copies and resets; view() does not copy; reset() forgets', () => {
    const w = new Writer()
    w.int(5)
    const view = w.view()
    const taken = w.take()
    expect(taken.toString('hex')).toBe('00000005')
    expect(view.toString('hex')).toBe('00000005')
    w.int(6)
    expect(taken.toString('hex')).toBe('00000005')
    w.reset()
    expect(w.length).toBe(0)
    expect(encodeToBuffer((wr: Writer, v: number) => wr.int(v), 3).toString('hex')).toBe('00000003')
  })
})
