/**
 * What went wrong in a connection attempt, in words a user can act on. A TLS or DNS failure
 * surfaces as a socket error whose code says little to most readers (`SELF_SIGNED_CERT_IN_CHAIN`,
 * `ECONNRESET`); a plain client on a TLS port sees only a close. These become a
 * {@link ConnectAttemptError} with a stable {@link ConnectFailureCode}, carried as the `cause` of
 * the ConnectionLossError the attempt ends with.
 */

/**
 * Why an attempt failed:
 * - `TLS_UNTRUSTED_CERTIFICATE`: the server's certificate does not chain to a CA the client trusts (`tls.ca`).
 * - `TLS_CERTIFICATE_EXPIRED` / `TLS_CERTIFICATE_NOT_YET_VALID`: the server's certificate is outside its validity.
 * - `TLS_HOSTNAME_MISMATCH`: the server's certificate does not name the host dialled.
 * - `TLS_CLIENT_CERTIFICATE_REJECTED`: the server refused the client's certificate, or its absence (`ssl.clientAuth=need`).
 * - `TLS_PORT_NOT_TLS`: a TLS client reached a port that does not speak TLS (the plain `clientPort`).
 * - `TLS_REQUIRED`: a plain client got no answer to its ConnectRequest, only a close, as on a TLS port
 *   (`secureClientPort`); a read-only member refusing a client without `readOnly` looks the same.
 * - `TLS_HANDSHAKE_FAILED`: another TLS failure (protocol version, cipher suites, bad key...).
 * - `DNS_UNRESOLVED`: the host name did not resolve.
 */
export type ConnectFailureCode =
  | 'TLS_UNTRUSTED_CERTIFICATE'
  | 'TLS_CERTIFICATE_EXPIRED'
  | 'TLS_CERTIFICATE_NOT_YET_VALID'
  | 'TLS_HOSTNAME_MISMATCH'
  | 'TLS_CLIENT_CERTIFICATE_REJECTED'
  | 'TLS_PORT_NOT_TLS'
  | 'TLS_REQUIRED'
  | 'TLS_HANDSHAKE_FAILED'
  | 'DNS_UNRESOLVED'

/**
 * A connection attempt that failed for a reason worth naming (see {@link ConnectFailureCode}).
 * The socket's own error, when there was one, is its `cause`.
 */
export class ConnectAttemptError extends Error {
  /** Stable code for programmatic checks. */
  readonly code: ConnectFailureCode
  /** The server, as `host:port`. */
  readonly address: string
  constructor(code: ConnectFailureCode, address: string, message: string, cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause })
    this.name = 'ConnectAttemptError'
    this.code = code
    this.address = address
  }
}

/** Where the attempt was when it ended. */
export interface AttemptPhase {
  /** The connection was a TLS one. */
  tls: boolean
  /** The socket was ready (TCP up, and the TLS handshake done for TLS). */
  opened: boolean
  /** The ConnectResponse had arrived. */
  established: boolean
  /** Some bytes had arrived. */
  receivedBytes: boolean
}

const UNTRUSTED = new Set([
  'SELF_SIGNED_CERT_IN_CHAIN', 'DEPTH_ZERO_SELF_SIGNED_CERT', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_GET_ISSUER_CERT', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'CERT_SIGNATURE_FAILURE', 'CERT_UNTRUSTED', 'CERT_REJECTED',
])
const CLIENT_REJECTED = new Set([
  'ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE', 'ERR_SSL_SSLV3_ALERT_CERTIFICATE_UNKNOWN', 'ERR_SSL_TLSV1_ALERT_UNKNOWN_CA',
  'ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED', 'ERR_SSL_SSLV3_ALERT_CERTIFICATE_EXPIRED', 'ERR_SSL_SSLV3_ALERT_CERTIFICATE_REVOKED',
  'ERR_SSL_TLSV1_ALERT_ACCESS_DENIED', 'ERR_SSL_SSLV3_ALERT_UNSUPPORTED_CERTIFICATE',
])
const NOT_TLS = new Set(['ERR_SSL_WRONG_VERSION_NUMBER', 'ERR_SSL_PACKET_LENGTH_TOO_LONG', 'ERR_SSL_HTTP_REQUEST', 'ERR_SSL_UNKNOWN_PROTOCOL'])

/**
 * Names the failure behind a socket error, or returns null when the plain socket message says
 * enough (refused, reset after the handshake, timeouts).
 */
export function describeSocketError(address: string, error: Error, phase: AttemptPhase): ConnectAttemptError | null {
  const code = (error as NodeJS.ErrnoException).code ?? ''
  const fail = (c: ConnectFailureCode, text: string): ConnectAttemptError => new ConnectAttemptError(c, address, `${text} (${code || error.message})`, error)
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'EAI_NODATA' || code === 'EAI_FAIL') {
    return fail('DNS_UNRESOLVED', `could not resolve the host of ${address}; the next server is tried`)
  }
  if (!phase.tls) return null
  if (code === 'CERT_HAS_EXPIRED') return fail('TLS_CERTIFICATE_EXPIRED', `TLS to ${address}: the server's certificate has expired; the server needs a renewed certificate`)
  if (code === 'CERT_NOT_YET_VALID') return fail('TLS_CERTIFICATE_NOT_YET_VALID', `TLS to ${address}: the server's certificate is not valid yet (check the clocks, or the certificate's start date)`)
  if (UNTRUSTED.has(code)) {
    return fail('TLS_UNTRUSTED_CERTIFICATE', `TLS to ${address}: the server's certificate is not signed by a CA this client trusts; pass the CA that signed it as tls.ca`)
  }
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') {
    return fail('TLS_HOSTNAME_MISMATCH', `TLS to ${address}: the server's certificate does not name this host (${error.message}); dial a name or IP its subjectAltName lists, or set tls.servername`)
  }
  if (CLIENT_REJECTED.has(code)) {
    return fail('TLS_CLIENT_CERTIFICATE_REJECTED', `TLS to ${address}: the server refused the client certificate (none given, not signed by a CA the server trusts, or expired); with ssl.clientAuth=need pass a valid tls.cert and tls.key`)
  }
  if (NOT_TLS.has(code) || (!phase.opened && (code === 'ECONNRESET' || code === 'EPIPE'))) {
    return fail('TLS_PORT_NOT_TLS', `TLS to ${address}: the server closed the connection during the TLS handshake; the port is probably a plain clientPort, not the secureClientPort`)
  }
  if (!phase.opened && (code.startsWith('ERR_SSL') || code.startsWith('ERR_TLS'))) {
    return fail('TLS_HANDSHAKE_FAILED', `TLS handshake with ${address} failed: ${error.message}`)
  }
  // TLS 1.3: a refused client certificate arrives just after the handshake, before any reply.
  if (phase.opened && !phase.receivedBytes && code.startsWith('ERR_SSL')) {
    return fail('TLS_CLIENT_CERTIFICATE_REJECTED', `TLS to ${address}: the server ended the session right after the handshake (${error.message}); with ssl.clientAuth=need pass a valid tls.cert and tls.key`)
  }
  return null
}

/** Names a close before the ConnectResponse, or returns null when nothing more can be said. */
export function describeClose(address: string, phase: AttemptPhase): ConnectAttemptError | null {
  if (phase.established || phase.receivedBytes) return null
  if (!phase.tls && phase.opened) {
    return new ConnectAttemptError('TLS_REQUIRED', address, `${address} closed the connection without answering the ConnectRequest: if it is a TLS port (secureClientPort), connect with the tls option; otherwise the server may be refusing this client (a read-only member and no readOnly option, maxClientCnxns) or shutting down`)
  }
  if (phase.tls && phase.opened) {
    // TLS 1.3: the server checks the client certificate after the client saw the handshake end.
    return new ConnectAttemptError('TLS_CLIENT_CERTIFICATE_REJECTED', address, `TLS to ${address}: the server closed the connection right after the handshake without answering; with TLS 1.3 this is how a refused client certificate shows (ssl.clientAuth=need: pass a valid tls.cert and tls.key)`)
  }
  if (phase.tls && !phase.opened) {
    return new ConnectAttemptError('TLS_PORT_NOT_TLS', address, `TLS to ${address}: the server closed the connection during the TLS handshake; the port is probably a plain clientPort, not the secureClientPort`)
  }
  return null
}
