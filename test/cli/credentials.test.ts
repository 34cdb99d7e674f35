/**
 * Credentials from the invocation: `-auth scheme:credentials` on every connection, and SASL
 * DIGEST-MD5 (`-sasl-user`, password from `-sasl-password` or ZKWIRE_SASL_PASSWORD) against a server
 * with a JAAS user list.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Perms, digestId } from '../../src/index.js'
import { TestingServer } from '../../src/testing/index.js'
import { chrootClient } from '../support/zk.js'
import { zkwire } from './helpers.js'

describe('-auth', () => {
  it('presents the credentials before the command runs', async () => {
    const { client, connectString } = await chrootClient()
    await client.create('/secret', 'psst', { acl: [{ id: digestId('bob', 'pw'), perms: Perms.ALL }] })
    expect(await zkwire(['-server', connectString, 'get', '/secret'])).toMatchObject({ code: 1, stderr: expect.stringMatching(/^NoAuthError/) })
    expect(await zkwire(['-server', connectString, '-auth', 'digest:bob:pw', 'get', '/secret'])).toMatchObject({ code: 0, stdout: 'psst\n' })
  })
})

describe('SASL', () => {
  let server: TestingServer
  let dir: string
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'zkwire-cli-jaas-'))
    const jaas = join(dir, 'jaas.conf')
    await writeFile(jaas, 'Server {\n  org.apache.zookeeper.server.auth.DigestLoginModule required\n  user_alice="alice-secret";\n};\n')
    server = await TestingServer.start({
      systemProperties: { 'zookeeper.authProvider.1': 'org.apache.zookeeper.server.auth.SASLAuthenticationProvider' },
      jvmArgs: [`-Djava.security.auth.login.config=${jaas}`],
    })
  })
  afterAll(async () => {
    await server?.close()
    if (dir) await rm(dir, { recursive: true, force: true })
  })

  it('-sasl-user authenticates (password from the environment or the flag): whoami shows sasl:<user>', async () => {
    const r = await zkwire(['-server', server.connectString, '-sasl-user', 'alice', 'whoami'], { env: { ZKWIRE_HISTORY: '', ZKWIRE_SASL_PASSWORD: 'alice-secret' } })
    expect(r).toMatchObject({ code: 0 })
    expect(r.stdout).toContain('sasl: alice\n')
    const flag = await zkwire(['-server', server.connectString, '-sasl-user', 'alice', '-sasl-password', 'alice-secret', 'whoami'])
    expect(flag.stdout).toContain('sasl: alice\n')
  })

  it('dump / leaves out ZooKeeper\'s own /zookeeper (this fresh server has nothing else)', async () => {
    const r = await zkwire(['-server', server.connectString, 'dump', '/'])
    expect(JSON.parse(r.stdout).nodes.map((n: { path: string }) => n.path)).toEqual(['/'])
  })

  it('a wrong password fails with exit code 1 and says authentication failed', async () => {
    const r = await zkwire(['-server', server.connectString, '-timeout', '10000', '-sasl-user', 'alice', '-sasl-password', 'wrong', 'ls', '/'])
    expect(r.code).toBe(1)
    expect(r.stderr).toMatch(/^(AuthFailedError|ClientClosedError): .*authentication/)
  })
})
