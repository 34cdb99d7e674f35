import { describe, expect, test } from 'vitest'
import { NoChildrenForEphemeralsError, NodeExistsError, type ZooKeeperClient, type ZooKeeperError, createWithParents, mkdirp } from '../../src/index.js'
import { waitFor } from '../../src/testing/index.js'
import { chrootClient, connect } from '../support/zk.js'

/** The client, recording the operations called on it, in order. */
function recording(client: ZooKeeperClient): { client: ZooKeeperClient; calls: string[] } {
  const calls: string[] = []
  const proxy = new Proxy(client, {
    get(target, key, receiver) {
      const value = Reflect.get(target, key, receiver) as unknown
      if (typeof value !== 'function' || !['create', 'exists', 'getData', 'getChildren', 'delete', 'setData', 'multi'].includes(String(key))) return value
      return (...args: unknown[]) => {
        calls.push(`${String(key)} ${String(args[0])}`)
        return (value as (...a: unknown[]) => unknown).apply(target, args)
      }
    },
  })
  return { client: proxy, calls }
}

describe('mkdirp and createWithParents', () => {
  test('existing parents: one create, nothing else', async () => {
    const { client } = await chrootClient()
    await client.create('/a')
    await client.create('/a/b')
    const r = recording(client)
    expect(await mkdirp(r.client, '/a/b/c')).toBe(true)
    expect(r.calls).toEqual(['create /a/b/c'])
    r.calls.length = 0
    const created = await createWithParents(r.client, '/a/b/job-', 'x', { mode: 'persistentSequential' })
    expect(created.path).toMatch(/^\/a\/b\/job-\d{10}$/)
    expect(r.calls).toEqual(['create /a/b/job-'])
    r.calls.length = 0
    expect(await mkdirp(r.client, '/a/b/c')).toBe(false)
    expect(r.calls).toEqual(['create /a/b/c'])
  })

  test('missing parents: created top-down, persistent by default, data only on the node', async () => {
    const { client } = await chrootClient()
    const r = recording(client)
    expect(await mkdirp(r.client, '/x/y/z', { data: 'leaf' })).toBe(true)
    // One optimistic create, one pipelined batch of exists, one pipelined batch of creates.
    expect(r.calls).toEqual(['create /x/y/z', 'exists /x', 'exists /x/y', 'create /x', 'create /x/y', 'create /x/y/z'])
    expect((await client.getData('/x/y/z')).data.toString()).toBe('leaf')
    expect((await client.getData('/x/y')).data.length).toBe(0)
    expect((await client.exists('/x'))?.ephemeralOwner).toBe(0n)
    expect(await mkdirp(client, '/x/y/z')).toBe(false)
    // Only the missing ones are created.
    r.calls.length = 0
    const leaf = await createWithParents(r.client, '/x/y/w/v', null, { mode: 'ephemeral' })
    expect(leaf.stat.ephemeralOwner).toBe(client.sessionId)
    expect(r.calls).toEqual(['create /x/y/w/v', 'exists /x', 'exists /x/y', 'exists /x/y/w', 'create /x/y/w', 'create /x/y/w/v'])
  })

  test('concurrent creators of the same tree all succeed', async () => {
    const { client, connectString } = await chrootClient()
    const clients = [client, ...(await Promise.all([1, 2, 3, 4, 5, 6, 7].map(() => connect(connectString))))]
    const results = await Promise.all(
      clients.flatMap((c) => [
        createWithParents(c, '/race/a/b/c/item-', 'x', { mode: 'ephemeralSequential' }),
        mkdirp(c, '/race/a/b/d'),
        mkdirp(c, '/race/a/e', { mode: 'container' }),
      ]),
    )
    expect(results.filter((r) => r === true)).toHaveLength(2) // each mkdirp'd node was created by exactly one caller
    expect((await client.getChildren('/race/a/b/c')).children).toHaveLength(8)
    expect(await client.exists('/race/a/b/d')).not.toBeNull()
  })

  test('container parents are removed by the server once empty, persistent ones stay', async () => {
    const { client } = await chrootClient()
    // Clients cannot tell a container from its Stat (the server reports ephemeralOwner 0), only by its reaping.
    await createWithParents(client, '/box/inner/leaf', 'x', { parents: 'container' })
    await mkdirp(client, '/crate/slot', { mode: 'container' })
    await client.create('/crate/slot/item')
    await createWithParents(client, '/keep/inner/leaf', 'x')
    await Promise.all(['/box/inner/leaf', '/crate/slot/item', '/keep/inner/leaf'].map((p) => client.delete(p)))
    // The shared server checks containers every 200 ms; inner ones go first, then their parents.
    await waitFor(async () => (await client.exists('/box')) === null && (await client.exists('/crate')) === null, { timeoutMs: 10_000, description: 'empty containers to be reaped' })
    expect(await client.exists('/keep/inner')).not.toBeNull()
  })

  test('errors: the node itself existing, and a parent that cannot have children', async () => {
    const { client } = await chrootClient()
    await mkdirp(client, '/m/n')
    await expect(createWithParents(client, '/m/n')).rejects.toBeInstanceOf(NodeExistsError)
    await client.create('/eph', null, { mode: 'ephemeral' })
    const error = await createWithParents(client, '/eph/a/b').catch((e: unknown) => e)
    expect(error).toBeInstanceOf(NoChildrenForEphemeralsError)
    expect((error as ZooKeeperError).path).toBe('/eph/a')
  })
})
