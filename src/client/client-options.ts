/**
 * The options of {@link createClient}, checked once when the client is made: an unknown key or a
 * value of the wrong type is refused with advice, never ignored (a misspelt `sesionTimeout` would
 * otherwise leave the default in force without a word); and the session's options made of them.
 */
import { type KeyHints, checkArray, checkBoolean, checkDuration, checkFunction, checkInteger, checkOptions, checkPositiveDuration, describe } from '../common/check.js'
import { InvalidArgumentError } from '../common/errors.js'
import type { Log, Logger } from '../common/log.js'
import { DEFAULT_MAX_PACKET_LENGTH } from '../protocol/constants.js'
import type { HostAddress } from '../session/hosts.js'
import { validateSaslOptions } from '../session/sasl.js'
import { type SessionOptions, defaultSessionOptions } from '../session/config.js'
// [connect] TLS, DNS and server-list updates (issue 10)
import { createTransport, validateTlsOption } from '../session/transport.js'
import { positiveOrUndefined } from './replies.js'
import type { ClientOptions } from './types.js'

const CLIENT_KEYS = [
  'sessionTimeout',
  'connectTimeout',
  'readOnly',
  'maxPacketLength',
  'maxInFlight',
  'requestTimeout',
  'reconnectDelay',
  'renewExpiredSession',
  'session',
  'sasl',
  'auth',
  'defaultAcl',
  'logger',
  'tls',
  'lookup',
  'followConfig',
  'internals',
] as const

const CLIENT_HINTS: KeyHints = {
  timeout: 'use sessionTimeout (the session) or requestTimeout (each call)',
  sessionTimeoutMs: 'use { sessionTimeout }',
  spinDelay: 'use { reconnectDelay: { initialMs, maxMs } }',
  retries: 'the client reconnects by itself until close(); see reconnectDelay',
  retry: 'the client reconnects by itself until close(); see reconnectDelay',
  chroot: 'append the chroot to the connect string: "127.0.0.1:2181/app"',
  canBeReadOnly: 'use { readOnly: true }',
  log: 'use { logger } (an object with debug, info, warn and error methods, such as console)',
  authInfo: 'use { auth: [{ scheme, auth }] }',
  acl: 'use { defaultAcl }',
  ssl: 'use { tls }',
  secure: 'use { tls }',
  secureClientPort: 'give the secure port in the connect string and set { tls }',
  ':string': 'the connect string is the first argument; options are an object',
}

const LEVELS = ['debug', 'info', 'warn', 'error'] as const

/** Checks an application logger: an object with the four level methods. */
export function checkLogger(value: unknown, where: string): Logger | undefined {
  if (value === undefined) return undefined
  const missing = value !== null && typeof value === 'object' ? LEVELS.filter((l) => typeof (value as Record<string, unknown>)[l] !== 'function') : LEVELS
  if (missing.length > 0) {
    throw new InvalidArgumentError(`${where}: logger must be an object with debug, info, warn and error methods (console, pino, winston...), got ${describe(value)}${value !== null && typeof value === 'object' ? ` without ${missing.join(', ')}` : ''}`)
  }
  return value as Logger
}

/** Checks the options of createClient; the connect string, ACL and SASL are checked where they are used. */
export function checkClientOptions(value: unknown): ClientOptions {
  const where = 'createClient'
  const options = checkOptions(value as ClientOptions | undefined, CLIENT_KEYS, where, CLIENT_HINTS)
  checkInteger(options.sessionTimeout, 'sessionTimeout', where, 1, 0x7fffffff)
  checkPositiveDuration(options.connectTimeout, 'connectTimeout', where)
  checkPositiveDuration(options.requestTimeout, 'requestTimeout', where)
  checkBoolean(options.readOnly, 'readOnly', where)
  checkBoolean(options.renewExpiredSession, 'renewExpiredSession', where)
  checkInteger(options.maxPacketLength, 'maxPacketLength', where, 1024, 0x7fffffff)
  checkInteger(options.maxInFlight, 'maxInFlight', where, 1, 1_000_000)
  if (options.reconnectDelay !== undefined) {
    const delay = checkOptions(options.reconnectDelay, ['initialMs', 'maxMs'], `${where}: reconnectDelay`)
    const initial = checkDuration(delay.initialMs, 'reconnectDelay.initialMs', where)
    const max = checkDuration(delay.maxMs, 'reconnectDelay.maxMs', where)
    if (initial === undefined || max === undefined || max < initial) throw new InvalidArgumentError(`${where}: reconnectDelay must be { initialMs, maxMs } with maxMs >= initialMs, got ${JSON.stringify(delay)}`)
  }
  if (options.session !== undefined) {
    const session = checkOptions(options.session, ['id', 'password'], `${where}: session`)
    if (typeof session.id !== 'bigint') throw new InvalidArgumentError(`${where}: session.id must be a bigint (client.sessionId), got ${describe(session.id)}`)
    if (!Buffer.isBuffer(session.password)) throw new InvalidArgumentError(`${where}: session.password must be a Buffer (client.sessionPassword), got ${describe(session.password)}`)
  }
  const auth = checkArray<unknown>(options.auth, 'auth', where)
  for (const [i, entry] of (auth ?? []).entries()) {
    const e = checkOptions(entry as { scheme: string; auth: unknown }, ['scheme', 'auth'], `${where}: auth[${i}]`)
    if (typeof e.scheme !== 'string' || e.scheme === '') throw new InvalidArgumentError(`${where}: auth[${i}].scheme must be a non-empty string such as "digest", got ${describe(e.scheme)}`)
  }
  checkLogger(options.logger, where)
  checkBoolean(options.followConfig, 'followConfig', where)
  checkFunction(options.lookup, 'lookup', where)
  if (options.internals !== undefined) checkOptions(options.internals, ['clock', 'transport', 'random', 'log', 'maxInFlightBytes'], `${where}: internals`)
  return options
}

/** The options of the client's session, from its checked options (the rest checked here, in this order). */
export function toSessionOptions(options: ClientOptions, hosts: HostAddress[], log: Log): SessionOptions {
  const sessionTimeout = options.sessionTimeout ?? defaultSessionOptions.sessionTimeout
  if (!Number.isInteger(sessionTimeout) || sessionTimeout <= 0) throw new InvalidArgumentError('sessionTimeout must be a positive integer number of ms')
  if (options.followConfig !== undefined && typeof options.followConfig !== 'boolean') throw new InvalidArgumentError(`followConfig must be true or false, got ${typeof options.followConfig}`)
  // [connect] the transport carries TLS and name resolution; internals.transport still wins
  const transport = createTransport({ tls: validateTlsOption(options.tls), lookup: options.lookup, log })
  return {
    ...defaultSessionOptions,
    log,
    transport,
    ...options.internals,
    hosts,
    sessionTimeout,
    canBeReadOnly: options.readOnly ?? false,
    maxPacketLength: options.maxPacketLength ?? DEFAULT_MAX_PACKET_LENGTH,
    maxInFlight: options.maxInFlight ?? defaultSessionOptions.maxInFlight,
    connectTimeout: positiveOrUndefined(options.connectTimeout, 'connectTimeout'),
    reconnectDelay: options.reconnectDelay ?? defaultSessionOptions.reconnectDelay,
    renewExpiredSession: options.renewExpiredSession ?? true,
    session: options.session,
    sasl: validateSaslOptions(options.sasl),
  }
}
