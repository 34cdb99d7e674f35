/**
 * How the session opens a connection: plain TCP (`node:net`) or TLS (`node:tls`), with host names
 * resolved at every attempt. Injectable, so tests can route it through a fault proxy or a
 * scripted server.
 */
import { lookup as dnsLookup, type LookupAddress } from 'node:dns'
import { type LookupFunction, type Socket, connect, isIP } from 'node:net'
import { type ConnectionOptions, TLSSocket, createSecureContext, connect as tlsConnect } from 'node:tls'
import { InvalidArgumentError } from '../common/errors.js'
import { defaultLog, type Log } from '../common/log.js'
import type { HostAddress } from './hosts.js'

/**
 * Opens a connection to a server; the session listens for `connect` (`secureConnect` on a
 * `TLSSocket`, see {@link readyEvent}), `data`, `error` and `close`.
 */
export type Transport = (address: HostAddress) => Socket

/**
 * TLS settings of a client: `true` (system CAs, default checks), `node:tls` connection options
 * (`ca`, `cert`, `key`, `pfx`, `passphrase`, `servername`, `checkServerIdentity`, `minVersion`...),
 * or a function returning them, called at every connection attempt so rotated certificates are
 * picked up without a restart. An options object is also read afresh at every attempt, so
 * replacing its `cert` and `key` properties works too.
 */
export type TlsOption = true | ConnectionOptions | (() => ConnectionOptions)

/** What {@link createTransport} needs. */
export interface TransportOptions {
  /** TLS settings; plain TCP when absent or false. */
  tls?: TlsOption | false | undefined
  /** Name resolution, as `net.connect`'s `lookup` (default `dns.lookup`). Called at every attempt. */
  lookup?: LookupFunction | undefined
  /** Where unresolvable names are reported. */
  log?: Log
}

/** Keys of the TLS options that the transport sets itself. */
const RESERVED_TLS_KEYS = ['host', 'port', 'path', 'socket', 'lookup'] as const

/** Plain TCP via `node:net`, names resolved by `dns.lookup`. */
export const openSocket: Transport = createTransport({})

/**
 * Builds the transport of a session. Host names are resolved at each attempt with every address
 * they resolve to; successive attempts to one name take its addresses in turn, so each of them
 * is tried. A name that does not resolve fails only that attempt (logged; the session goes on to
 * the next server).
 *
 * @example
 * const transport = createTransport({ tls: { ca: readFileSync('ca.pem') }, lookup: myLookup })
 */
export function createTransport(options: TransportOptions): Transport {
  const tls = validateTlsOption(options.tls)
  if (options.lookup !== undefined && typeof options.lookup !== 'function') {
    throw new InvalidArgumentError(`lookup must be a function like dns.lookup, got ${typeof options.lookup}`)
  }
  const lookup = rotatingLookup(options.lookup ?? (dnsLookup as LookupFunction), options.log ?? defaultLog)
  return ({ host, port }) => {
    if (tls === undefined) return connect({ host, port, lookup })
    const settings = tlsSettings(tls)
    return tlsConnect({ ...settings, host, port, lookup })
  }
}

/** The event that means "ready for the ConnectRequest": the end of the TLS handshake on a TLS socket. */
export function readyEvent(socket: Socket): 'connect' | 'secureConnect' {
  return socket instanceof TLSSocket ? 'secureConnect' : 'connect'
}

/** Checks the `tls` option once, at construction; a function's results are checked at each attempt. */
export function validateTlsOption(tls: unknown): TlsOption | undefined {
  if (tls === undefined || tls === false) return undefined
  if (tls === true || typeof tls === 'function') return tls as TlsOption
  if (tls === null || typeof tls !== 'object' || Array.isArray(tls)) {
    throw new InvalidArgumentError(`tls must be true, an object of node:tls connection options ({ ca, cert, key, ... }) or a function returning one, got ${describe(tls)}`)
  }
  checkReservedKeys(tls as ConnectionOptions, 'tls')
  // Bad material (a malformed PEM, a key that does not match the certificate, a wrong
  // passphrase) is refused now rather than failing every attempt; a function is checked per attempt.
  try {
    createSecureContext(tls as ConnectionOptions)
  } catch (error) {
    throw new InvalidArgumentError(`tls options refused by node:tls: ${(error as Error)?.message ?? String(error)}; check ca, cert, key, pfx and passphrase`)
  }
  return tls as ConnectionOptions
}

/** The options of one attempt. Throws InvalidArgumentError for a function that returns no object. */
function tlsSettings(tls: TlsOption): ConnectionOptions {
  if (tls === true) return {}
  if (typeof tls !== 'function') return { ...tls }
  const value: unknown = tls()
  if (value === null || typeof value !== 'object' || Array.isArray(value) || typeof (value as Promise<unknown>).then === 'function') {
    throw new InvalidArgumentError(`the tls function must return an object of node:tls connection options (synchronously), got ${describe(value)}`)
  }
  checkReservedKeys(value as ConnectionOptions, 'the object returned by the tls function')
  return { ...(value as ConnectionOptions) }
}

function checkReservedKeys(options: ConnectionOptions, what: string): void {
  for (const key of RESERVED_TLS_KEYS) {
    if ((options as Record<string, unknown>)[key] !== undefined) {
      throw new InvalidArgumentError(`${what} must not set "${key}": the servers come from the connect string${key === 'lookup' ? ' and resolution from the client\'s lookup option' : ''}`)
    }
  }
}

/**
 * Wraps a lookup so that it asks for every address of a name and hands out one per attempt, in
 * turn. Node calls it at each `connect` for names only (never for IP literals).
 */
function rotatingLookup(lookup: LookupFunction, log: Log): LookupFunction {
  const turn = new Map<string, number>()
  return (hostname, options, callback) => {
    const done = callback as unknown as (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void
    let answered = false
    const answer = (err: NodeJS.ErrnoException | null, result: unknown, family?: number): void => {
      if (answered) return // a user lookup that calls back twice must not connect twice
      answered = true
      if (err) {
        log.warn(`could not resolve ${hostname} (${err.code ?? err.message}); skipping it for this attempt`, { host: hostname, error: err })
        done(err, options.all ? [] : '', undefined)
        return
      }
      const addresses = toAddresses(result, family)
      if (addresses.length === 0) {
        const error: NodeJS.ErrnoException = Object.assign(new Error(`lookup of ${hostname} returned no address`), { code: 'ENOTFOUND', hostname })
        log.warn(`${hostname} resolved to no address; skipping it for this attempt`, { host: hostname })
        done(error, options.all ? [] : '', undefined)
        return
      }
      const i = (turn.get(hostname) ?? 0) % addresses.length
      turn.set(hostname, i + 1)
      const chosen = addresses[i]!
      if (addresses.length > 1) log.debug(`${hostname} resolved to ${addresses.length} addresses; trying ${chosen.address}`, { host: hostname, addresses: addresses.map((a) => a.address) })
      if (options.all) done(null, [chosen])
      else done(null, chosen.address, chosen.family)
    }
    try {
      lookup(hostname, { ...options, all: true }, answer as never)
    } catch (error) {
      answer(error instanceof Error ? (error as NodeJS.ErrnoException) : new Error(String(error)), null)
    }
  }
}

/** Normalises what a lookup answered: an address list (all: true) or a single address. */
function toAddresses(result: unknown, family: number | undefined): LookupAddress[] {
  if (typeof result === 'string') return isIP(result) ? [{ address: result, family: family ?? isIP(result) }] : []
  if (!Array.isArray(result)) return []
  return result.filter((a): a is LookupAddress => a !== null && typeof a === 'object' && typeof a.address === 'string' && isIP(a.address) !== 0)
    .map((a) => ({ address: a.address, family: a.family === 6 || a.family === 4 ? a.family : isIP(a.address) }))
}

function describe(value: unknown): string {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'an array'
  if (typeof value === 'object' && typeof (value as Promise<unknown>).then === 'function') return 'a Promise'
  return typeof value === 'string' ? `the string "${value}"` : typeof value
}
