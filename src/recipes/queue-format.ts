/**
 * The bytes of a queue item node, as Curator's `ItemSerializer` writes them: the int32 version
 * 0x00010001, then for each item the byte 0x01, an int32 length and the item's bytes, then the
 * byte 0x02. Item bytes come from a {@link QueueSerializer} (Curator's `QueueSerializer`).
 */
import { InvalidArgumentError } from '../common/errors.js'

/** Turns items into bytes and back; producers and consumers (Java ones too) must agree on it. */
export interface QueueSerializer<T> {
  /** The item's bytes. */
  serialize(item: T): Buffer
  /** The item from its bytes. */
  deserialize(bytes: Buffer): T
}

const VERSION = 0x00010001
const ITEM = 0x01
const EOF_MARK = 0x02

/** Buffers as they are. */
export const bufferSerializer: QueueSerializer<Buffer> = {
  serialize: (item) => {
    if (!Buffer.isBuffer(item)) throw new InvalidArgumentError(`queue item must be a Buffer with the default serializer, got ${typeof item}; pass a serializer (stringSerializer, jsonSerializer)`)
    return item
  },
  deserialize: (bytes) => bytes,
}

/** Strings as UTF-8 (the bytes of a Java `String.getBytes(UTF_8)` serializer). */
export const stringSerializer: QueueSerializer<string> = {
  serialize: (item) => {
    if (typeof item !== 'string') throw new InvalidArgumentError(`queue item must be a string with stringSerializer, got ${typeof item}`)
    return Buffer.from(item, 'utf8')
  },
  deserialize: (bytes) => bytes.toString('utf8'),
}

/** Values as UTF-8 JSON. */
export function jsonSerializer<T>(): QueueSerializer<T> {
  return {
    serialize: (item) => Buffer.from(JSON.stringify(item), 'utf8'),
    deserialize: (bytes) => JSON.parse(bytes.toString('utf8')) as T,
  }
}

/** The node data for `items` (already serialized). */
export function encodeQueueItems(items: readonly Buffer[]): Buffer {
  const size = 4 + items.reduce((n, b) => n + 5 + b.length, 0) + 1
  const out = Buffer.alloc(size)
  let at = out.writeInt32BE(VERSION, 0)
  for (const b of items) {
    at = out.writeUInt8(ITEM, at)
    at = out.writeInt32BE(b.length, at)
    at += b.copy(out, at)
  }
  out.writeUInt8(EOF_MARK, at)
  return out
}

/** The serialized items of a node's data; throws InvalidArgumentError on anything else (lengths are checked before use). */
export function decodeQueueItems(data: Buffer): Buffer[] {
  const bad = (why: string, at: number): never => {
    throw new InvalidArgumentError(`not a Curator queue item (${why} at byte ${at} of ${data.length})`)
  }
  if (data.length < 5) bad('too short', 0)
  if (data.readInt32BE(0) !== VERSION) bad(`version 0x${data.readUInt32BE(0).toString(16)} instead of 0x00010001`, 0)
  const items: Buffer[] = []
  let at = 4
  for (;;) {
    if (at >= data.length) bad('no end marker', at)
    const mark = data[at]!
    if (mark === EOF_MARK) {
      if (at !== data.length - 1) bad('bytes after the end marker', at + 1)
      return items
    }
    if (mark !== ITEM) bad(`marker 0x${mark.toString(16)}`, at)
    if (at + 5 > data.length) bad('truncated length', at + 1)
    const len = data.readInt32BE(at + 1)
    if (len < 0 || at + 5 + len > data.length) bad(`item length ${len}`, at + 1)
    items.push(Buffer.from(data.subarray(at + 5, at + 5 + len)))
    at += 5 + len
  }
}
