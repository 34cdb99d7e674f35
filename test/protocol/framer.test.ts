import { afterEach, describe, expect, it, vi } from 'vitest'
import { ProtocolError } from '../../src/common/errors.js'
import { DEFAULT_MAX_PACKET_LENGTH, FrameDecoder } from '../../src/protocol/index.js'

function frame(payload: Buffer | string): Buffer {
  const body = typeof payload === 'string' ? Buffer.from(payload) : payload
  const out = Buffer.alloc(4 + body.length)
  out.writeInt32BE(body.length, 0)
  body.copy(out, 4)
  return out
}

/** Feeds the chunks in order and returns the payloads as strings. */
function feed(decoder: FrameDecoder, ...chunks: Buffer[]): string[] {
  const out: string[] = []
  for (const chunk of chunks) decoder.push(chunk, (p) => out.push(p.toString()))
  return out
}

function thrown(fn: () => unknown): unknown {
  try {
    fn()
  } catch (err) {
    return err
  }
  return expect.fail('expected a throw')
}

afterEach(() => {
  vi.restoreAllMocks()
})

describe('FrameDecoder', () => {
  it('returns each whole frame of a chunk, in order', () => {
    const d = new FrameDecoder()
    expect(feed(d, Buffer.concat([frame('one'), frame('two'), frame('three')]))).toEqual(['one', 'two', 'three'])
    expect(d.idle).toBe(true)
  })

  it('assembles a frame split anywhere, including inside the length prefix', () => {
    const bytes = Buffer.concat([frame('hello'), frame('world!')])
    for (let cut = 0; cut <= bytes.length; cut++) {
      const d = new FrameDecoder()
      expect(feed(d, bytes.subarray(0, cut), bytes.subarray(cut))).toEqual(['hello', 'world!'])
      expect(d.idle).toBe(true)
    }
  })

  it('works one byte at a time', () => {
    const bytes = Buffer.concat([frame('a'), frame(''), frame('bcdefgh'), frame('')])
    const d = new FrameDecoder()
    const out: string[] = []
    for (const byte of bytes) {
      out.push(...feed(d, Buffer.of(byte)))
    }
    expect(out).toEqual(['a', '', 'bcdefgh', ''])
    expect(d.idle).toBe(true)
  })

  it('delivers zero-length frames', () => {
    const d = new FrameDecoder()
    expect(feed(d, Buffer.concat([frame(''), frame(''), frame('x'), frame('')]))).toEqual(['', '', 'x', ''])
  })

  it('ignores empty chunks, mid-frame or not', () => {
    const d = new FrameDecoder()
    const f = frame('abc')
    expect(feed(d, Buffer.alloc(0), f.subarray(0, 2), Buffer.alloc(0), f.subarray(2, 5), Buffer.alloc(0), f.subarray(5))).toEqual(['abc'])
  })

  it('is idle only between frames', () => {
    const d = new FrameDecoder()
    expect(d.idle).toBe(true)
    const f = frame('abcdef')
    feed(d, f.subarray(0, 2))
    expect(d.idle).toBe(false)
    feed(d, f.subarray(2, 7))
    expect(d.idle).toBe(false)
    feed(d, f.subarray(7))
    expect(d.idle).toBe(true)
  })

  it('reset() drops a half-received frame', () => {
    const d = new FrameDecoder()
    feed(d, frame('abcdef').subarray(0, 6))
    d.reset()
    expect(d.idle).toBe(true)
    expect(feed(d, frame('new'))).toEqual(['new'])
  })

  it('hands out views of a chunk for frames that lie inside it', () => {
    const d = new FrameDecoder()
    const chunk = frame('abc')
    let payload: Buffer | undefined
    d.push(chunk, (p) => {
      payload = p
    })
    expect(payload!.buffer).toBe(chunk.buffer)
  })

  it('accepts a frame of exactly the maximum length', () => {
    const d = new FrameDecoder(8)
    expect(feed(d, frame('12345678'))).toEqual(['12345678'])
  })

  it('defaults the maximum to jute.maxbuffer', () => {
    expect(new FrameDecoder().maxPacketLength).toBe(DEFAULT_MAX_PACKET_LENGTH)
    expect(DEFAULT_MAX_PACKET_LENGTH).toBe(0xfffff)
  })

  describe('rejects a bad length before allocating for it', () => {
    const header = (n: number) => {
      const b = Buffer.alloc(4)
      b.writeInt32BE(n)
      return b
    }
    const cases: [string, number, number][] = [
      ['negative', -1, 100],
      ['most negative', -0x80000000, 100],
      ['one over the maximum', 101, 100],
      ['2^31-1', 0x7fffffff, DEFAULT_MAX_PACKET_LENGTH],
    ]
    for (const [what, length, max] of cases) {
      for (const split of [0, 1, 2, 3, 4]) {
        it(`${what} (${length}), prefix split after ${split} bytes`, () => {
          const d = new FrameDecoder(max)
          // A whole frame first, so the error offset is not simply 0.
          const bytes = Buffer.concat([frame('ok'), header(length), Buffer.from('tail')])
          const cut = 6 + split
          const alloc = vi.spyOn(Buffer, 'allocUnsafe')
          const out: string[] = []
          const err = thrown(() => {
            d.push(bytes.subarray(0, cut), (p) => out.push(p.toString()))
            d.push(bytes.subarray(cut), (p) => out.push(p.toString()))
          })
          expect(err).toBeInstanceOf(ProtocolError)
          expect((err as ProtocolError).offset).toBe(6)
          expect((err as ProtocolError).message).toContain(String(length))
          expect(out).toEqual(['ok'])
          // At most the 4-byte buffer that holds a split length prefix.
          for (const [size] of alloc.mock.calls) expect(size).toBeLessThanOrEqual(4)
        })
      }
    }
  })

  it('checks the maximum it was given', () => {
    const d = new FrameDecoder(3)
    expect(feed(d, frame('abc'))).toEqual(['abc'])
    expect(() => feed(d, frame('abcd'))).toThrow(ProtocolError)
  })
})
