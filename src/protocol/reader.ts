/**
 * Jute binary input: a bounds-checked cursor over one frame.
 *
 * Every read checks the bytes that remain before touching or allocating anything, so no input,
 * however hostile, can make the decoder read out of bounds, allocate more than the frame holds,
 * or throw anything but a {@link ProtocolError} that names the offset.
 */
import { ProtocolError } from '../errors.js'

const NULL_LENGTH = -1

/** Reads Jute primitives from `buf[start, end)`. */
export class Reader {
  private pos: number

  /**
   * @param buf the bytes to read; they are not copied, so they must not change while reading.
   * @param start first byte to read.
   * @param end one past the last byte that may be read.
   */
  constructor(
    private readonly buf: Buffer,
    private readonly start = 0,
    private readonly end = buf.length,
  ) {
    if (start < 0 || end > buf.length || start > end) throw new RangeError(`bad reader bounds [${start}, ${end}) over ${buf.length} bytes`)
    this.pos = start
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
    this.need(4, 'int')
    const v = this.buf.readInt32BE(this.pos)
    this.pos += 4
    return v
  }

  /** Reads a Jute `long` as a `bigint`. */
  long(): bigint {
    this.need(8, 'long')
    const v = this.buf.readBigInt64BE(this.pos)
    this.pos += 8
    return v
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
    this.buf.copy(out, 0, this.pos, this.pos + n)
    this.pos += n
    return out
  }

  /** Reads a Jute `ustring` as UTF-8; length -1 reads as `null`. */
  ustring(): string | null {
    const n = this.length('ustring')
    if (n === NULL_LENGTH) return null
    const s = this.buf.toString('utf8', this.pos, this.pos + n)
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
    const at = this.pos
    const n = this.int()
    if (n === NULL_LENGTH) return null
    if (n < 0) throw new ProtocolError(`negative vector count ${n}`, at - this.start)
    if (n * minItemSize > this.end - this.pos) throw new ProtocolError(`vector count ${n} cannot fit in the ${this.end - this.pos} bytes left`, at - this.start)
    const items = new Array<T>(n)
    for (let i = 0; i < n; i++) items[i] = readItem(this)
    return items
  }

  /** Reads a vector the protocol requires to be present (null reads as an empty list). */
  list<T>(readItem: (r: Reader) => T, minItemSize: number): T[] {
    return this.vector(readItem, minItemSize) ?? []
  }

  /** Skips `n` bytes. */
  skip(n: number): void {
    this.need(n, 'skip')
    this.pos += n
  }

  /** Fails unless every byte has been read (used where trailing garbage means a broken frame). */
  expectEnd(what: string): void {
    if (this.pos !== this.end) this.fail(`${this.end - this.pos} unexpected trailing bytes after ${what}`)
  }
}
