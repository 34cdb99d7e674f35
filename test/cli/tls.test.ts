/**
 * The TLS flags against a real server's secureClientPort with mutual TLS (`ssl.clientAuth=need`),
 * certificates from zkwire/testing's throwaway CA written to PEM files as an operator has them.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { TestingServer, createTestCertificates } from '../../src/testing/index.js'
import { zkwire } from './helpers.js'

let server: TestingServer
let dir: string
let secure: string

beforeAll(async () => {
  const certs = await createTestCertificates()
  dir = await mkdtemp(join(tmpdir(), 'zkwire-cli-tls-'))
  await Promise.all([
    writeFile(join(dir, 'ca.pem'), certs.ca.cert),
    writeFile(join(dir, 'client.pem'), certs.client.cert),
    writeFile(join(dir, 'client.key'), certs.client.key),
    writeFile(join(dir, 'bad.pem'), 'not a certificate'),
  ])
  server = await TestingServer.start({ tls: { certificate: certs.server, clientAuth: 'need' } })
  secure = server.secureConnectString!
})

afterAll(async () => {
  await server?.close()
  if (dir) await rm(dir, { recursive: true, force: true })
})

describe('TLS flags', () => {
  it('-tls-ca with a client certificate connects to the secure port; whoami shows the x509 identity', async () => {
    const tls = ['-tls-ca', join(dir, 'ca.pem'), '-tls-cert', join(dir, 'client.pem'), '-tls-key', join(dir, 'client.key')]
    expect(await zkwire(['-server', secure, ...tls, 'create', '/over-tls', 'sealed'])).toMatchObject({ code: 0, stderr: 'Created /over-tls\n' })
    expect(await zkwire(['-server', secure, ...tls, 'get', '/over-tls'])).toMatchObject({ code: 0, stdout: 'sealed\n' })
    const who = await zkwire(['-server', secure, ...tls, 'whoami'])
    expect(who.stdout).toMatch(/^x509: .*zkwire-client/m)
  })

  it('fails with exit code 1 without the client certificate the server needs, or without TLS', async () => {
    expect(await zkwire(['-server', secure, '-timeout', '2000', '-tls-ca', join(dir, 'ca.pem'), 'ls', '/'])).toMatchObject({ code: 1 })
    expect(await zkwire(['-server', secure, '-timeout', '2000', 'ls', '/'])).toMatchObject({ code: 1, stderr: expect.stringContaining('could not connect') })
  })

  it('says which file it cannot use; -tls-cert needs -tls-key', async () => {
    expect(await zkwire(['-server', secure, '-tls-ca', join(dir, 'missing.pem'), 'ls', '/'])).toMatchObject({ code: 1, stderr: expect.stringContaining(`-tls-ca ${join(dir, 'missing.pem')}: ENOENT`) })
    expect(await zkwire(['-server', secure, '-tls-cert', join(dir, 'client.pem'), '-tls-key', join(dir, 'bad.pem'), 'ls', '/'])).toMatchObject({ code: 1, stderr: expect.stringMatching(/^InvalidArgumentError: tls options refused by node:tls/) })
    // A CA that verifies nothing fails each handshake: the connect timeout says how the last attempt failed.
    const r = await zkwire(['-server', secure, '-timeout', '2000', '-tls-ca', join(dir, 'bad.pem'), 'ls', '/'])
    expect(r).toMatchObject({ code: 1, stderr: expect.stringMatching(/could not connect .*; last connection attempt failed: .*(certificate|TLS)/i) })
    expect(await zkwire(['-server', secure, '-tls-cert', join(dir, 'client.pem'), 'ls', '/'])).toMatchObject({ code: 2, stderr: expect.stringContaining('-tls-cert and -tls-key go together') })
  })
})
