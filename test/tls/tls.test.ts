/**
 * TLS against real ZooKeeper servers (`secureClientPort`, Netty, PEM stores from
 * zkwire/testing's throwaway CA): server-only TLS, mutual TLS with `ssl.clientAuth=need` and the
 * x509 identity it gives, SASL over TLS, certificate rotation between connections, and every
 * failure of issue 10 item 3 failing its attempt fast with a message and a cause naming it.
 * One CA and certificate set; four servers started together (a `need` one offering TLS 1.3 and 1.2, a
 * `want` one with ZooKeeper's default protocols and SASL users, one with an expired and one with a not-yet-valid certificate).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { LookupFunction } from 'node:net'
import type { ConnectionOptions } from 'node:tls'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ConnectAttemptError, ConnectionLossError, InvalidArgumentError, NoAuthError, Perms, createClient, x509Acl } from '../../src/index.js'
import { FaultProxy, TestCertificateAuthority, type TestCertificate, type TestCertificates, TestingServer, createTestCertificates } from '../../src/testing/index.js'
import { RecordingLogger, rejection, useClients } from './helpers.js'

const DAY = 86_400_000
let certs: TestCertificates
let need: TestingServer // ssl.clientAuth=need, TLS 1.3 and 1.2 offered (3.8 needs all three settings of TLS13)
let want: TestingServer // ssl.clientAuth=want, SASL DIGEST-MD5 users
let expired: TestingServer
let notYetValid: TestingServer
/** TLS 1.3 beside 1.2: ZooKeeper 3.8 offers 1.3 only with all three settings. */
const TLS13 = {
  'ssl.protocol': 'TLSv1.3',
  'ssl.enabledProtocols': 'TLSv1.3,TLSv1.2',
  'ssl.ciphersuites': 'TLS_AES_128_GCM_SHA256,TLS_AES_256_GCM_SHA384,TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384',
}
let jaasDir: string
const client = useClients()

/** node:tls options of the suite's client certificate. */
function mtls(cert: TestCertificate = certs.client): ConnectionOptions {
  return { ca: certs.ca.cert, cert: cert.cert, key: cert.key }
}

beforeAll(async () => {
  certs = await createTestCertificates()
  const [expiredCert, futureCert] = await Promise.all([
    certs.ca.issue({ commonName: 'zk-expired', notBefore: new Date(Date.now() - 3 * DAY), notAfter: new Date(Date.now() - DAY) }),
    certs.ca.issue({ commonName: 'zk-future', notBefore: new Date(Date.now() + DAY), notAfter: new Date(Date.now() + 3 * DAY) }),
  ])
  jaasDir = await mkdtemp(join(tmpdir(), 'zkwire-tls-jaas-'))
  const jaas = join(jaasDir, 'jaas.conf')
  await writeFile(jaas, 'Server {\n  org.apache.zookeeper.server.auth.DigestLoginModule required\n  user_alice="alice-secret";\n};\n')
  ;[need, want, expired, notYetValid] = await Promise.all([
    TestingServer.start({ tls: { certificate: certs.server, clientAuth: 'need' }, config: TLS13 }),
    // ZooKeeper's default protocols here (TLS 1.2 only on 3.8).
    TestingServer.start({
      tls: { certificate: certs.server, clientAuth: 'want' },
      systemProperties: { 'zookeeper.authProvider.1': 'org.apache.zookeeper.server.auth.SASLAuthenticationProvider' },
      jvmArgs: [`-Djava.security.auth.login.config=${jaas}`],
    }),
    TestingServer.start({ tls: { certificate: expiredCert, clientAuth: 'none' } }),
    TestingServer.start({ tls: { certificate: futureCert, clientAuth: 'none' } }),
  ])
})

afterAll(async () => {
  await Promise.all([need, want, expired, notYetValid].map((s) => s?.close()))
  if (jaasDir) await rm(jaasDir, { recursive: true, force: true })
})

describe('TLS sessions', () => {
  it('server-only TLS: the CA alone is enough where the server does not ask for a certificate, and the session works as over TCP', async () => {
    const zk = client(want.secureConnectString!, { tls: { ca: certs.ca.cert } })
    await zk.connected({ timeout: 15_000 })
    const path = `/server-only-${Date.now()}`
    await zk.create(path, 'over tls', { mode: 'ephemeral' })
    expect((await zk.getData(path)).data.toString()).toBe('over tls')
    expect(await zk.whoAmI()).toEqual([{ authScheme: 'ip', user: '127.0.0.1' }])
  })

  it('mutual TLS (need) over TLS 1.2: the session is the certificate subject, as whoAmI shows', async () => {
    const zk = client(need.secureConnectString!, { tls: { ...mtls(), maxVersion: 'TLSv1.2' } })
    await zk.connected({ timeout: 15_000 })
    expect(certs.client.subject).toBe('CN=zkwire-client,O=zkwire-test')
    expect(await zk.whoAmI()).toEqual(expect.arrayContaining([{ authScheme: 'x509', user: 'CN=zkwire-client,O=zkwire-test' }]))
  })

  it('an x509 ACL lets that certificate in and keeps other certificates and plain clients out', async () => {
    const owner = client(need.secureConnectString!, { tls: mtls() })
    await owner.connected({ timeout: 15_000 })
    const path = `/x509-${Date.now()}`
    await owner.create(path, 'secret', { acl: [x509Acl(certs.client.subject, Perms.ALL)] })
    expect((await owner.getData(path)).data.toString()).toBe('secret')
    expect((await owner.getACL(path)).acl).toEqual([{ perms: Perms.ALL, id: { scheme: 'x509', id: 'CN=zkwire-client,O=zkwire-test' } }])

    const otherCert = await certs.ca.issue({ commonName: 'someone-else', organization: 'zkwire-test', serverAuth: false })
    const other = client(need.secureConnectString!, { tls: mtls(otherCert) })
    await other.connected({ timeout: 15_000 })
    expect(await rejection(other.getData(path))).toBeInstanceOf(NoAuthError)
    const plain = client(need.connectString)
    await plain.connected({ timeout: 15_000 })
    expect(await rejection(plain.getData(path))).toBeInstanceOf(NoAuthError)
    await owner.delete(path)
  })

  it('x509Acl refuses subjects the server would never match', () => {
    expect(() => x509Acl('CN=a, O=b')).toThrow(InvalidArgumentError)
    expect(() => x509Acl('not a dn')).toThrow(InvalidArgumentError)
    expect(() => x509Acl(42 as never)).toThrow(InvalidArgumentError)
    expect(x509Acl('CN=a,O=b', Perms.READ)).toEqual({ perms: Perms.READ, id: { scheme: 'x509', id: 'CN=a,O=b' } })
  })

  it('SASL over TLS: the DIGEST-MD5 exchange runs inside the TLS session', async () => {
    const zk = client(want.secureConnectString!, { tls: mtls(), sasl: { mechanism: 'DIGEST-MD5', username: 'alice', password: 'alice-secret' } })
    await zk.connected({ timeout: 15_000 })
    const ids = await zk.whoAmI()
    expect(ids).toEqual(expect.arrayContaining([{ authScheme: 'sasl', user: 'alice' }, { authScheme: 'x509', user: 'CN=zkwire-client,O=zkwire-test' }]))
  })

  it('rotation through a function: the next connection presents the new certificate, same session', async () => {
    const [first, second] = await Promise.all([
      certs.ca.issue({ commonName: 'rotated-1', serverAuth: false }),
      certs.ca.issue({ commonName: 'rotated-2', serverAuth: false }),
    ])
    const proxy = await FaultProxy.start({ upstream: need.secureConnectString! })
    try {
      let current = first
      let calls = 0
      const zk = client(proxy.address, { tls: () => { calls++; return mtls(current) } })
      await zk.connected({ timeout: 15_000 })
      expect(await zk.whoAmI()).toContainEqual({ authScheme: 'x509', user: 'CN=rotated-1' })
      const session = zk.sessionId
      current = second
      const back = new Promise<void>((resolve) => zk.on('state', (c) => { if (c.state === 'reconnected') resolve() }))
      proxy.cut()
      await back
      expect(zk.sessionId).toBe(session)
      expect(calls).toBeGreaterThanOrEqual(2)
      expect(await zk.whoAmI()).toContainEqual({ authScheme: 'x509', user: 'CN=rotated-2' })
    } finally {
      await proxy.close()
    }
  })

  it('rotation through an options object the application updates', async () => {
    const rotated = await certs.ca.issue({ commonName: 'rotated-object', serverAuth: false })
    const proxy = await FaultProxy.start({ upstream: need.secureConnectString! })
    try {
      const options: ConnectionOptions = mtls()
      const zk = client(proxy.address, { tls: options })
      await zk.connected({ timeout: 15_000 })
      expect(await zk.whoAmI()).toContainEqual({ authScheme: 'x509', user: certs.client.subject })
      options.cert = rotated.cert
      options.key = rotated.key
      const back = new Promise<void>((resolve) => zk.on('state', (c) => { if (c.state === 'reconnected') resolve() }))
      proxy.cut()
      await back
      expect(await zk.whoAmI()).toContainEqual({ authScheme: 'x509', user: 'CN=rotated-object' })
    } finally {
      await proxy.close()
    }
  })

  it('refuses tls values of the wrong shape, and a tls function that returns no object fails the attempt with a reason', async () => {
    expect(() => createClient(need.secureConnectString!, { tls: 'yes' as never })).toThrow(InvalidArgumentError)
    expect(() => createClient(need.secureConnectString!, { tls: [] as never })).toThrow(InvalidArgumentError)
    expect(() => createClient(need.secureConnectString!, { tls: { host: 'x' } })).toThrow(/must not set "host"/)
    expect(() => createClient(need.secureConnectString!, { lookup: 'dns' as never })).toThrow(InvalidArgumentError)
    expect(() => createClient(need.secureConnectString!, { tls: { ca: 42 as never } })).toThrow(/tls options refused by node:tls/)
    expect(() => createClient(need.secureConnectString!, { tls: { cert: certs.client.cert, key: 'not a key' } })).toThrow(/tls options refused by node:tls/)
    expect(() => createClient(need.secureConnectString!, { tls: { cert: certs.client.cert, key: certs.server.key } })).toThrow(InvalidArgumentError)
    const logger = new RecordingLogger()
    const zk = client(need.secureConnectString!, { tls: (() => Promise.resolve(mtls())) as never, logger, connectTimeout: 3_000 })
    const line = await logger.next(/connection attempt failed/)
    expect(line.message).toMatch(/tls function must return an object .* got a Promise/)
    expect(zk.state).toBe('initial')
  })
})

describe('TLS failures fail the attempt fast, saying which', () => {
  const CONNECT_TIMEOUT = 5_000
  const toWrong: LookupFunction = (_host, options, callback) => {
    if (options.all) (callback as any)(null, [{ address: '127.0.0.1', family: 4 }])
    else (callback as any)(null, '127.0.0.1', 4)
  }

  async function expectFailure(connectString: string, options: Parameters<typeof client>[1], code: string, text: RegExp): Promise<void> {
    const logger = new RecordingLogger()
    const started = Date.now()
    const zk = client(connectString, { connectTimeout: CONNECT_TIMEOUT, ...options, logger })
    const line = await logger.next(/connection attempt failed/, CONNECT_TIMEOUT * 2)
    expect(line.at - started).toBeLessThan(CONNECT_TIMEOUT)
    const cause = line.fields?.cause as ConnectAttemptError
    expect(cause).toBeInstanceOf(ConnectAttemptError)
    expect(cause.code).toBe(code)
    expect(line.message).toMatch(text)
    // The reason reaches connected(): its error carries the attempt's cause.
    const error = await rejection(zk.connected({ timeout: 50 }))
    expect(error).toBeInstanceOf(ConnectionLossError)
    expect(error.cause).toBeInstanceOf(ConnectAttemptError)
    expect(error.cause.code).toBe(code)
    expect(error.message).toMatch(text)
    expect(zk.state).toBe('initial')
  }

  it('a server certificate from a CA the client does not trust', async () => {
    const otherCa = await TestCertificateAuthority.create({ commonName: 'some-other-ca' })
    await expectFailure(need.secureConnectString!, { tls: { ...mtls(), ca: otherCa.cert } }, 'TLS_UNTRUSTED_CERTIFICATE', /not signed by a CA this client trusts/)
  })

  it('an expired server certificate', async () => {
    await expectFailure(expired.secureConnectString!, { tls: { ca: certs.ca.cert } }, 'TLS_CERTIFICATE_EXPIRED', /certificate has expired/)
  })

  it('a server certificate that is not valid yet', async () => {
    await expectFailure(notYetValid.secureConnectString!, { tls: { ca: certs.ca.cert } }, 'TLS_CERTIFICATE_NOT_YET_VALID', /not valid yet/)
  })

  it('a host name the server certificate does not list', async () => {
    await expectFailure(`zk.wrong-name.test:${need.securePort}`, { tls: mtls(), lookup: toWrong }, 'TLS_HOSTNAME_MISMATCH', /does not name this host/)
  })

  it('no client certificate where the server needs one, over TLS 1.2 (refused in the handshake)', async () => {
    await expectFailure(need.secureConnectString!, { tls: { ca: certs.ca.cert, maxVersion: 'TLSv1.2' } }, 'TLS_CLIENT_CERTIFICATE_REJECTED', /refused the client certificate/)
  })

  it('no client certificate where the server needs one, over TLS 1.3 (refused after the handshake)', async () => {
    await expectFailure(need.secureConnectString!, { tls: { ca: certs.ca.cert, minVersion: 'TLSv1.3' } }, 'TLS_CLIENT_CERTIFICATE_REJECTED', /client certificate/)
  })

  it('mutual TLS over TLS 1.3 works and keeps the x509 identity', async () => {
    const zk = client(need.secureConnectString!, { tls: { ...mtls(), minVersion: 'TLSv1.3' } })
    await zk.connected({ timeout: 15_000 })
    expect(await zk.whoAmI()).toContainEqual({ authScheme: 'x509', user: certs.client.subject })
  })

  it('a handshake the server refuses for another reason (no cipher suite in common)', async () => {
    // Static-RSA key exchange only: ZooKeeper's default suites are all ECDHE.
    await expectFailure(need.secureConnectString!, { tls: { ...mtls(), maxVersion: 'TLSv1.2', ciphers: 'AES128-SHA' } }, 'TLS_HANDSHAKE_FAILED', /TLS handshake with .* failed/)
  })

  it('a plain client on the secure port', async () => {
    await expectFailure(need.secureConnectString!, {}, 'TLS_REQUIRED', /without answering the ConnectRequest: if it is a TLS port/)
  })

  it('a TLS client on the plain port', async () => {
    await expectFailure(need.connectString, { tls: mtls() }, 'TLS_PORT_NOT_TLS', /probably a plain clientPort/)
  })
})
