/**
 * The client side of the SASL DIGEST-MD5 mechanism (RFC 2831), as ZooKeeper's servers speak it:
 * `Sasl.createSaslServer("DIGEST-MD5", "zookeeper", "zk-sasl-md5", ...)` (SecurityUtils), so the
 * digest-uri is `zookeeper/zk-sasl-md5` and the realm the server offers is `zk-sasl-md5`. Only
 * `qop=auth` (authentication, no integrity or privacy layer) is supported, which is what the server
 * offers by default.
 *
 * The exchange: the client sends an empty token (DIGEST-MD5 has no initial response), the server
 * answers with a challenge, the client answers with its digest response, and the server answers
 * with `rspauth=...`, which proves it knows the password too. The client then sends nothing more.
 */
import { createHash, randomBytes } from 'node:crypto'

/** The service ZooKeeper servers register as (`protocol` of the SASL server). */
export const ZOOKEEPER_SASL_PROTOCOL = 'zookeeper'
/** The server name ZooKeeper servers use for DIGEST-MD5 (and so their default realm). */
export const ZOOKEEPER_SASL_SERVER_NAME = 'zk-sasl-md5'

/** A DIGEST-MD5 failure: a malformed or unsupported challenge, or a server proof that does not match. */
export class DigestMd5Error extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'DigestMd5Error'
  }
}

/** The directives of a challenge; `realm` may repeat, so it is a list. */
export interface DigestChallenge {
  realms: string[]
  nonce: string
  qop: string[]
  charset: string | undefined
  algorithm: string
  /** Every directive as received (the last value of a repeated one). */
  directives: Map<string, string>
}

/**
 * Parses `name=value` pairs separated by commas; values may be quoted strings with `\` escapes.
 * Returns every pair in order (names lowercased).
 */
export function parseDirectives(text: string): [string, string][] {
  const out: [string, string][] = []
  let i = 0
  const n = text.length
  const skipSpace = (): void => {
    while (i < n && /[\s,]/.test(text[i]!)) i++
  }
  skipSpace()
  while (i < n) {
    const eq = text.indexOf('=', i)
    if (eq < 0) throw new DigestMd5Error(`malformed DIGEST-MD5 directive near "${text.slice(i, i + 20)}"`)
    const name = text.slice(i, eq).trim().toLowerCase()
    if (name === '' || /[\s",]/.test(name)) throw new DigestMd5Error(`malformed DIGEST-MD5 directive name "${name}"`)
    i = eq + 1
    while (i < n && (text[i] === ' ' || text[i] === '\t')) i++
    let value = ''
    if (text[i] === '"') {
      i++
      let closed = false
      while (i < n) {
        const c = text[i]!
        if (c === '\\' && i + 1 < n) {
          value += text[i + 1]
          i += 2
        } else if (c === '"') {
          i++
          closed = true
          break
        } else {
          value += c
          i++
        }
      }
      if (!closed) throw new DigestMd5Error(`unterminated quoted value of DIGEST-MD5 directive "${name}"`)
    } else {
      const end = text.indexOf(',', i)
      value = (end < 0 ? text.slice(i) : text.slice(i, end)).trim()
      i = end < 0 ? n : end
    }
    out.push([name, value])
    skipSpace()
  }
  return out
}

/** Parses a server's digest-challenge (RFC 2831 section 2.1.1). */
export function parseChallenge(token: Buffer | string): DigestChallenge {
  const text = typeof token === 'string' ? token : token.toString('utf8')
  const pairs = parseDirectives(text)
  const directives = new Map<string, string>()
  const realms: string[] = []
  for (const [name, value] of pairs) {
    if (name === 'realm') realms.push(value)
    else if (directives.has(name) && name !== 'auth-param') throw new DigestMd5Error(`DIGEST-MD5 challenge repeats "${name}"`)
    directives.set(name, value)
  }
  const nonce = directives.get('nonce')
  if (nonce === undefined) throw new DigestMd5Error('DIGEST-MD5 challenge has no nonce')
  const algorithm = directives.get('algorithm')
  if (algorithm?.toLowerCase() !== 'md5-sess') throw new DigestMd5Error(`DIGEST-MD5 challenge has algorithm "${algorithm ?? ''}", not md5-sess`)
  const qopText = directives.get('qop')
  const qop = qopText === undefined ? ['auth'] : qopText.split(',').map((q) => q.trim()).filter((q) => q !== '')
  return { realms, nonce, qop, charset: directives.get('charset'), algorithm, directives }
}

/** Credentials and the server identity a response is made for. */
export interface DigestResponseInput {
  username: string
  password: string
  /** Realm to answer in; default: the first the server offered, else `''`. */
  realm?: string
  /** Authorization id, when acting for someone else (rarely used). */
  authzid?: string
  /** `serv-type/host`, e.g. `zookeeper/zk-sasl-md5`. */
  digestUri: string
  /** The client nonce; default: 16 random bytes, base64. Tests fix it. */
  cnonce?: string
}

/** What a response was made from, to check the server's `rspauth` against. */
export interface DigestSession {
  /** The digest-response token to send. */
  token: Buffer
  /** The `rspauth` value the server must send back. */
  expectedRspauth: string
}

function md5(...parts: (Buffer | string)[]): Buffer {
  const h = createHash('md5')
  for (const p of parts) h.update(typeof p === 'string' ? Buffer.from(p, 'latin1') : p)
  return h.digest()
}

function hex(b: Buffer): string {
  return b.toString('hex')
}

/**
 * The bytes of a user name, realm or password as hashed: ISO 8859-1 when every character fits
 * (RFC 2831 section 2.1.2.1, with charset=utf-8), UTF-8 otherwise.
 */
function credentialBytes(s: string, utf8: boolean): Buffer {
  // eslint-disable-next-line no-control-regex
  if (!utf8 || /^[\u0000-\u00ff]*$/.test(s)) return Buffer.from(s, 'latin1')
  return Buffer.from(s, 'utf8')
}

function quote(s: string): string {
  return `"${s.replace(/["\\]/g, (c) => `\\${c}`)}"`
}

/**
 * Builds the digest-response to a challenge (RFC 2831 section 2.1.2), with nc=00000001 and
 * qop=auth, and the `rspauth` the server must answer with (section 2.1.3).
 */
export function respondToChallenge(challenge: DigestChallenge, input: DigestResponseInput): DigestSession {
  if (!challenge.qop.includes('auth')) throw new DigestMd5Error(`DIGEST-MD5 server offers qop "${challenge.qop.join(',')}", but only "auth" is supported`)
  const utf8 = challenge.charset?.toLowerCase() === 'utf-8'
  const realm = input.realm ?? challenge.realms[0] ?? ''
  const cnonce = input.cnonce ?? randomBytes(16).toString('base64')
  const nc = '00000001'
  const qop = 'auth'
  const enc = (s: string): Buffer => credentialBytes(s, utf8)
  const userHash = md5(enc(input.username), ':', enc(realm), ':', enc(input.password))
  const a1Parts: (Buffer | string)[] = [userHash, ':', challenge.nonce, ':', cnonce]
  if (input.authzid !== undefined) a1Parts.push(':', Buffer.from(input.authzid, utf8 ? 'utf8' : 'latin1'))
  const ha1 = hex(md5(...a1Parts))
  const kd = (a2: string): string => hex(md5(ha1, ':', challenge.nonce, ':', nc, ':', cnonce, ':', qop, ':', hex(md5(a2))))
  const response = kd(`AUTHENTICATE:${input.digestUri}`)
  const expectedRspauth = kd(`:${input.digestUri}`)
  const fields: string[] = []
  if (utf8) fields.push('charset=utf-8')
  fields.push(`username=${quote(input.username)}`)
  fields.push(`realm=${quote(realm)}`)
  fields.push(`nonce=${quote(challenge.nonce)}`)
  fields.push(`nc=${nc}`)
  fields.push(`cnonce=${quote(cnonce)}`)
  fields.push(`digest-uri=${quote(input.digestUri)}`)
  fields.push('maxbuf=65536')
  fields.push(`response=${response}`)
  fields.push(`qop=${qop}`)
  if (input.authzid !== undefined) fields.push(`authzid=${quote(input.authzid)}`)
  return { token: Buffer.from(fields.join(','), utf8 ? 'utf8' : 'latin1'), expectedRspauth }
}

/** Checks the server's final token (`rspauth=...`, RFC 2831 section 2.1.3). */
export function verifyRspauth(token: Buffer | string, expected: string): void {
  const text = typeof token === 'string' ? token : token.toString('utf8')
  const pairs = parseDirectives(text)
  const rspauth = pairs.find(([name]) => name === 'rspauth')?.[1]
  if (rspauth === undefined) throw new DigestMd5Error('the server\'s final DIGEST-MD5 token has no rspauth')
  if (rspauth.toLowerCase() !== expected) throw new DigestMd5Error('the server\'s rspauth does not match: it does not know the password, or the exchange was tampered with')
}

/** Options of a DIGEST-MD5 client. */
export interface DigestMd5ClientOptions {
  username: string
  password: string
  /** Default `zookeeper/zk-sasl-md5`, as ZooKeeper servers expect. */
  digestUri?: string
  /** Fixed client nonce (tests only). */
  cnonce?: string
}

/**
 * One DIGEST-MD5 authentication, step by step: {@link initialToken} (empty), then
 * {@link evaluate} with each server token until {@link complete}.
 */
export class DigestMd5Client {
  private step: 'initial' | 'challenge' | 'rspauth' | 'complete' = 'initial'
  private expectedRspauth = ''

  constructor(private readonly options: DigestMd5ClientOptions) {}

  /** True once the server's rspauth was verified. */
  get complete(): boolean {
    return this.step === 'complete'
  }

  /** DIGEST-MD5 has no initial response: the first token is empty (ZooKeeperSaslClient.initialize). */
  initialToken(): Buffer {
    this.step = 'challenge'
    return Buffer.alloc(0)
  }

  /**
   * Takes a server token; returns the token to send next, or `null` when the exchange is complete.
   * Throws DigestMd5Error when the server's token is unusable or its proof is wrong.
   */
  evaluate(serverToken: Buffer | null): Buffer | null {
    if (serverToken === null || serverToken.length === 0) {
      throw new DigestMd5Error(this.step === 'challenge' ? 'the server sent no DIGEST-MD5 challenge (is SASL configured on the server?)' : 'the server sent no DIGEST-MD5 rspauth')
    }
    if (this.step === 'challenge') {
      const challenge = parseChallenge(serverToken)
      const { token, expectedRspauth } = respondToChallenge(challenge, {
        username: this.options.username,
        password: this.options.password,
        digestUri: this.options.digestUri ?? `${ZOOKEEPER_SASL_PROTOCOL}/${ZOOKEEPER_SASL_SERVER_NAME}`,
        cnonce: this.options.cnonce,
      })
      this.expectedRspauth = expectedRspauth
      this.step = 'rspauth'
      return token
    }
    if (this.step === 'rspauth') {
      verifyRspauth(serverToken, this.expectedRspauth)
      this.step = 'complete'
      return null
    }
    throw new DigestMd5Error(`unexpected DIGEST-MD5 server token in step "${this.step}"`)
  }
}
