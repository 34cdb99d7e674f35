/**
 * Frame boundaries on a ZooKeeper byte stream: every message is a 4-byte big-endian length and
 * that many bytes of payload.
 */
import { ProtocolError } from '../common/errors.js'
import { DEFAULT_MAX_PACKET_LENGTH } from './constants.js'

/** Receives one frame's payload as `buf[start, end)`. */
export type FrameRangeHandler = (buf: Buffer, start: number, end: number) => void

/** Size of the length prefix of every frame. */
export const FRAME_HEADER_LENGTH = 4

/**
 * Takes TCP chunks as they arrive and yields whole frame payloads.
 *
 * A frame that lies within one chunk is returned as a view of that chunk (no copy); only a frame
 * split across chunks is assembled, once, into a buffer of exactly its size, so the work is linear
 * in the bytes received whatever the chunking. The length is checked before anything is
 * allocated for it.
 */
export class FrameDecoder {
  /** Bytes of a frame (or of a length prefix) split across chunks. */
  private partial: Buffer | null = null
  /** How many bytes of `partial` are filled. */
  private partialFilled = 0
  /** Total stream offset consumed, for error messages. */
  private streamOffset = 0

  /**
   * @param maxPacketLength largest payload accepted, as the Java client's `jute.maxbuffer`
   *   (default 0xfffff); a larger or negative length is a {@link ProtocolError}.
   */
  constructor(readonly maxPacketLength = DEFAULT_MAX_PACKET_LENGTH) {}

  /**
   * Feeds one chunk; calls `onFrame` for every whole frame it completes, in order, with a view of
   * its payload. Chunks from `node:net` are never reused, so views stay valid.
   * @throws ProtocolError on an invalid length; the stream cannot be resynchronised after that.
   */
  push(chunk: Buffer, onFrame: (payload: Buffer) => void): void {
    this.pushRanges(chunk, (buf, start, end) => onFrame(buf.subarray(start, end)))
  }

  /**
   * Like {@link push}, but hands each payload as `buf[start, end)` instead of a view, so the hot
   * path allocates nothing per frame.
   */
  pushRanges(chunk: Buffer, onFrame: FrameRangeHandler): void {
    let pos = 0
    if (this.partial !== null) {
      pos = this.fillPartial(chunk, onFrame)
      if (this.partial !== null) return
    }
    while (chunk.length - pos >= FRAME_HEADER_LENGTH) {
      const length = this.checkLength(chunk.readInt32BE(pos))
      const end = pos + FRAME_HEADER_LENGTH + length
      if (end > chunk.length) break
      this.streamOffset += FRAME_HEADER_LENGTH + length
      onFrame(chunk, pos + FRAME_HEADER_LENGTH, end)
      pos = end
    }
    if (pos < chunk.length) this.startPartial(chunk, pos)
  }

  /** True when no frame is half-received (useful to tell a clean close from a truncated one). */
  get idle(): boolean {
    return this.partial === null
  }

  /** Forgets any half-received frame (after a reconnect, the new stream starts clean). */
  reset(): void {
    this.partial = null
    this.partialFilled = 0
    this.streamOffset = 0
  }

  private checkLength(length: number): number {
    if (length < 0 || length > this.maxPacketLength) {
      throw new ProtocolError(`frame length ${length} is outside 0..${this.maxPacketLength} (jute.maxbuffer); the stream is corrupt or the server sends larger packets than this client accepts (raise maxPacketLength)`, this.streamOffset)
    }
    return length
  }

  /** Keeps the tail of a chunk that holds an incomplete frame. */
  private startPartial(chunk: Buffer, pos: number): void {
    const rest = chunk.length - pos
    if (rest >= FRAME_HEADER_LENGTH) {
      const length = this.checkLength(chunk.readInt32BE(pos))
      this.partial = Buffer.allocUnsafe(FRAME_HEADER_LENGTH + length)
    } else {
      // Not even the length is complete yet: keep what there is in a header-sized buffer.
      this.partial = Buffer.allocUnsafe(FRAME_HEADER_LENGTH)
    }
    chunk.copy(this.partial, 0, pos)
    this.partialFilled = rest
  }

  /** Completes the pending partial frame from `chunk`; returns where the rest of the chunk starts. */
  private fillPartial(chunk: Buffer, onFrame: FrameRangeHandler): number {
    let partial = this.partial!
    let pos = 0
    if (this.partialFilled < FRAME_HEADER_LENGTH) {
      const take = Math.min(FRAME_HEADER_LENGTH - this.partialFilled, chunk.length)
      chunk.copy(partial, this.partialFilled, 0, take)
      this.partialFilled += take
      pos = take
      if (this.partialFilled < FRAME_HEADER_LENGTH) return pos
      const length = this.checkLength(partial.readInt32BE(0))
      const grown = Buffer.allocUnsafe(FRAME_HEADER_LENGTH + length)
      partial.copy(grown, 0, 0, FRAME_HEADER_LENGTH)
      partial = grown
      this.partial = grown
    }
    const take = Math.min(partial.length - this.partialFilled, chunk.length - pos)
    chunk.copy(partial, this.partialFilled, pos, pos + take)
    this.partialFilled += take
    pos += take
    if (this.partialFilled === partial.length) {
      this.partial = null
      this.partialFilled = 0
      this.streamOffset += partial.length
      onFrame(partial, FRAME_HEADER_LENGTH, partial.length)
    }
    return pos
  }
}
