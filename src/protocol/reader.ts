/**
 * Jute binary input: a bounds-checked cursor over one frame.
 *
 * Every read checks the bytes that remain before touching or allocating anything, so no input,
 * however hostile, can make the decoder read out of bounds, allocate more than the frame holds,
 * or throw anything but a {@link ProtocolError} that names the offset.
 */
import { ProtocolError } from '../common/errors.js'

const NULL_LENGTH = -1

/**
 * Bytes of ASCII items that {@link Reader.strings} turns into one JS string before slicing out
 * the items. Items of 13 characters or more are V8 slices that keep their chunk alive, so chunks
 * stay small: a retained name pins at most this many bytes, or only itself if it is larger.
 */
const STRING_CHUNK_BYTES = 1024

/** Buffers up to this size are copied byte by byte, which beats `Buffer.copy` for small sizes. */
const SMALL_COPY = 48

/** 2^32, to combine the halves of a long. */
const TWO_32 = 4294967296

/** A long whose high word lies in this range converts through a double without loss (|v| < 2^53). */
const SAFE_HIGH_WORD = 0x200000

/** Reads Jute primitives from `buf[start, end)`. */
export class Reader {
  private pos: number

  /**
   * @param buf the bytes to read; they are not copied, so they must not change while reading.
   * @param start first byte to read.
   * @param end one past the last byte that may be read.
   */
  constructor(
    private buf: Buffer,
    private start = 0,
    private end = buf.length,
  ) {
    if (start < 0 || end > buf.length || start > end) throw new RangeError(`bad reader bounds [${start}, ${end}) over ${buf.length} bytes`)
    this.pos = start
  }

  /** Points this reader at another frame, so a hot loop can reuse one reader for every frame. */
  reset(buf: Buffer, start = 0, end = buf.length): this {
    if (start < 0 || end > buf.length || start > end) throw new RangeError(`bad reader bounds [${start}, ${end}) over ${buf.length} bytes`)
    this.buf = buf
    this.start = start
    this.end = end
    this.pos = start
    return this
  }

  /** Offset of the next byte to read, relative to the start of the frame. */
  get offset(): number {
    return this.pos - this.start
  }

  /** Bytes left to read. */
  get remaining(): number {
    return this.end - this.pos
  }

  /** Throws a {@link ProtocolError} at the current offset. */
  fail(message: string): never {
    throw new ProtocolError(message, this.offset)
  }

  private need(n: number, what: string): void {
    if (this.end - this.pos < n) this.fail(`truncated ${what}: needs ${n} bytes, ${this.end - this.pos} left`)
  }

  /** Reads a Jute `int`. */
  int(): number {
    const p = this.pos
    if (this.end - p < 4) this.need(4, 'int')
    const b = this.buf
    this.pos = p + 4
    return (b[p]! << 24) | (b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!
  }

  /** Reads 4 bytes as an unsigned 32-bit number (the low word of a long read in halves). */
  uint(): number {
    const p = this.pos
    if (this.end - p < 4) this.need(4, 'int')
    const b = this.buf
    this.pos = p + 4
    return b[p]! * 0x1000000 + ((b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!)
  }

  /** Reads a Jute `long` as a `bigint`. */
  long(): bigint {
    const p = this.pos
    if (this.end - p < 8) this.need(8, 'long')
    const b = this.buf
    this.pos = p + 8
    const hi = (b[p]! << 24) | (b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!
    const lo = b[p + 4]! * 0x1000000 + ((b[p + 5]! << 16) | (b[p + 6]! << 8) | b[p + 7]!)
    // zxids, times and most session ids fit in 53 bits: one conversion instead of four BigInt ops.
    if (hi >= -SAFE_HIGH_WORD && hi < SAFE_HIGH_WORD) return BigInt(hi * TWO_32 + lo)
    return (BigInt(hi) << 32n) + BigInt(lo)
  }

  /** Reads a Jute `boolean`; any byte other than 0 and 1 is a protocol error. */
  bool(): boolean {
    this.need(1, 'boolean')
    const b = this.buf[this.pos]!
    if (b > 1) this.fail(`boolean byte must be 0 or 1, got ${b}`)
    this.pos += 1
    return b === 1
  }

  /** Reads a Jute `byte` (signed). */
  byte(): number {
    this.need(1, 'byte')
    const v = this.buf.readInt8(this.pos)
    this.pos += 1
    return v
  }

  /** Reads a length prefix: -1 means null, any other negative value or one past the end is an error. */
  private length(what: string): number {
    const at = this.pos
    const n = this.int()
    if (n === NULL_LENGTH) return n
    if (n < 0) throw new ProtocolError(`negative ${what} length ${n}`, at - this.start)
    if (n > this.end - this.pos) throw new ProtocolError(`${what} length ${n} exceeds the ${this.end - this.pos} bytes left`, at - this.start)
    return n
  }

  /** Reads a Jute `buffer` (a copy, so it never pins the network chunk); length -1 reads as `null`. */
  buffer(): Buffer | null {
    const n = this.length('buffer')
    if (n === NULL_LENGTH) return null
    const out = Buffer.allocUnsafe(n)
    const p = this.pos
    if (n <= SMALL_COPY) {
      const b = this.buf
      for (let i = 0; i < n; i++) out[i] = b[p + i]!
    } else {
      this.buf.copy(out, 0, p, p + n)
    }
    this.pos = p + n
    return out
  }

  /**
   * Reads a Jute `ustring` as UTF-8; length -1 reads as `null`. Supplementary characters written
   * by a Java server as CESU-8 (see {@link decodeUtf8}) read back as the original characters.
   */
  ustring(): string | null {
    const n = this.length('ustring')
    if (n === NULL_LENGTH) return null
    const s = decodeUtf8(this.buf, this.pos, this.pos + n)
    this.pos += n
    return s
  }

  /** Reads a `ustring` that the protocol requires to be present. */
  string(): string {
    const at = this.offset
    const s = this.ustring()
    if (s === null) throw new ProtocolError('unexpected null string', at)
    return s
  }

  /**
   * Reads a Jute `vector<T>`; count -1 reads as `null`.
   * @param minItemSize the fewest bytes one item can take, used to reject a count the remaining
   *   bytes cannot hold before allocating anything.
   */
  vector<T>(readItem: (r: Reader) => T, minItemSize: number): T[] | null {
    // A size of 0 would let a count of 2^31 through to the allocation below.
    if (!(minItemSize >= 1)) throw new RangeError(`minItemSize must be at least 1, got ${minItemSize}`)
    const at = this.pos
    const n = this.int()
    if (n === NULL_LENGTH) return null
    if (n < 0) throw new ProtocolError(`negative vector count ${n}`, at - this.start)
    if (n * minItemSize > this.end - this.pos) throw new ProtocolError(`vector count ${n} cannot fit in the ${this.end - this.pos} bytes left`, at - this.start)
    const items = new Array<T>(n)
    for (let i = 0; i < n; i++) items[i] = readItem(this)
    return items
  }

  /**
   * Reads a `vector<ustring>` whose items must not be null; a null vector reads as `[]`.
   * Same result and same errors as `list(r => r.string(), 4)`, but runs of short ASCII items are
   * decoded with one string conversion per chunk instead of one per item.
   */
  strings(): string[] {
    const at = this.pos
    const n = this.int()
    if (n === NULL_LENGTH) return []
    if (n < 0) throw new ProtocolError(`negative vector count ${n}`, at - this.start)
    if (n * 4 > this.end - this.pos) throw new ProtocolError(`vector count ${n} cannot fit in the ${this.end - this.pos} bytes left`, at - this.start)
    const items = new Array<string>(n)
    const b = this.buf
    const end = this.end
    let i = 0
    while (i < n) {
      // Walk the lengths of the next items that are valid and fit in a chunk (or one large item).
      const from = this.pos
      let p = from
      let j = i
      while (j < n && end - p >= 4) {
        const len = (b[p]! << 24) | (b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!
        if (len < 0 || len > end - p - 4) break
        if (j > i && p + 4 + len - from > STRING_CHUNK_BYTES) break
        p += 4 + len
        j++
      }
      if (j === i) {
        // The next item is invalid: the general path throws the same error it always would.
        items[i++] = this.string()
        continue
      }
      // One character per byte and no replacement character means every byte, length prefixes
      // included, is ASCII: the item offsets carry over to the chunk string unchanged.
      const chunk = utf8Slice(b, from, p)
      if (chunk.length !== p - from || chunk.includes(REPLACEMENT)) {
        for (; i < j; i++) items[i] = this.string()
        continue
      }
      let q = from
      for (; i < j; i++) {
        const len = (b[q]! << 24) | (b[q + 1]! << 16) | (b[q + 2]! << 8) | b[q + 3]!
        q += 4
        items[i] = chunk.substring(q - from, q - from + len)
        q += len
      }
      this.pos = p
    }
    return items
  }

  /** Reads a vector the protocol requires to be present (null reads as an empty list). */
  list<T>(readItem: (r: Reader) => T, minItemSize: number): T[] {
    return this.vector(readItem, minItemSize) ?? []
  }

  /** Skips `n` bytes. */
  skip(n: number): void {
    if (!(n >= 0)) throw new RangeError(`cannot skip ${n} bytes`)
    this.need(n, 'skip')
    this.pos += n
  }

  /** Fails unless every byte has been read (used where trailing garbage means a broken frame). */
  expectEnd(what: string): void {
    if (this.pos !== this.end) this.fail(`${this.end - this.pos} unexpected trailing bytes after ${what}`)
  }
}

type SliceFunction = (this: Buffer, start: number, end: number) => string
const nativeUtf8Slice = (Buffer.prototype as unknown as { utf8Slice?: SliceFunction }).utf8Slice

/**
 * `buf.toString('utf8', start, end)` without its argument normalisation, which the reader's own
 * bounds checks make redundant: `Buffer.prototype.utf8Slice` is what `toString` ends up calling.
 * It is undocumented, so runtimes without it get `toString`.
 */
const utf8Slice: (buf: Buffer, start: number, end: number) => string =
  typeof nativeUtf8Slice === 'function' ? (buf, start, end) => nativeUtf8Slice.call(buf, start, end) : (buf, start, end) => buf.toString('utf8', start, end)

/** The replacement character, which a UTF-8 decoder emits for every malformed sequence. */
const REPLACEMENT = '\uFFFD'

/**
 * Decodes UTF-8 from `buf[start, end)`, also accepting CESU-8 surrogate pairs.
 *
 * Java's `BinaryOutputArchive.writeString` encodes each UTF-16 code unit on its own, so a
 * supplementary character stored on the server comes back as two 3-byte sequences
 * (`ED A0-AF xx ED B0-BF xx`), which standard UTF-8 rejects. They are rare, and only strings
 * that decode with a replacement character are looked at again. An unpaired surrogate sequence
 * still decodes as replacement characters, so the result is always well-formed UTF-16.
 */
export function decodeUtf8(buf: Buffer, start: number, end: number): string {
  const s = utf8Slice(buf, start, end)
  if (!s.includes(REPLACEMENT)) return s
  let out = ''
  let from = start
  for (let i = start; i + 6 <= end; ) {
    if (buf[i] === 0xed && (buf[i + 1]! & 0xf0) === 0xa0 && (buf[i + 2]! & 0xc0) === 0x80 && buf[i + 3] === 0xed && (buf[i + 4]! & 0xf0) === 0xb0 && (buf[i + 5]! & 0xc0) === 0x80) {
      const high = 0xd000 | ((buf[i + 1]! & 0x3f) << 6) | (buf[i + 2]! & 0x3f)
      const low = 0xd000 | ((buf[i + 4]! & 0x3f) << 6) | (buf[i + 5]! & 0x3f)
      out += buf.toString('utf8', from, i) + String.fromCharCode(high, low)
      i += 6
      from = i
    } else {
      i++
    }
  }
  return from === start ? s : out + buf.toString('utf8', from, end)
}
