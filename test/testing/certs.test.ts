/**
 * The throwaway certificates of zkwire/testing, checked by Node's own X.509 parser: subjects in
 * the RFC 2253 form the server's x509 provider uses, subjectAltNames, validity windows, usages,
 * and signatures that chain to the CA.
 */
import { X509Certificate, createPrivateKey } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { TestCertificateAuthority, certificateValidity, createTestCertificates } from '../../src/testing/index.js'

describe('test certificates', () => {
  it('createTestCertificates: a CA, a server certificate for 127.0.0.1 and localhost, a client certificate', async () => {
    const { ca, server, client } = await createTestCertificates()
    const caCert = new X509Certificate(ca.cert)
    expect(caCert.ca).toBe(true)
    expect(caCert.subject).toBe('CN=zkwire-test-ca')
    expect(caCert.verify(caCert.publicKey)).toBe(true)
    const s = new X509Certificate(server.cert)
    expect(s.ca).toBe(false)
    expect(s.checkIssued(caCert)).toBe(true)
    expect(s.verify(caCert.publicKey)).toBe(true)
    expect(s.subjectAltName).toBe('DNS:localhost, IP Address:127.0.0.1')
    expect(s.checkIP('127.0.0.1')).toBe('127.0.0.1')
    expect(s.checkHost('localhost')).toBe('localhost')
    expect(s.keyUsage).toEqual(expect.arrayContaining(['1.3.6.1.5.5.7.3.1', '1.3.6.1.5.5.7.3.2']))
    expect(s.checkPrivateKey(createPrivateKey(server.key))).toBe(true)
    expect(server.key).toMatch(/^-----BEGIN PRIVATE KEY-----/) // PKCS#8, as ZooKeeper's PEM store needs
    const c = new X509Certificate(client.cert)
    expect(client.subject).toBe('CN=zkwire-client,O=zkwire-test')
    expect(c.subject.split('\n').sort()).toEqual(['CN=zkwire-client', 'O=zkwire-test'])
    expect(c.subjectAltName).toBeUndefined()
    expect(c.keyUsage).toEqual(['1.3.6.1.5.5.7.3.2'])
    expect(c.verify(caCert.publicKey)).toBe(true)
  })

  it('issues certificates with the validity asked for, past or future, and IPv6 names', async () => {
    const ca = await TestCertificateAuthority.create({ commonName: 'other-ca' })
    const notBefore = new Date('2020-01-01T00:00:00Z')
    const notAfter = new Date('2060-06-01T12:00:00Z') // GeneralizedTime from 2050 on
    const cert = await ca.issue({ commonName: 'v6', ipAddresses: ['::1', 'fe80::1:2'], dnsNames: [], notBefore, notAfter })
    expect(certificateValidity(cert.cert)).toEqual({ notBefore, notAfter })
    const x = new X509Certificate(cert.cert)
    expect(x.checkIP('::1')).toBe('::1')
    expect(x.subjectAltName).toBe('IP Address:0:0:0:0:0:0:0:1, IP Address:FE80:0:0:0:0:0:1:2')
    expect(x.issuer).toBe('CN=other-ca')
    await expect(ca.issue({ commonName: 'bad', ipAddresses: ['not-an-ip'] })).rejects.toThrow(/not an IP address/)
  })
})
