/**
 * What a session can be told: the servers, timeouts, limits, and the injectable parts (clock,
 * transport, randomness) that let tests run it without real time or real sockets.
 */
import { defaultLog, type Log } from '../common/log.js'
import { DEFAULT_MAX_PACKET_LENGTH } from '../protocol/constants.js'
import { type Clock, systemClock } from './clock.js'
import type { HostAddress } from './hosts.js'
import type { SaslOptions } from './sasl.js'
import { openSocket, type Transport } from './transport.js'

/** Options of a session. */
export interface SessionOptions {
  /** Servers to connect to. */
  hosts: readonly HostAddress[]
  /** Requested session timeout in ms; the server clamps it to its bounds. */
  sessionTimeout: number
  /** Accept read-only servers (reads only, until a read-write server is reachable). */
  canBeReadOnly: boolean
  /** Largest frame accepted or sent, in bytes (`jute.maxbuffer`). */
  maxPacketLength: number
  /** Most requests awaiting replies at once; further callers wait for room. */
  maxInFlight: number
  /**
   * Byte budget of the requests on the wire awaiting replies; further callers wait (they do not
   * fail) until replies make room. A single larger request still goes, alone. Together with the
   * socket's backpressure this bounds the memory of a burst of large writes.
   */
  maxInFlightBytes: number
  /** Connect timeout per attempt in ms; default: session timeout divided by the number of hosts. */
  connectTimeout: number | undefined
  /** Backoff between failed connection attempts: random delay up to min(max, initial * 2^n). */
  reconnectDelay: { initialMs: number; maxMs: number }
  /** After an expiry, start a new session by itself (as Curator and kazoo do). */
  renewExpiredSession: boolean
  /** Resume an existing session instead of creating one. */
  session: { id: bigint; password: Buffer } | undefined
  /** SASL credentials, presented after every handshake before any other request goes out. */
  sasl: SaslOptions | undefined
  /** Shuffle hosts with this source of randomness (tests pass a fixed one). */
  random: () => number
  /** Clock and timers (tests may replace them). */
  clock: Clock
  /** Opens connections (tests may replace it). */
  transport: Transport
  /** Where the session logs attempts, failures, state changes, SASL, re-arms and expiry. */
  log: Log
}

/** Default of `maxInFlightBytes`: 8 MiB, eight frames of the default jute.maxbuffer. */
export const DEFAULT_MAX_IN_FLIGHT_BYTES = 8 * 1024 * 1024

/** Defaults of {@link SessionOptions} other than hosts. */
export const defaultSessionOptions: Omit<SessionOptions, 'hosts'> = {
  sessionTimeout: 30_000,
  canBeReadOnly: false,
  maxPacketLength: DEFAULT_MAX_PACKET_LENGTH,
  maxInFlight: 5_000,
  maxInFlightBytes: DEFAULT_MAX_IN_FLIGHT_BYTES,
  connectTimeout: undefined,
  reconnectDelay: { initialMs: 50, maxMs: 1_000 },
  renewExpiredSession: true,
  session: undefined,
  sasl: undefined,
  random: Math.random,
  clock: systemClock,
  transport: openSocket,
  log: defaultLog,
}

/** Bytes of path names per SetWatches packet, as the Java client (`SET_WATCHES_MAX_LENGTH`). */
export const SET_WATCHES_MAX_LENGTH = 128 * 1024

/**
 * While at least this many requests are on the wire unanswered, new requests may be held back and
 * go out together (see {@link holdOutgoing}): a few large writes cost far less CPU on both sides
 * than many small ones. With fewer requests in flight, a request goes out at the end of the current
 * tick, so sequential latency is untouched.
 */
export const HOLD_WHILE_UNANSWERED = 128

/**
 * Whether the outgoing batch of `held` requests waits for more replies, with `onWire` requests sent
 * and unanswered. It waits only while the server still has more to work on than the batch holds.
 *
 * Measured reason (issue 14): the earlier rule held everything until fewer than 128 were unanswered.
 * The server answers writes a group commit at a time, and traces of W3 showed one group of 170 to
 * 340 replies taking the count from above 128 to 0 at once: the server then had nothing to read
 * until the held batch arrived, and during a slow fsync (20 ms seen) it could not read ahead the
 * requests the client was holding, so the next group commit shrank. Holding at most as many as are
 * on the wire keeps the server supplied, and still sends a window of 1,000 reads in a few writes.
 */
export function holdOutgoing(onWire: number, held: number): boolean {
  return onWire >= HOLD_WHILE_UNANSWERED && held < onWire
}
