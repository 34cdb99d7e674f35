/**
 * The shape every record codec takes: a pair of functions over {@link Writer} and {@link Reader},
 * written out by hand in Jute field order (no reflection, no run-time schema).
 */
import type { Reader } from './reader.js'
import type { Writer } from './writer.js'

/** Encodes and decodes one Jute record type. */
export interface Codec<T> {
  /** Appends the Jute encoding of `value` to `w`. */
  encode(w: Writer, value: T): void
  /** Reads one value from `r`; throws only `ProtocolError`. */
  decode(r: Reader): T
}
