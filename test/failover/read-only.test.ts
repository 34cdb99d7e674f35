/**
 * Read-only mode against a real 3-node ensemble started with `readonlymode.enabled=true`: a member
 * cut off from the quorum serves reads to clients that accept it (`readOnly: true`) and refuses
 * the others; the client asks for new sessions until it has seen a read-write server, so moving
 * to one gives a new session without a 'lost'; and while connected read-only the client asks the
 * other members `isro` and moves to the first that answers `rw`.
 */
import { randomUUID } from 'node:crypto'
import { readFile, writeFile } from 'node:fs/promises'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { type ClientOptions, NotReadOnlyError, type ZooKeeperClient, createClient } from '../../src/index.js'
import { TestingCluster, type TestingServer, freePorts, waitFor } from '../../src/testing/index.js'
import { type Tracked, countingClock, rejectionOf, track } from '../session/helpers.js'
import { eventually } from './helpers.js'

const SESSION_TIMEOUT = 4_000

let cluster: TestingCluster
const opened: ZooKeeperClient[] = []
const escaped: unknown[] = []
const spy = (error: unknown): void => {
  escaped.push(error)
}
const DATA = `/read-only-${randomUUID()}`

beforeAll(async () => {
  process.on('uncaughtException', spy)
  process.on('unhandledRejection', spy)
  // A read-only member creates only local sessions; without local sessions enabled, ZooKeeper 3.9
  // answers a read-only client's ConnectRequest with NOTREADONLY instead of a session.
  cluster = await TestingCluster.start({ size: 3, tickTime: 200, maxSessionTimeout: 10_000, readOnlyMode: true, config: { localSessionsEnabled: true } })
  const setup = open(cluster.connectString)
  await setup.connected({ timeout: 20_000 })
  await setup.create(DATA, 'written before the partition')
  // Every member has the node before any is cut off.
  await Promise.all(cluster.servers.map(async (s) => {
    const c = open(s.connectString)
    await c.connected({ timeout: 20_000 })
    await c.sync(DATA)
    await c.getData(DATA)
  }))
})

afterEach(async () => {
  await Promise.all(opened.splice(0).map((c) => c.close()))
  await new Promise((resolve) => setImmediate(resolve))
  expect(escaped.splice(0)).toEqual([])
})

afterAll(async () => {
  await Promise.all(opened.splice(0).map((c) => c.close()))
  await cluster?.close()
  process.off('uncaughtException', spy)
  process.off('unhandledRejection', spy)
})

function open(connectString: string, options: ClientOptions = {}): ZooKeeperClient {
  const client = createClient(connectString, { sessionTimeout: SESSION_TIMEOUT, reconnectDelay: { initialMs: 20, maxMs: 250 }, ...options })
  opened.push(client)
  return client
}

const openTracked = (connectString: string, options: ClientOptions = {}): Tracked => track(open(connectString, options))

/** Waits until `server` reports `Mode: read-only`. */
async function readOnlyMode(server: TestingServer): Promise<void> {
  await waitFor(async () => (await server.mode({ timeoutMs: 1_000 })) === 'read-only', {
    timeoutMs: 20_000,
    intervalMs: 100,
    description: `member ${server.myid} in read-only mode`,
  })
}

/** Waits until all three members serve under one leader. */
async function allServing(): Promise<void> {
  await waitFor(
    async () => {
      const modes = await cluster.modes()
      return modes.every((m) => m === 'leader' || m === 'follower') && modes.filter((m) => m === 'leader').length === 1
    },
    { timeoutMs: 30_000, intervalMs: 100, description: 'all three members serving under one leader' },
  )
}

describe('read-only mode', () => {
  it('a cut-off member serves a readOnly client (reads work, writes fail), refuses others; the client moves to a new read-write session once the quorum is back', async () => {
    const [survivor, a, b] = cluster.servers as [TestingServer, TestingServer, TestingServer]
    await Promise.all([a.stop(), b.stop()])
    await readOnlyMode(survivor)

    const ro = openTracked(survivor.connectString, { readOnly: true })
    const first = await ro.reach('readOnly', 0, 15_000)
    expect(first.newSession).toBe(true)
    expect(ro.client.state).toBe('readOnly')
    expect((await ro.client.getData(DATA)).data.toString()).toBe('written before the partition')
    expect(await rejectionOf(ro.client.create(`${DATA}-refused`))).toBeInstanceOf(NotReadOnlyError)
    expect(await rejectionOf(ro.client.setData(DATA, 'no'))).toBeInstanceOf(NotReadOnlyError)

    // A client that does not accept read-only servers is refused by this one (NOT_READ_ONLY_CLIENT).
    const plain = openTracked(survivor.connectString)
    await expect(plain.reach('connected', 0, 3_000)).rejects.toThrow(/not reached within/)
    expect(plain.client.state).toBe('initial')

    const from = ro.states.length
    await Promise.all([a.restart({ wait: false }), b.restart({ wait: false })])
    const back = await ro.reach('reconnected', from, 45_000)
    // The read-only session was local to the survivor: the quorum gives a new one, and that is no expiry.
    expect(back.newSession).toBe(true)
    expect(ro.states.map((s) => s.state)).not.toContain('lost')
    expect(ro.client.sessionId).toBe(back.sessionId)
    const created = await eventually(() => ro.client.create(`${DATA}-after`, 'rw again'))
    expect(created.path).toBe(`${DATA}-after`)
    expect((await ro.client.getData(`${DATA}-after`)).data.toString()).toBe('rw again')
    await allServing()
  })

  it('while connected read-only, isro probing finds a read-write member and the client moves there (the read-only member stays up)', async () => {
    await allServing()
    const [isolated, a, b] = cluster.servers as [TestingServer, TestingServer, TestingServer]
    // Cut member 1 off for good: it restarts with quorum and election ports no peer knows, so it
    // stays read-only while members 2 and 3 keep a quorum.
    const original = await readFile(isolated.configFile, 'utf8')
    try {
      const ports = await freePorts(6)
      const isolatedConfig = original.replace(/^server\.(\d+)=([^:\n]+):\d+:\d+/gm, (_line, id: string, host: string) => {
        const i = (Number(id) - 1) * 2
        return `server.${id}=${host}:${ports[i]}:${ports[i + 1]}`
      })
      expect(isolatedConfig).not.toBe(original)
      await isolated.stop()
      await writeFile(isolated.configFile, isolatedConfig)
      await isolated.restart({ wait: false })
      await readOnlyMode(isolated)
      await cluster.waitForQuorum({ timeoutMs: 30_000 })

      const clock = countingClock()
      // The isolated member first; random 0.99 keeps the connect string's order.
      const connectString = [isolated, a, b].map((s) => s.connectString).join(',')
      const ro = openTracked(connectString, { readOnly: true, internals: { random: () => 0.99, clock } })
      const readOnly = await ro.reach('readOnly', 0, 15_000)
      expect(readOnly.reason).toContain(isolated.connectString)

      const back = await ro.reach('reconnected', 0, 20_000)
      expect(back.newSession).toBe(true)
      expect([a.connectString, b.connectString]).toContain(ro.client.currentServer)
      expect(ro.states.map((s) => s.state)).toEqual(['readOnly', 'suspended', 'reconnected'])
      expect(ro.states[1]?.reason).toMatch(/leaving read-only server .* serves reads and writes/)
      // The move was the probe's doing: the read-only member never stopped serving.
      expect(await isolated.mode({ timeoutMs: 2_000 })).toBe('read-only')
      await ro.client.create(`${DATA}-moved`)
      expect((await ro.client.getData(DATA)).data.toString()).toBe('written before the partition')

      await ro.client.close()
      expect(clock.live).toBe(0)
    } finally {
      await isolated.stop()
      await writeFile(isolated.configFile, original)
      await isolated.restart({ wait: false })
      await allServing()
    }
  })

  it('probing stops with the connection: a closed read-only client leaves no timer behind', async () => {
    await allServing()
    const [survivor, a, b] = cluster.servers as [TestingServer, TestingServer, TestingServer]
    await Promise.all([a.stop(), b.stop()])
    try {
      await readOnlyMode(survivor)
      const clock = countingClock()
      // The stopped members are probed (and refuse) while the client stays read-only.
      const ro = openTracked(cluster.connectString, { readOnly: true, internals: { clock } })
      await ro.reach('readOnly', 0, 20_000)
      await waitFor(() => clock.live >= 2, { timeoutMs: 5_000, description: 'the probe timer and the heartbeat' })
      await ro.client.close()
      expect(clock.live).toBe(0)
      expect(ro.states.at(-1)?.state).toBe('closed')
    } finally {
      await Promise.all([a.restart({ wait: false }), b.restart({ wait: false })])
      await allServing()
    }
  })
})
