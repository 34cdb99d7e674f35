/**
 * SASL DIGEST-MD5 authentication against a real server configured as the ZooKeeper docs describe:
 * `SASLAuthenticationProvider` plus a JAAS `Server` section with `DigestLoginModule` users.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type ACL, AuthFailedError, type ClientOptions, type ConnectionState, NoAuthError, Perms, type ZooKeeperClient, createClient } from '../../src/index.js'
import { TestingServer } from '../../src/testing/index.js'
import { within } from './helpers.js'

const SASL_ACL: ACL[] = [{ perms: Perms.ALL, id: { scheme: 'sasl', id: 'alice' } }]
const ALICE = { mechanism: 'DIGEST-MD5', username: 'alice', password: 'alice-secret' } as const

let server: TestingServer
let jaasDir: string
const clients: ZooKeeperClient[] = []

function client(options: ClientOptions = {}): ZooKeeperClient {
  const c = createClient(server.connectString, { sessionTimeout: 10_000, ...options })
  clients.push(c)
  return c
}

/** Resolves when the client reaches `state`. */
function reach(c: ZooKeeperClient, state: ConnectionState): Promise<void> {
  if (c.state === state) return Promise.resolve()
  return within(new Promise<void>((resolve) => {
    const listener = (change: { state: ConnectionState }): void => {
      if (change.state !== state) return
      c.off('state', listener)
      resolve()
    }
    c.on('state', listener)
  }), 20_000, `state ${state}`)
}

beforeAll(async () => {
  jaasDir = await mkdtemp(join(tmpdir(), 'zkwire-jaas-'))
  const jaasFile = join(jaasDir, 'jaas.conf')
  await writeFile(jaasFile, [
    'Server {',
    '  org.apache.zookeeper.server.auth.DigestLoginModule required',
    '  user_alice="alice-secret"',
    '  user_bob="bob-secret";',
    '};',
    '',
  ].join('\n'))
  server = await TestingServer.start({
    systemProperties: { 'zookeeper.authProvider.1': 'org.apache.zookeeper.server.auth.SASLAuthenticationProvider' },
    jvmArgs: [`-Djava.security.auth.login.config=${jaasFile}`],
  })
})

afterAll(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close().catch(() => {})))
  await server?.close()
  if (jaasDir) await rm(jaasDir, { recursive: true, force: true })
})

describe('SASL DIGEST-MD5', () => {
  it('authenticates: whoAmI shows sasl:alice, a sasl:alice node is hers and NoAuth to others', async () => {
    const alice = client({ sasl: ALICE })
    await alice.connected({ timeout: 20_000 })
    const who = await alice.whoAmI()
    expect(who).toContainEqual({ authScheme: 'sasl', user: 'alice' })

    const path = `/sasl-${Date.now()}-a`
    await alice.create(path, 'for alice', { acl: SASL_ACL })
    expect((await alice.getData(path)).data.toString()).toBe('for alice')
    await alice.setData(path, 'changed')
    expect((await alice.getACL(path)).acl).toEqual(SASL_ACL)

    const anonymous = client()
    await anonymous.connected({ timeout: 20_000 })
    expect((await anonymous.whoAmI()).some((i) => i.authScheme === 'sasl')).toBe(false)
    await expect(anonymous.getData(path)).rejects.toThrow(NoAuthError)

    const bob = client({ sasl: { mechanism: 'DIGEST-MD5', username: 'bob', password: 'bob-secret' } })
    await bob.connected({ timeout: 20_000 })
    expect(await bob.whoAmI()).toContainEqual({ authScheme: 'sasl', user: 'bob' })
    await expect(bob.getData(path)).rejects.toThrow(NoAuthError)
    // ZooKeeperServer.processSasl logs the identity it adds to the connection.
    expect(await readFile(server.logFile, 'utf8')).toContain('adding SASL authorization for authorizationID: alice')
  })

  it('requests made before the exchange completes wait for it, then run authenticated', async () => {
    const setup = client({ sasl: ALICE })
    const path = `/sasl-${Date.now()}-b`
    await setup.create(path, 'held', { acl: SASL_ACL })

    const alice = client({ sasl: ALICE })
    // Issued at once, before the connection exists: they would fail NoAuth if sent before SASL.
    const results = await Promise.all([
      alice.getData(path),
      alice.create(`${path}/child`, 'c'),
      alice.getChildren(path),
      alice.whoAmI(),
    ])
    expect(results[0].data.toString()).toBe('held')
    expect(results[1].path).toBe(`${path}/child`)
    expect(results[2].children).toEqual(['child'])
    expect(results[3]).toContainEqual({ authScheme: 'sasl', user: 'alice' })

    // Issued as soon as the handshake is reported, while the token exchange is still under way.
    const early = client({ sasl: ALICE })
    await reach(early, 'connected')
    expect((await early.getData(path)).data.toString()).toBe('held')
  })

  it('a wrong password fails with AuthFailedError and closes the client', async () => {
    const wrong = client({ sasl: { ...ALICE, password: 'nope' } })
    const closed = reach(wrong, 'closed')
    const error = await wrong.getData('/').catch((e: unknown) => e)
    expect(error).toBeInstanceOf(AuthFailedError)
    expect((error as Error).message).toContain('alice')
    // Refused by the server (AUTHFAILED reply to the digest-response), not by the client.
    expect((error as Error).cause).toMatchObject({ code: 'AUTHFAILED' })
    await closed
    expect(wrong.state).toBe('closed')
    await expect(wrong.exists('/')).rejects.toBeInstanceOf(Error)
  })

  it('an unknown user fails with AuthFailedError too', async () => {
    const nobody = client({ sasl: { mechanism: 'DIGEST-MD5', username: 'mallory', password: 'x' } })
    const closed = reach(nobody, 'closed')
    await expect(nobody.getData('/')).rejects.toThrow(AuthFailedError)
    await closed
  })

  it('authenticates again on every connection: after a server restart the session keeps its identity', async () => {
    const alice = client({ sasl: ALICE })
    const path = `/sasl-${Date.now()}-c`
    await alice.create(path, 'again', { acl: SASL_ACL })
    const reconnected = reach(alice, 'reconnected')
    await server.restart()
    await reconnected
    expect((await alice.getData(path)).data.toString()).toBe('again')
    expect(await alice.whoAmI()).toContainEqual({ authScheme: 'sasl', user: 'alice' })
  })

  it('rejects unusable sasl options at once', () => {
    expect(() => createClient(server.connectString, { sasl: { mechanism: 'PLAIN' as 'DIGEST-MD5', username: 'a', password: 'b' } })).toThrow(/DIGEST-MD5/)
    expect(() => createClient(server.connectString, { sasl: { mechanism: 'DIGEST-MD5', username: '', password: 'b' } })).toThrow(/username/)
  })
})
