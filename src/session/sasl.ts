/**
 * SASL authentication of a connection, as the Java client's ZooKeeperSaslClient does it: right
 * after each handshake (a new ZooKeeperSaslClient is made for every connection, ClientCnxn
 * `startConnect`), the client sends its initial token in a `sasl` (102) request with an ordinary
 * xid, and answers every `SetSASLResponse` token with another `sasl` request until the mechanism
 * is complete. Other requests wait meanwhile (ClientCnxnSocketNIO `findSendablePacket` with
 * `tunnelAuthInProgress`).
 *
 * On success the server adds the identity `sasl:<authorizationID>` to the connection (for
 * DIGEST-MD5 the authorization id is the user name). On failure it answers with AUTHFAILED and
 * closes the connection; as in Java (AUTH_FAILED is a final state), the client then closes.
 */
import { AuthFailedError, ConnectionLossError, InvalidArgumentError, SessionExpiredError, ClientClosedError, ZooKeeperError } from '../common/errors.js'
import { OpCode } from '../protocol/constants.js'
import { GetSASLRequestCodec, type GetSASLRequest } from '../protocol/requests.js'
import { SetSASLResponseCodec } from '../protocol/responses.js'
import type { Codec } from '../protocol/codec.js'
import { Request } from './request.js'
import { DigestMd5Client, DigestMd5Error } from './sasl-digest-md5.js'

/** SASL credentials of a client (option `sasl`). */
export interface SaslOptions {
  /** The mechanism; only `'DIGEST-MD5'` (the server's `DigestLoginModule` users) is supported. */
  mechanism: 'DIGEST-MD5'
  /** User name, as in the server's JAAS `Server` section (`user_<name>="<password>"`). */
  username: string
  /** The user's password. */
  password: string
}

/** Sends one token in a `sasl` request; resolves with the server's token (null when it sent none). */
export type SendSaslToken = (token: Buffer) => Promise<Buffer | null>

/** Checks the `sasl` option; throws InvalidArgumentError when it is unusable. */
export function validateSaslOptions(sasl: SaslOptions | undefined): SaslOptions | undefined {
  if (sasl === undefined) return undefined
  if (typeof sasl !== 'object' || sasl === null) throw new InvalidArgumentError('sasl must be an object { mechanism, username, password }')
  if (sasl.mechanism !== 'DIGEST-MD5') throw new InvalidArgumentError(`sasl.mechanism "${String(sasl.mechanism)}" is not supported; use "DIGEST-MD5"`)
  if (typeof sasl.username !== 'string' || sasl.username === '') throw new InvalidArgumentError('sasl.username must be a non-empty string')
  if (typeof sasl.password !== 'string') throw new InvalidArgumentError('sasl.password must be a string')
  return { mechanism: sasl.mechanism, username: sasl.username, password: sasl.password }
}

/** True for failures of the connection (or client) rather than of the authentication itself. */
function isTransient(error: unknown): boolean {
  return error instanceof ConnectionLossError || error instanceof SessionExpiredError || error instanceof ClientClosedError
}

/**
 * Runs one SASL exchange on a connection. Resolves once the server accepted the credentials (and,
 * for DIGEST-MD5, proved it knows the password). Rejects with AuthFailedError when authentication
 * failed, and with the connection's error (ConnectionLossError, ...) when the connection ended
 * first; the latter is retried on the next connection.
 */
export async function authenticateSasl(options: SaslOptions, send: SendSaslToken): Promise<void> {
  const client = new DigestMd5Client({ username: options.username, password: options.password })
  try {
    let token: Buffer | null = client.initialToken()
    while (token !== null) {
      const reply = await send(token)
      token = client.evaluate(reply)
    }
  } catch (error) {
    if (isTransient(error)) throw error
    const detail = error instanceof DigestMd5Error ? error.message : error instanceof ZooKeeperError ? `the server answered ${error.code}` : String(error)
    throw new AuthFailedError({
      message: `SASL ${options.mechanism} authentication as "${options.username}" failed (${detail}); the client is closed: check the credentials and create a new client`,
      cause: error,
    })
  }
}

/** A `sasl` (102) request carrying `token`; its promise resolves with the server's token. */
export function saslTokenRequest(token: Buffer): Request {
  const body: GetSASLRequest = { token }
  return new Request(OpCode.sasl, GetSASLRequestCodec as Codec<unknown>, body, (r) => SetSASLResponseCodec.decode(r).token, { operation: 'sasl' })
}
