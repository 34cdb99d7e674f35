/**
 * A real 3-node ensemble with TLS on the client ports (mutual, `need`) and between members
 * (`sslQuorum`), from zkwire/testing: a session keeps itself and its ephemerals across the loss
 * of its member, and a read-only session finds a read-write member by `isro` probing over TLS.
 */
import { readFile, writeFile } from 'node:fs/promises'
import type { ConnectionOptions } from 'node:tls'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { StateChange, ZooKeeperClient } from '../../src/index.js'
import { TestingCluster, type TestingServer, type TestCertificates, createTestCertificates, freePorts, waitFor } from '../../src/testing/index.js'
import { useClients } from './helpers.js'

let certs: TestCertificates
let cluster: TestingCluster
const client = useClients()

function mtls(): ConnectionOptions {
  return { ca: certs.ca.cert, cert: certs.client.cert, key: certs.client.key }
}

beforeAll(async () => {
  certs = await createTestCertificates()
  cluster = await TestingCluster.start({
    size: 3,
    tickTime: 200,
    maxSessionTimeout: 10_000,
    readOnlyMode: true,
    // Local sessions for read-only clients; upgraded to global ones at their first ephemeral.
    config: { localSessionsEnabled: true, localSessionsUpgradingEnabled: true },
    tls: { certificate: certs.server, clientAuth: 'need' },
  })
})

afterAll(async () => {
  await cluster?.close()
})

/** Resolves with the next change to `state` on `zk`. */
function next(zk: ZooKeeperClient, state: StateChange['state'], timeoutMs = 20_000): Promise<StateChange> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`state ${state} not reached within ${timeoutMs} ms`)), timeoutMs)
    const listener = (change: StateChange): void => {
      if (change.state !== state) return
      clearTimeout(timer)
      zk.off('state', listener)
      resolve(change)
    }
    zk.on('state', listener)
  })
}

async function allServing(): Promise<void> {
  await waitFor(async () => {
    const modes = await cluster.modes()
    return modes.every((m) => m === 'leader' || m === 'follower')
  }, { timeoutMs: 30_000, intervalMs: 100, description: 'all three members serving' })
}

describe('TLS ensemble', () => {
  it('the quorum and the client ports speak TLS, and the secure connect string lists every member', async () => {
    expect(cluster.secureConnectString).toBe(cluster.servers.map((s) => `127.0.0.1:${s.securePort}`).join(','))
    for (const s of cluster.servers) expect(await readFile(s.logFile, 'utf8')).toContain('Using TLS encrypted quorum communication')
  })

  it('failover: the member holding the session dies; the session and its ephemeral node live on over TLS elsewhere', async () => {
    const zk = client(cluster.secureConnectString!, { tls: mtls(), sessionTimeout: 6_000 })
    await zk.connected({ timeout: 20_000 })
    const path = `/tls-failover-${Date.now()}`
    await zk.create(path, 'mine', { mode: 'ephemeral' })
    const session = zk.sessionId
    const holder = cluster.servers.find((s) => s.secureConnectString === zk.currentServer) as TestingServer
    expect(holder).toBeDefined()
    const back = next(zk, 'reconnected', 30_000)
    await holder.kill()
    const change = await back
    expect(change.newSession).toBe(false)
    expect(zk.sessionId).toBe(session)
    expect(zk.currentServer).not.toBe(holder.secureConnectString)
    expect((await zk.exists(path))?.ephemeralOwner).toBe(session)
    expect(await zk.whoAmI()).toContainEqual({ authScheme: 'x509', user: certs.client.subject })
    await holder.restart({ wait: false })
    await allServing()
  })

  it('read-only over TLS: a session on a cut-off member finds a read-write member by isro probing over TLS and moves there', async () => {
    await allServing()
    const [isolated, a, b] = cluster.servers as [TestingServer, TestingServer, TestingServer]
    // Member 1 restarts with quorum ports no peer knows: it stays read-only, 2 and 3 keep the quorum.
    const original = await readFile(isolated.configFile, 'utf8')
    try {
      const ports = await freePorts(6)
      const cut = original.replace(/^server\.(\d+)=([^:\n]+):\d+:\d+/gm, (_l, id: string, host: string) => {
        const i = (Number(id) - 1) * 2
        return `server.${id}=${host}:${ports[i]}:${ports[i + 1]}`
      })
      await isolated.stop()
      await writeFile(isolated.configFile, cut)
      await isolated.restart({ wait: false })
      await waitFor(async () => (await isolated.mode({ timeoutMs: 1_000 }).catch(() => null)) === 'read-only', { timeoutMs: 20_000, intervalMs: 100, description: 'member 1 read-only' })
      await cluster.waitForQuorum({ timeoutMs: 30_000 })
      // Over TLS too: the isolated member answers isro "ro" on its secure port.
      expect(await isolated.fourLetterWord('isro', { tls: mtls() })).toBe('ro')

      const order = [isolated, a, b].map((s) => s.secureConnectString).join(',')
      const zk = client(order, { tls: mtls(), readOnly: true, sessionTimeout: 4_000, internals: { random: () => 0.99 } })
      const states: string[] = []
      zk.on('state', (c) => states.push(c.state))
      const ro = next(zk, 'readOnly', 20_000)
      const moved = next(zk, 'reconnected', 30_000)
      await ro
      expect(zk.currentServer).toBe(isolated.secureConnectString)
      await moved
      expect([a.secureConnectString, b.secureConnectString]).toContain(zk.currentServer)
      expect(states).toEqual(['readOnly', 'suspended', 'reconnected'])
      expect(await isolated.mode({ timeoutMs: 2_000 })).toBe('read-only')
      await zk.create(`/tls-rw-${Date.now()}`)
    } finally {
      await isolated.stop()
      await writeFile(isolated.configFile, original)
      await isolated.restart({ wait: false })
      await allServing()
    }
  })
})
