/**
 * Jute binary output: a growable buffer with a write cursor.
 *
 * One writer can serialize many frames back to back (the session batches every request of a tick
 * into one socket write), so it grows geometrically and is reset rather than reallocated.
 */

const INITIAL_CAPACITY = 4096

/** The Jute length value that stands for a null buffer, string or vector. */
const NULL_LENGTH = -1

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
  private pos = 0

  /** @param capacity initial size in bytes; the writer grows as needed. */
  constructor(capacity = INITIAL_CAPACITY) {
    this.buf = Buffer.allocUnsafe(capacity)
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
  }

  /** Writes a Jute `int`: 4 bytes, big-endian two's complement. */
  int(v: number): this {
    this.ensure(4)
    this.buf.writeInt32BE(v, this.pos)
    this.pos += 4
    return this
  }

  /** Writes a Jute `long`: 8 bytes, big-endian two's complement. */
  long(v: bigint): this {
    this.ensure(8)
    this.buf.writeBigInt64BE(v, this.pos)
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
   * Callers validate strings that must not hold lone surrogates (see `assertWellFormed`).
   */
  ustring(v: string | null): this {
    if (v === null) return this.int(NULL_LENGTH)
    // A UTF-8 encoding takes at most 3 bytes per UTF-16 code unit, so this bound avoids
    // measuring the string twice.
    this.ensure(4 + v.length * 3)
    const written = this.buf.write(v, this.pos + 4, 'utf8')
    this.buf.writeInt32BE(written, this.pos)
    this.pos += 4 + written
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
    this.buf.writeInt32BE(bodyLength, start)
    return bodyLength
  }

  /** Drops everything written after `position`, e.g. to undo a frame that turned out too large. */
  truncate(position: number): void {
    if (position < 0 || position > this.pos) throw new RangeError(`cannot truncate to ${position}`)
    this.pos = position
  }

  /** Returns a copy of the bytes written so far and resets the writer for reuse. */
  take(): Buffer {
    const out = Buffer.allocUnsafe(this.pos)
    this.buf.copy(out, 0, 0, this.pos)
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
