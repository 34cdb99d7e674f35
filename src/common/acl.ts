/**
 * ACL helpers: the built-in lists of `ZooDefs.Ids` and digest identities.
 */
import { createHash } from 'node:crypto'
import { InvalidArgumentError } from './errors.js'
import { Perms } from '../protocol/constants.js'
import type { ACL, Id } from '../protocol/records.js'

/** `world:anyone`, the identity of every client. */
export const ANYONE_ID: Id = Object.freeze({ scheme: 'world', id: 'anyone' })

/** `auth:`, which the server replaces with every identity the creating session authenticated as. */
export const AUTH_IDS: Id = Object.freeze({ scheme: 'auth', id: '' })

/** Ready-made ACL lists, as `ZooDefs.Ids`. */
export const Acls = {
  /** Everyone may do everything (`OPEN_ACL_UNSAFE`). */
  open: Object.freeze([Object.freeze({ perms: Perms.ALL, id: ANYONE_ID })]) as readonly ACL[],
  /** Everyone may read, nobody may change (`READ_ACL_UNSAFE`). */
  readOnly: Object.freeze([Object.freeze({ perms: Perms.READ, id: ANYONE_ID })]) as readonly ACL[],
  /** Only the identities the creator authenticated with (`CREATOR_ALL_ACL`); needs `addAuth` first. */
  creatorAll: Object.freeze([Object.freeze({ perms: Perms.ALL, id: AUTH_IDS })]) as readonly ACL[],
}

/**
 * The digest identity for a user and password: `user:base64(sha1("user:password"))`, as
 * `DigestAuthenticationProvider.generateDigest` makes it. Use it in ACLs; authenticate with
 * `client.addAuth('digest', 'user:password')`.
 */
export function digestId(user: string, password: string): Id {
  if (user.includes(':')) throw new InvalidArgumentError('a digest user name must not contain ":"')
  const digest = createHash('sha1').update(`${user}:${password}`, 'utf8').digest('base64')
  return { scheme: 'digest', id: `${user}:${digest}` }
}

/** An ACL entry granting `perms` (default: all) to a digest user. */
export function digestAcl(user: string, password: string, perms: number = Perms.ALL): ACL {
  return { perms, id: digestId(user, password) }
}

/** An ACL entry granting `perms` to clients from an IP address or CIDR range (`ip` scheme). */
export function ipAcl(address: string, perms: number = Perms.ALL): ACL {
  return { perms, id: { scheme: 'ip', id: address } }
}

/**
 * An ACL entry granting `perms` (default: all) to the holder of a TLS client certificate: the
 * server's `x509` scheme, whose id is the certificate's subject in RFC 2253 form, most specific
 * part first (`CN=app,O=acme`, as `whoAmI()` shows it over mutual TLS). The server compares ids
 * as exact strings, so spaces, case and order must match; anything else gives NoAuth later.
 *
 * @example
 * await zk.create('/secret', 'x', { acl: [x509Acl('CN=app,O=acme')] })
 */
export function x509Acl(subject: string, perms: number = Perms.ALL): ACL {
  if (typeof subject !== 'string' || !/^[A-Za-z][\w.-]*=[^,]/.test(subject)) {
    throw new InvalidArgumentError(`x509Acl needs a certificate subject like "CN=app,O=acme" (RFC 2253, no spaces after commas), got ${typeof subject === 'string' ? `"${subject}"` : typeof subject}`)
  }
  if (/,\s/.test(subject)) {
    throw new InvalidArgumentError(`x509 subject "${subject}" has a space after a comma; the server writes "CN=a,O=b" and compares exactly, so this ACL would never match`)
  }
  return { perms, id: { scheme: 'x509', id: subject } }
}

/** Throws unless `acl` is a non-empty list of well-formed entries (the server rejects empty lists). */
export function validateAcl(acl: unknown, what = 'acl'): asserts acl is readonly ACL[] {
  if (!Array.isArray(acl) || acl.length === 0) throw new InvalidArgumentError(`${what} must be a non-empty array of { perms, id: { scheme, id } }; use Acls.open for an open node`)
  for (const [i, entry] of acl.entries()) {
    const e = entry as Partial<ACL> | null
    if (e === null || typeof e !== 'object' || !Number.isInteger(e.perms) || typeof e.id?.scheme !== 'string' || typeof e.id?.id !== 'string') {
      throw new InvalidArgumentError(`${what}[${i}] must be { perms: number, id: { scheme: string, id: string } }`)
    }
    if (e.perms! < 0 || e.perms! > Perms.ALL) throw new InvalidArgumentError(`${what}[${i}].perms must be a combination of Perms (0 to ${Perms.ALL}), got ${e.perms}`)
  }
}
