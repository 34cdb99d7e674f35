/**
 * The handshake records. They travel without RequestHeader/ReplyHeader, as the first frame of
 * each direction on a new connection.
 */
import type { Codec } from './codec.js'

/** First frame a client sends (`proto.ConnectRequest` plus the readOnly byte). */
export interface ConnectRequest {
  /** Always 0. */
  protocolVersion: number
  /** Highest zxid this client has seen; a server behind it refuses the connection. */
  lastZxidSeen: bigint
  /** Requested session timeout in ms; the server clamps it. */
  timeOut: number
  /** 0 for a new session, else the session to resume. */
  sessionId: bigint
  /** Session password: 16 zero bytes for a new session. */
  passwd: Buffer
  /** Whether the client accepts a read-only server. */
  readOnly: boolean
}

/** Codec of {@link ConnectRequest}. */
export const ConnectRequestCodec: Codec<ConnectRequest> = {
  encode(w, v) {
    w.int(v.protocolVersion).long(v.lastZxidSeen).int(v.timeOut).long(v.sessionId).buffer(v.passwd)
    // In 3.4 to 3.8 this byte is appended after the record by hand; 3.9 made it a field. The bytes
    // are the same either way, and every server since 3.4 reads it.
    w.bool(v.readOnly)
  },
  decode(r) {
    const head = { protocolVersion: r.int(), lastZxidSeen: r.long(), timeOut: r.int(), sessionId: r.long(), passwd: r.buffer() ?? Buffer.alloc(0) }
    return { ...head, readOnly: r.remaining > 0 ? r.bool() : false }
  },
}

/** The server's answer to a {@link ConnectRequest} (`proto.ConnectResponse` plus readOnly). */
export interface ConnectResponse {
  /** Always 0. */
  protocolVersion: number
  /** Negotiated session timeout in ms; 0 or less means the session has expired. */
  timeOut: number
  /** The session id (0 when expired). */
  sessionId: bigint
  /** The session password to present when resuming. */
  passwd: Buffer
  /** True when the server is in read-only mode. */
  readOnly: boolean
}

/** Codec of {@link ConnectResponse}; accepts a response with or without the trailing readOnly byte. */
export const ConnectResponseCodec: Codec<ConnectResponse> = {
  encode(w, v) {
    w.int(v.protocolVersion).int(v.timeOut).long(v.sessionId).buffer(v.passwd).bool(v.readOnly)
  },
  decode(r) {
    const head = { protocolVersion: r.int(), timeOut: r.int(), sessionId: r.long(), passwd: r.buffer() ?? Buffer.alloc(0) }
    // Servers answering a pre-3.4-style request omit the byte (compat/ProtocolManager).
    return { ...head, readOnly: r.remaining > 0 ? r.bool() : false }
  },
}
