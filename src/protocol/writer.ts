/**
 * Jute binary output: a growable buffer with a write cursor.
 *
 * One writer can serialize many frames back to back (the session batches every request of a tick
 * into one socket write), so it grows geometrically and is reset rather than reallocated.
 */

import { InvalidArgumentError } from '../common/errors.js'

const INITIAL_CAPACITY = 4096

/** The Jute length value that stands for a null buffer, string or vector. */
const NULL_LENGTH = -1

const INT64_MIN = -(2n ** 63n)
const INT64_MAX = 2n ** 63n - 1n

/** Frames up to this size are copied out byte by byte, which beats `Buffer.copy` for small sizes. */
const SMALL_COPY = 48

/** Strings up to this many UTF-16 units are tried as ASCII in JS; longer ones go to the UTF-8 encoder. */
const ASCII_LOOP_MAX = 64

/** Characters of short ASCII items (length prefixes included) that {@link Writer.strings} writes in one go. */
const STRING_CHUNK_CHARS = 1024

/** The 4-byte big-endian length prefix of every length below 128, as four ASCII characters. */
const SHORT_LENGTH_PREFIX: readonly string[] = Array.from({ length: 128 }, (_, n) => String.fromCharCode(0, 0, 0, n))

/** `String.prototype.isWellFormed` (ES2024; in Node since 20), which this project's lib target lacks. */
const isWellFormed = (s: string): boolean => (s as unknown as { isWellFormed(): boolean }).isWellFormed()

/**
 * Serializes Jute primitives in big-endian order into an internal, growable `Buffer`.
 *
 * @example
 * ```ts
 * const w = new Writer()
 * const frame = w.beginFrame()
 * w.int(xid); w.int(OpCode.getData); w.ustring('/a'); w.bool(false)
 * w.endFrame(frame)
 * socket.write(w.take())
 * ```
 */
export class Writer {
  private buf: Buffer
  /** The same bytes as `buf`: V8 compiles `setBigInt64` inline, far cheaper than BigInt arithmetic. */
  private dataView: DataView
  private pos = 0

  /** @param capacity initial size in bytes; the writer grows as needed. */
  constructor(capacity = INITIAL_CAPACITY) {
    this.buf = Buffer.allocUnsafe(Math.max(capacity, 16))
    this.dataView = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.length)
  }

  /** Number of bytes written since construction or the last {@link take}/{@link reset}. */
  get length(): number {
    return this.pos
  }

  /** Makes room for `n` more bytes. */
  private ensure(n: number): void {
    const needed = this.pos + n
    if (needed <= this.buf.length) return
    let size = this.buf.length * 2
    while (size < needed) size *= 2
    const next = Buffer.allocUnsafe(size)
    this.buf.copy(next, 0, 0, this.pos)
    this.buf = next
    this.dataView = new DataView(next.buffer, next.byteOffset, next.length)
  }

  /**
   * Writes a Jute `int`: 4 bytes, big-endian two's complement.
   * @throws RangeError unless `v` is an integer in the int32 range (NaN and fractions included).
   */
  int(v: number): this {
    if ((v | 0) !== v) throw new RangeError(`Jute int must be an integer from -2^31 to 2^31-1, got ${v}`)
    this.ensure(4)
    const b = this.buf
    const p = this.pos
    b[p] = v >>> 24
    b[p + 1] = v >>> 16
    b[p + 2] = v >>> 8
    b[p + 3] = v
    this.pos = p + 4
    return this
  }

  /**
   * Writes a Jute `long`: 8 bytes, big-endian two's complement.
   * @throws TypeError unless `v` is a bigint; RangeError if it is outside the int64 range.
   */
  long(v: bigint): this {
    if (typeof v !== 'bigint') throw new TypeError(`Jute long must be a bigint, got ${typeof v}`)
    // DataView would silently wrap an out-of-range value modulo 2^64.
    if (v < INT64_MIN || v > INT64_MAX) throw new RangeError(`Jute long must be within the int64 range, got ${v}`)
    this.ensure(8)
    this.dataView.setBigInt64(this.pos, v)
    this.pos += 8
    return this
  }

  /** Writes a Jute `boolean`: one byte, 0 or 1. */
  bool(v: boolean): this {
    this.ensure(1)
    this.buf[this.pos++] = v ? 1 : 0
    return this
  }

  /** Writes a Jute `byte`. */
  byte(v: number): this {
    this.ensure(1)
    this.buf.writeInt8(v, this.pos)
    this.pos += 1
    return this
  }

  /** Writes a Jute `buffer`: int32 length then the bytes; `null` is written as length -1. */
  buffer(v: Uint8Array | null): this {
    if (v === null) return this.int(NULL_LENGTH)
    this.ensure(4 + v.length)
    this.buf.writeInt32BE(v.length, this.pos)
    this.buf.set(v, this.pos + 4)
    this.pos += 4 + v.length
    return this
  }

  /**
   * Writes a Jute `ustring`: int32 byte length then UTF-8; `null` is written as length -1.
   * @throws InvalidArgumentError for a string with a lone surrogate, which UTF-8 cannot carry
   *   (the encoder would silently send U+FFFD instead).
   */
  ustring(v: string | null): this {
    if (v === null) return this.int(NULL_LENGTH)
    const n = v.length
    // A UTF-8 encoding takes at most 3 bytes per UTF-16 code unit, so this bound avoids
    // measuring the string twice.
    this.ensure(4 + n * 3)
    const b = this.buf
    const start = this.pos + 4
    if (n <= ASCII_LOOP_MAX) {
      // Short ASCII strings (paths, schemes) are cheaper to copy here than through the encoder.
      let i = 0
      for (; i < n; i++) {
        const c = v.charCodeAt(i)
        if (c >= 0x80) break
        b[start + i] = c
      }
      if (i === n) {
        this.pos = start + n
        b[start - 4] = n >>> 24
        b[start - 3] = n >>> 16
        b[start - 2] = n >>> 8
        b[start - 1] = n
        return this
      }
    }
    if (!isWellFormed(v)) throw new InvalidArgumentError(`string has a lone surrogate and cannot be sent as UTF-8: ${JSON.stringify(v.slice(0, 64))}`)
    const written = b.write(v, start, 'utf8')
    b.writeInt32BE(written, start - 4)
    this.pos = start + written
    return this
  }

  /**
   * Writes a `vector<ustring>`; `null` is written as count -1. Same bytes and same errors as
   * `vector(items, (w, s) => w.ustring(s))`, but runs of short ASCII items are written with one
   * conversion per chunk instead of one per item.
   */
  strings(items: readonly string[] | null): this {
    if (items === null) return this.int(NULL_LENGTH)
    const n = items.length
    this.int(n)
    let i = 0
    while (i < n) {
      const first = i
      let chunk = ''
      for (let s = items[i]; typeof s === 'string' && s.length < SHORT_LENGTH_PREFIX.length && chunk.length < STRING_CHUNK_CHARS; s = items[++i]) {
        chunk += SHORT_LENGTH_PREFIX[s.length]! + s
      }
      if (i === first) {
        // A long string, or not a string at all: the general path writes or rejects it.
        this.ustring(items[i++]!)
      } else if (Buffer.byteLength(chunk, 'utf8') === chunk.length) {
        // Every character is ASCII: the prefixes are exact and each character is one byte.
        this.ensure(chunk.length)
        this.pos += this.buf.write(chunk, this.pos, 'latin1')
      } else {
        for (let k = first; k < i; k++) this.ustring(items[k]!)
      }
    }
    return this
  }

  /** Writes a Jute `vector<T>`: int32 count then each element; `null` is written as count -1. */
  vector<T>(items: readonly T[] | null, writeItem: (w: Writer, item: T) => void): this {
    if (items === null) return this.int(NULL_LENGTH)
    this.int(items.length)
    for (const item of items) writeItem(this, item)
    return this
  }

  /** Writes raw bytes with no length prefix. */
  raw(bytes: Uint8Array): this {
    this.ensure(bytes.length)
    this.buf.set(bytes, this.pos)
    this.pos += bytes.length
    return this
  }

  /** Reserves the 4-byte length prefix of a frame and returns its position for {@link endFrame}. */
  beginFrame(): number {
    const start = this.pos
    this.ensure(4)
    this.pos += 4
    return start
  }

  /** Fills in the length prefix reserved by {@link beginFrame} with the size of what followed it. */
  endFrame(start: number): number {
    const bodyLength = this.pos - start - 4
    if (bodyLength > 0x7fffffff) throw new RangeError(`frame of ${bodyLength} bytes does not fit a Jute length`)
    const b = this.buf
    b[start] = bodyLength >>> 24
    b[start + 1] = bodyLength >>> 16
    b[start + 2] = bodyLength >>> 8
    b[start + 3] = bodyLength
    return bodyLength
  }

  /** Drops everything written after `position`, e.g. to undo a frame that turned out too large. */
  truncate(position: number): void {
    if (position < 0 || position > this.pos) throw new RangeError(`cannot truncate to ${position}`)
    this.pos = position
  }

  /** Returns a copy of the bytes written so far and resets the writer for reuse. */
  take(): Buffer {
    const n = this.pos
    const out = Buffer.allocUnsafe(n)
    if (n <= SMALL_COPY) {
      const b = this.buf
      for (let i = 0; i < n; i++) out[i] = b[i]!
    } else {
      this.buf.copy(out, 0, 0, n)
    }
    this.pos = 0
    return out
  }

  /** Returns a view of the bytes written so far, valid until the next write or reset. */
  view(): Buffer {
    return this.buf.subarray(0, this.pos)
  }

  /** Forgets everything written; keeps the allocated capacity. */
  reset(): void {
    this.pos = 0
  }
}

/** Serializes one value with a fresh writer and returns its bytes (convenient outside hot paths). */
export function encodeToBuffer<T>(encode: (w: Writer, v: T) => void, value: T): Buffer {
  const w = new Writer(256)
  encode(w, value)
  return w.take()
}
