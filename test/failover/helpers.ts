/**
 * The failover suite's fixtures: one real 3-node ensemble per test file (tickTime 200 ms, so
 * session timeouts of 2–4 s are allowed), a FaultProxy in front of each member, clients that are
 * closed after each test, and a restore step that brings every member and proxy back between
 * tests. Every wait is bounded.
 */
import { afterAll, afterEach, beforeAll, expect } from 'vitest'
import { type ClientOptions, type ZooKeeperClient, createClient } from '../../src/index.js'
import { FaultProxy, TestingCluster, waitFor } from '../../src/testing/index.js'
import { type Tracked, track } from '../session/helpers.js'

/** Session timeout of the suite's clients unless a test says otherwise. */
export const SESSION_TIMEOUT = 4_000

/** The fixtures of one test file. */
export interface ClusterFixture {
  cluster(): TestingCluster
  /** One proxy per member, in `servers` order. */
  proxies(): FaultProxy[]
  /** Connect string through every proxy. */
  viaProxies(): string
  /** A tracked client (not awaited), closed after the test. */
  client(connectString: string, options?: ClientOptions): Tracked
  /** A connected client for checking and changing things from outside, closed after the test. */
  observer(connectString?: string): Promise<ZooKeeperClient>
}

/** Installs the ensemble, the proxies, cleanup and the uncaught-error spy for this file. */
export function useCluster(): ClusterFixture {
  let cluster: TestingCluster | undefined
  let proxies: FaultProxy[] = []
  const opened: ZooKeeperClient[] = []
  const escaped: unknown[] = []
  const spy = (error: unknown): void => {
    escaped.push(error)
  }

  beforeAll(async () => {
    process.on('uncaughtException', spy)
    process.on('unhandledRejection', spy)
    // tickTime 200: sessions of 400 ms to 10 s are allowed.
    cluster = await TestingCluster.start({ size: 3, tickTime: 200, maxSessionTimeout: 10_000 })
    proxies = await Promise.all(cluster.servers.map((s) => FaultProxy.start({ upstream: s.connectString })))
  })

  afterAll(async () => {
    await Promise.all(proxies.map((p) => p.close()))
    await cluster?.close()
    process.off('uncaughtException', spy)
    process.off('unhandledRejection', spy)
  })

  afterEach(async () => {
    await Promise.all(opened.splice(0).map((c) => c.close()))
    for (const p of proxies) p.restore()
    if (cluster !== undefined) await restore(cluster)
    await new Promise((resolve) => setImmediate(resolve))
    expect(escaped.splice(0)).toEqual([])
  })

  const open = (connectString: string, options: ClientOptions = {}): ZooKeeperClient => {
    const client = createClient(connectString, { sessionTimeout: SESSION_TIMEOUT, reconnectDelay: { initialMs: 20, maxMs: 250 }, ...options })
    opened.push(client)
    return client
  }

  return {
    cluster: () => cluster!,
    proxies: () => proxies,
    viaProxies: () => proxies.map((p) => p.address).join(','),
    client: (connectString, options) => track(open(connectString, options)),
    async observer(connectString = cluster!.connectString) {
      const client = open(connectString, { sessionTimeout: 10_000 })
      await client.connected({ timeout: 20_000 })
      return client
    },
  }
}

/**
 * Resumes paused members, restarts stopped ones, waits until all three serve under one leader,
 * and checks that each of them opens a session and answers a read (a member can report a mode
 * and still not serve clients; the next test must not inherit that).
 */
async function restore(cluster: TestingCluster): Promise<void> {
  await Promise.all(
    cluster.servers.map(async (s) => {
      if (s.state === 'paused') await s.resume()
      else if (s.state === 'stopped') await s.restart({ wait: false })
    }),
  )
  await waitFor(
    async () => {
      const modes = await cluster.modes()
      return modes.every((m) => m === 'leader' || m === 'follower') && modes.filter((m) => m === 'leader').length === 1
    },
    { timeoutMs: 30_000, intervalMs: 100, description: 'all three members serving under one leader' },
  )
  await Promise.all(
    cluster.servers.map(async (s) => {
      const probe = createClient(s.connectString, { sessionTimeout: SESSION_TIMEOUT })
      try {
        await probe.connected({ timeout: 15_000 })
        await probe.exists('/')
      } catch (error) {
        throw new Error(`restore: member ${s.myid} (${s.connectString}) reports a mode but does not serve clients: ${(error as Error).message}\n${s.logTail(30)}`)
      } finally {
        await probe.close()
      }
    }),
  )
}

/**
 * Runs `fn` until it succeeds (a call through a client that is itself failing over may see a
 * connection loss first), within `timeoutMs`; returns its result.
 */
export async function eventually<T>(fn: () => Promise<T>, timeoutMs = 15_000): Promise<T> {
  const { value } = await waitFor(async () => ({ value: await fn() }), { timeoutMs, intervalMs: 50, description: 'a call to succeed' })
  return value
}

/** `promise`, or a rejection after `timeoutMs`. */
export function within<T>(promise: Promise<T>, timeoutMs: number, what = 'a promise'): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not settle within ${timeoutMs} ms`)), timeoutMs)
  })
  return Promise.race([promise, late]).finally(() => clearTimeout(timer))
}
