/**
 * Throwaway X.509 certificates for TLS tests, made with `node:crypto` alone: RSA keys from
 * `generateKeyPair`, certificates written as DER by hand and signed with `crypto.sign`. No
 * openssl, no keytool, no JVM start per certificate. ZooKeeper reads the results as PEM key and
 * trust stores (`ssl.keyStore.type=PEM`), Node's `tls` reads them as `ca`, `cert` and `key`.
 */
import { type KeyObject, X509Certificate, generateKeyPair, randomBytes, sign } from 'node:crypto'
import { isIPv4, isIPv6 } from 'node:net'
import { promisify } from 'node:util'

const generateKeyPairAsync = promisify(generateKeyPair)

/** What a certificate says about its holder and how long it is valid. */
export interface CertificateOptions {
  /** Subject CN. */
  commonName: string
  /** Subject O (written before CN, so the RFC 2253 form reads `CN=...,O=...`). Default none. */
  organization?: string
  /** IP addresses in the subjectAltName. Default `['127.0.0.1']` for server certificates, none otherwise. */
  ipAddresses?: readonly string[]
  /** DNS names in the subjectAltName. Default `['localhost']` for server certificates, none otherwise. */
  dnsNames?: readonly string[]
  /** Start of validity. Default: one hour ago (clock skew between processes). */
  notBefore?: Date
  /** End of validity. Default: 30 days after `notBefore`. */
  notAfter?: Date
  /** Usable as a TLS server certificate (EKU serverAuth). Default true. */
  serverAuth?: boolean
  /** Usable as a TLS client certificate (EKU clientAuth). Default true: ensemble members are TLS clients of each other. */
  clientAuth?: boolean
}

/** A key and the certificate issued for it, in PEM. */
export interface TestCertificate {
  /** The certificate, PEM. */
  cert: string
  /** The private key, PKCS#8 PEM (`BEGIN PRIVATE KEY`, the form ZooKeeper's PEM key store needs). */
  key: string
  /** The issuing CA's certificate, PEM. */
  ca: string
  /** The subject in RFC 2253 form, most specific first: the server's `x509` identity for this certificate. */
  subject: string
}

/**
 * A certificate authority that exists only for a test run.
 *
 * @example
 * const ca = await TestCertificateAuthority.create()
 * const server = await ca.issue({ commonName: 'zk-server' })              // SAN 127.0.0.1, localhost
 * const client = await ca.issue({ commonName: 'app', organization: 'acme', serverAuth: false })
 * client.subject // 'CN=app,O=acme'
 */
export class TestCertificateAuthority {
  /** The CA certificate, PEM: what clients pass as `ca` and servers use as their trust store. */
  readonly cert: string
  /** The CA's subject, RFC 2253. */
  readonly subject: string
  private readonly key: KeyObject
  private readonly name: Buffer

  private constructor(cert: string, key: KeyObject, name: Buffer, subject: string) {
    this.cert = cert
    this.key = key
    this.name = name
    this.subject = subject
  }

  /** Makes a self-signed CA (RSA 2048, SHA-256, valid from an hour ago for ten years). */
  static async create(options: { commonName?: string } = {}): Promise<TestCertificateAuthority> {
    const { publicKey, privateKey } = await generateKeyPairAsync('rsa', { modulusLength: 2048 })
    const commonName = options.commonName ?? 'zkwire-test-ca'
    const name = encodeName({ commonName })
    const notBefore = new Date(Date.now() - HOUR)
    const caDer = buildCertificate({
      issuer: name,
      subject: name,
      spki: publicKey.export({ type: 'spki', format: 'der' }),
      signer: privateKey,
      notBefore,
      notAfter: new Date(notBefore.getTime() + 3650 * DAY),
      extensions: [
        extension(OID.basicConstraints, true, seq(der(0x01, Buffer.from([0xff])))),
        extension(OID.keyUsage, true, bitString(0x06, 1)), // keyCertSign, cRLSign
      ],
    })
    return new TestCertificateAuthority(toPem('CERTIFICATE', caDer), privateKey, name, `CN=${commonName}`)
  }

  /**
   * Issues a leaf certificate for a fresh RSA 2048 key. Pass `notBefore`/`notAfter` in the past
   * or the future for expired or not-yet-valid certificates.
   */
  async issue(options: CertificateOptions): Promise<TestCertificate> {
    const { publicKey, privateKey } = await generateKeyPairAsync('rsa', { modulusLength: 2048 })
    const serverAuth = options.serverAuth ?? true
    const clientAuth = options.clientAuth ?? true
    const ips = options.ipAddresses ?? (serverAuth ? ['127.0.0.1'] : [])
    const dns = options.dnsNames ?? (serverAuth ? ['localhost'] : [])
    const notBefore = options.notBefore ?? new Date(Date.now() - HOUR)
    const notAfter = options.notAfter ?? new Date(notBefore.getTime() + 30 * DAY)
    const usages = [...(serverAuth ? [OID.serverAuth] : []), ...(clientAuth ? [OID.clientAuth] : [])]
    const extensions = [
      extension(OID.basicConstraints, false, seq()),
      extension(OID.keyUsage, true, bitString(0xa0, 5)), // digitalSignature, keyEncipherment
    ]
    if (usages.length > 0) extensions.push(extension(OID.extKeyUsage, false, seq(...usages.map(oid))))
    if (ips.length + dns.length > 0) extensions.push(extension(OID.subjectAltName, false, seq(...dns.map(dnsName), ...ips.map(ipName))))
    const certDer = buildCertificate({
      issuer: this.name,
      subject: encodeName(options),
      spki: publicKey.export({ type: 'spki', format: 'der' }),
      signer: this.key,
      notBefore,
      notAfter,
      extensions,
    })
    const subject = options.organization === undefined ? `CN=${options.commonName}` : `CN=${options.commonName},O=${options.organization}`
    return {
      cert: toPem('CERTIFICATE', certDer),
      key: privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
      ca: this.cert,
      subject,
    }
  }
}

/** A CA, a server certificate (SAN 127.0.0.1 and localhost) and a client certificate `CN=zkwire-client,O=zkwire-test`. */
export interface TestCertificates {
  ca: TestCertificateAuthority
  server: TestCertificate
  client: TestCertificate
}

/**
 * The usual set for a TLS test: one CA, one server certificate every ensemble member can share,
 * one client certificate.
 *
 * @example
 * const certs = await createTestCertificates()
 * const server = await TestingServer.start({ tls: { certificate: certs.server } })
 * const zk = createClient(server.secureConnectString!, { tls: { ca: certs.ca.cert, cert: certs.client.cert, key: certs.client.key } })
 */
export async function createTestCertificates(): Promise<TestCertificates> {
  const ca = await TestCertificateAuthority.create()
  const [server, client] = await Promise.all([
    ca.issue({ commonName: 'zk-server' }),
    ca.issue({ commonName: 'zkwire-client', organization: 'zkwire-test', serverAuth: false }),
  ])
  return { ca, server, client }
}

/** The validity of a PEM certificate, e.g. to explain a failure. */
export function certificateValidity(pem: string | Buffer): { notBefore: Date; notAfter: Date } {
  const x = new X509Certificate(pem)
  return { notBefore: new Date(x.validFrom), notAfter: new Date(x.validTo) }
}

// ---------------------------------------------------------------- DER

const HOUR = 3_600_000
const DAY = 24 * HOUR

const OID = {
  sha256WithRSA: '1.2.840.113549.1.1.11',
  commonName: '2.5.4.3',
  organization: '2.5.4.10',
  basicConstraints: '2.5.29.19',
  keyUsage: '2.5.29.15',
  extKeyUsage: '2.5.29.37',
  subjectAltName: '2.5.29.17',
  serverAuth: '1.3.6.1.5.5.7.3.1',
  clientAuth: '1.3.6.1.5.5.7.3.2',
} as const

interface CertificateParts {
  issuer: Buffer
  subject: Buffer
  spki: Buffer
  signer: KeyObject
  notBefore: Date
  notAfter: Date
  extensions: Buffer[]
}

function buildCertificate(parts: CertificateParts): Buffer {
  const algorithm = seq(oid(OID.sha256WithRSA), der(0x05, Buffer.alloc(0)))
  const serial = randomBytes(16)
  serial[0] = (serial[0]! & 0x7f) | 0x01 // positive, and no leading zero byte needed
  const tbs = seq(
    der(0xa0, der(0x02, Buffer.from([2]))), // [0] version v3
    der(0x02, serial),
    algorithm,
    parts.issuer,
    seq(time(parts.notBefore), time(parts.notAfter)),
    parts.subject,
    parts.spki,
    der(0xa3, seq(...parts.extensions)), // [3] extensions
  )
  const signature = sign('sha256', tbs, parts.signer)
  return seq(tbs, algorithm, der(0x03, Buffer.concat([Buffer.from([0]), signature])))
}

/** Subject or issuer: O (if any) then CN, each its own RDN. */
function encodeName(options: { commonName: string; organization?: string }): Buffer {
  const rdn = (type: string, value: string): Buffer => der(0x31, seq(oid(type), der(0x0c, Buffer.from(value, 'utf8'))))
  const rdns = options.organization === undefined ? [] : [rdn(OID.organization, options.organization)]
  rdns.push(rdn(OID.commonName, options.commonName))
  return seq(...rdns)
}

function extension(id: string, critical: boolean, value: Buffer): Buffer {
  return seq(oid(id), ...(critical ? [der(0x01, Buffer.from([0xff]))] : []), der(0x04, value))
}

function dnsName(name: string): Buffer {
  return der(0x82, Buffer.from(name, 'ascii'))
}

function ipName(ip: string): Buffer {
  if (isIPv4(ip)) return der(0x87, Buffer.from(ip.split('.').map(Number)))
  if (!isIPv6(ip)) throw new TypeError(`not an IP address: ${ip}`)
  return der(0x87, ipv6Bytes(ip))
}

function ipv6Bytes(ip: string): Buffer {
  const [head, tail] = ip.includes('::') ? ip.split('::') as [string, string] : [ip, undefined]
  const words = (s: string): number[] => (s === '' ? [] : s.split(':').map((w) => parseInt(w, 16)))
  const left = words(head)
  const right = tail === undefined ? [] : words(tail)
  const all = [...left, ...new Array<number>(8 - left.length - right.length).fill(0), ...right]
  const out = Buffer.alloc(16)
  all.forEach((w, i) => out.writeUInt16BE(w, i * 2))
  return out
}

function bitString(bits: number, unused: number): Buffer {
  return der(0x03, Buffer.from([unused, bits]))
}

function time(date: Date): Buffer {
  const iso = date.toISOString().replace(/[-:T]/g, '').slice(0, 14) // YYYYMMDDHHMMSS
  const year = date.getUTCFullYear()
  // RFC 5280: UTCTime through 2049, GeneralizedTime from 2050 on.
  if (year >= 1950 && year < 2050) return der(0x17, Buffer.from(`${iso.slice(2)}Z`, 'ascii'))
  return der(0x18, Buffer.from(`${iso}Z`, 'ascii'))
}

function oid(dotted: string): Buffer {
  const parts = dotted.split('.').map(Number)
  const bytes = [40 * parts[0]! + parts[1]!]
  for (const part of parts.slice(2)) {
    const chunk = [part & 0x7f]
    for (let v = part >>> 7; v > 0; v >>>= 7) chunk.unshift((v & 0x7f) | 0x80)
    bytes.push(...chunk)
  }
  return der(0x06, Buffer.from(bytes))
}

function seq(...items: Buffer[]): Buffer {
  return der(0x30, Buffer.concat(items))
}

function der(tag: number, content: Buffer): Buffer {
  const n = content.length
  let header: number[]
  if (n < 0x80) header = [tag, n]
  else if (n < 0x100) header = [tag, 0x81, n]
  else if (n < 0x10000) header = [tag, 0x82, n >> 8, n & 0xff]
  else header = [tag, 0x83, n >> 16, (n >> 8) & 0xff, n & 0xff]
  return Buffer.concat([Buffer.from(header), content])
}

function toPem(label: string, body: Buffer): string {
  const b64 = body.toString('base64').replace(/.{64}/g, '$&\n').replace(/\n$/, '')
  return `-----BEGIN ${label}-----\n${b64}\n-----END ${label}-----\n`
}
