/**
 * Test helpers for suites that share the global standalone server: a fresh chroot per test, and
 * clients that are always closed afterwards.
 */
import { randomUUID } from 'node:crypto'
import { afterEach, inject } from 'vitest'
import { type ClientOptions, type ZooKeeperClient, createClient } from '../../src/index.js'

/** Connect string of the shared server (no chroot). */
export function sharedServer(): string {
  return inject('zkConnect')
}

const opened: ZooKeeperClient[] = []

afterEach(async () => {
  await Promise.all(opened.splice(0).map((c) => c.close().catch(() => {})))
})

/** A connected client on `connectString`, closed after the current test. */
export async function connect(connectString: string, options: ClientOptions = {}): Promise<ZooKeeperClient> {
  const client = createClient(connectString, { sessionTimeout: 10_000, ...options })
  opened.push(client)
  await client.connected({ timeout: 20_000 })
  return client
}

/**
 * Creates a unique chroot node on the shared server and returns its path and a client inside it.
 * Every test gets its own subtree, so tests can run against one server without interfering.
 */
export async function chrootClient(options: ClientOptions = {}): Promise<{ client: ZooKeeperClient; chroot: string; connectString: string }> {
  const root = await connect(sharedServer())
  const chroot = `/t-${randomUUID()}`
  await root.create(chroot)
  const connectString = `${sharedServer()}${chroot}`
  const client = await connect(connectString, options)
  return { client, chroot, connectString }
}
