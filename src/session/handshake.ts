/**
 * The handshake that opens every connection: the ConnectRequest asking to resume the session (or
 * to start one), and what the server's ConnectResponse says about it. The session applies the
 * answer; this file only writes the request and reads the response.
 */
import { SessionExpiredError } from '../common/errors.js'
import { type ConnectRequest, type ConnectResponse, ConnectRequestCodec, ConnectResponseCodec } from '../protocol/connect.js'
import { Reader } from '../protocol/reader.js'
import type { Connection } from './connection.js'
import type { ConnectionState } from './state.js'

/** Writes the ConnectRequest on a connection just opened, at clock time `now`, and sends it. */
export function writeConnectRequest(conn: Connection, request: ConnectRequest, now: number): void {
  const w = conn.out
  const start = w.beginFrame()
  ConnectRequestCodec.encode(w, request)
  w.endFrame(start)
  // Nothing else is written until the ConnectResponse arrives (ClientCnxnSocketNIO.doIO).
  conn.flush()
  // Answered by the ConnectResponse: the server renews the session no earlier than now.
  conn.lastAnsweredSentAt = now
}

/** What a ConnectResponse means for the session that asked. */
export type Handshake =
  /** The server no longer knows the session: it expired (the connection must be dropped). */
  | { kind: 'expired'; error: Error }
  /** The server gave a new session instead of resuming the one asked for: that one expired, for `reason`. */
  | { kind: 'replaced'; response: ConnectResponse; reason: string }
  /** The session asked for (or a new one, when none was) is open on this connection. */
  | { kind: 'opened'; response: ConnectResponse }

/**
 * Reads the ConnectResponse `frame` of the server at `address`, for a session whose id is
 * `sessionId` and whose ConnectRequest asked to resume `requested` (0n: a new session).
 */
export function readConnectResponse(frame: Buffer, sessionId: bigint, requested: bigint, address: string): Handshake {
  const response = ConnectResponseCodec.decode(new Reader(frame))
  if (response.timeOut <= 0) {
    // The server no longer knows the session: it expired (ZooKeeperServer.finishSessionInit).
    return { kind: 'expired', error: new SessionExpiredError({ message: `session 0x${sessionId.toString(16)} has expired (server ${address} refused to resume it); its ephemeral nodes and watches are gone` }) }
  }
  // A request for a new session (sessionId 0, sent until a read-write server was seen) that
  // gets one is no expiry: the read-only server's local session was never resumable.
  if (requested !== 0n && response.sessionId !== sessionId) {
    return { kind: 'replaced', response, reason: `the server gave a new session 0x${response.sessionId.toString(16)} instead of resuming 0x${sessionId.toString(16)}` }
  }
  return { kind: 'opened', response }
}

/** The application state a connection opens in, from the state before (`'initial'` for the first). */
export function openedState(readOnly: boolean, previous: ConnectionState | 'initial'): ConnectionState {
  return readOnly ? 'readOnly' : previous === 'initial' ? 'connected' : 'reconnected'
}

/** The reason given with the state change of a connection that opened. */
export function openedReason(newSession: boolean, sessionId: bigint, address: string, timeoutMs: number): string {
  return `${newSession ? 'new session' : 'resumed session'} 0x${sessionId.toString(16)} on ${address}, timeout ${timeoutMs} ms`
}
