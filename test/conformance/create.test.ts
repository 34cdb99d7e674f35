/**
 * create in all seven modes against a real server: results, server-side lifetimes (ephemeral,
 * container, TTL) and every error a create can meet.
 */
import { describe, expect, it } from 'vitest'
import {
  InvalidArgumentError,
  NoChildrenForEphemeralsError,
  NodeExistsError,
  NoNodeError,
  UnimplementedError,
} from '../../src/index.js'
import { TestingServer, waitFor } from '../../src/testing/index.js'
import { chrootClient, connect, sharedServer } from '../support/zk.js'

// The server keeps containers and TTL nodes apart with special ephemeralOwner values but shows
// clients 0 for them (DataNode.getClientEphemeralOwner), so a user sees a plain persistent Stat.
// 3.8 and 3.9 agree on this (both copy every Stat through that method), in create's reply as in
// exists, getData and a multi's results: see the 'ephemeralOwner' tests below.
const HIDDEN_OWNER = 0n
const gone = (ms = 10_000) => ({ timeoutMs: ms, intervalMs: 50 })

describe('create modes', () => {
  it('persistent: returns the path and the new Stat, and the node outlives the session', async () => {
    const { client, connectString } = await chrootClient()
    const { path, stat } = await client.create('/p', 'hello')
    expect(path).toBe('/p')
    expect(stat).toMatchObject({ version: 0, cversion: 0, aversion: 0, dataLength: 5, numChildren: 0, ephemeralOwner: 0n })
    expect(stat.czxid).toBe(stat.mzxid)
    await client.close()
    const other = await connect(connectString)
    expect((await other.getData('/p')).data.toString()).toBe('hello')
  })

  it('ephemeral: owned by the session, gone for other clients once it closes', async () => {
    const { client, connectString } = await chrootClient()
    const other = await connect(connectString)
    const { stat } = await client.create('/e', null, { mode: 'ephemeral' })
    expect(stat.ephemeralOwner).toBe(BigInt.asIntN(64, client.sessionId))
    expect(await other.exists('/e')).not.toBeNull()
    await client.close()
    expect(await other.exists('/e')).toBeNull()
  })

  it('persistentSequential and ephemeralSequential: a 10-digit increasing suffix', async () => {
    const { client, connectString } = await chrootClient()
    await client.create('/q')
    const names: string[] = []
    for (const mode of ['persistentSequential', 'ephemeralSequential', 'persistentSequential', 'ephemeralSequential'] as const) {
      const { path } = await client.create('/q/n-', String(names.length), { mode })
      expect(path).toMatch(/^\/q\/n-\d{10}$/)
      names.push(path.slice('/q/'.length))
    }
    expect([...names].sort()).toEqual(names)
    expect(new Set(names).size).toBe(4)
    // A prefix that ends in "/" is allowed: the server appends the number as the node name.
    const bare = await client.create('/q/', null, { mode: 'persistentSequential' })
    expect(bare.path).toMatch(/^\/q\/\d{10}$/)
    // Only the ephemeral ones go with the session.
    await client.close()
    const other = await connect(connectString)
    const { children } = await other.getChildren('/q')
    expect(children.sort()).toEqual([names[0], names[2], bare.path.slice(3)].sort())
  })

  it('ephemeralOwner of containers and TTL nodes reads 0 everywhere, on 3.8 and 3.9 alike', async () => {
    const { client } = await chrootClient()
    const container = await client.create('/c', null, { mode: 'container' })
    const ttl = await client.create('/t', null, { mode: 'persistentWithTtl', ttl: 60_000 })
    await client.create('/c/keep') // an empty container may be reaped at any moment
    await client.create('/t/keep')
    const [inMulti] = await client.multi([{ type: 'create', path: '/c2', mode: 'container' }])
    for (const stat of [container.stat, ttl.stat, await client.exists('/c'), (await client.getData('/t')).stat, (inMulti as { stat: { ephemeralOwner: bigint } }).stat]) {
      expect(stat?.ephemeralOwner).toBe(HIDDEN_OWNER)
    }
  })

  it('container: deleted by the server once its last child goes', async () => {
    const { client } = await chrootClient()
    const { path, stat } = await client.create('/c', null, { mode: 'container' })
    expect(path).toBe('/c')
    expect(stat.ephemeralOwner).toBe(HIDDEN_OWNER)
    await client.create('/c/child')
    await client.delete('/c/child')
    await waitFor(async () => (await client.exists('/c')) === null, { ...gone(), description: 'the empty container to be deleted' })
  })

  it('persistentWithTtl: deleted after the TTL once childless', async () => {
    const { client } = await chrootClient()
    const { path, stat } = await client.create('/ttl', 'x', { mode: 'persistentWithTtl', ttl: 100 })
    expect(path).toBe('/ttl')
    expect(stat.ephemeralOwner).toBe(HIDDEN_OWNER)
    await waitFor(async () => (await client.exists('/ttl')) === null, { ...gone(), description: 'the TTL node to be deleted' })
  })

  it('persistentSequentialWithTtl: a sequential name, deleted after the TTL', async () => {
    const { client } = await chrootClient()
    const { path, stat } = await client.create('/s-', null, { mode: 'persistentSequentialWithTtl', ttl: 150 })
    expect(path).toMatch(/^\/s-\d{10}$/)
    expect(stat.ephemeralOwner).toBe(HIDDEN_OWNER)
    await waitFor(async () => (await client.exists(path)) === null, { ...gone(), description: 'the sequential TTL node to be deleted' })
  })

  it('a sequential create of "/" in a chroot makes a child of the chroot, not a sibling', async () => {
    const { client, chroot } = await chrootClient()
    const { path } = await client.create('/', null, { mode: 'persistentSequential' })
    expect(path).toMatch(/^\/\d{10}$/)
    const [result] = await client.multi([{ type: 'create', path: '/', mode: 'ephemeralSequential' }])
    expect((result as { path: string }).path).toMatch(/^\/\d{10}$/)
    expect((await client.getChildren('/')).children.sort()).toEqual([path.slice(1), (result as { path: string }).path.slice(1)].sort())
    const root = await connect(sharedServer())
    const siblings = (await root.getChildren('/')).children.filter((name) => name.startsWith(chroot.slice(1)))
    expect(siblings).toEqual([chroot.slice(1)])
  })

  it('mode numbers from CreateMode are accepted as well as names', async () => {
    const { client } = await chrootClient()
    const { stat } = await client.create('/n', null, { mode: 1 })
    expect(stat.ephemeralOwner).not.toBe(0n)
  })

  it('an invalid TTL or mode is refused locally with InvalidArgumentError', async () => {
    const { client } = await chrootClient()
    for (const ttl of [0, -1, 1.5, 0xff_ffff_ffff + 1, Number.NaN]) {
      await expect(client.create('/t', null, { mode: 'persistentWithTtl', ttl })).rejects.toThrow(InvalidArgumentError)
    }
    await expect(client.create('/t', null, { mode: 'persistentWithTtl' })).rejects.toThrow(/ttl/)
    await expect(client.create('/t', null, { mode: 'persistent', ttl: 1000 })).rejects.toThrow(InvalidArgumentError)
    await expect(client.create('/t', null, { mode: 'bogus' as never })).rejects.toThrow(InvalidArgumentError)
    await expect(client.create('/t', null, { mode: 7 })).rejects.toThrow(InvalidArgumentError)
    expect(await client.exists('/t')).toBeNull()
  })

  it('a TTL node on a server without extended types fails with UnimplementedError', async () => {
    const server = await TestingServer.start({ tickTime: 200, containerCheckIntervalMs: 200 })
    try {
      const client = await connect(server.connectString)
      const error = await client.create('/ttl', null, { mode: 'persistentWithTtl', ttl: 1000 }).catch((e: unknown) => e)
      expect(error).toBeInstanceOf(UnimplementedError)
      expect(error).toMatchObject({ code: 'UNIMPLEMENTED', path: '/ttl', operation: 'create' })
      expect(await client.exists('/ttl')).toBeNull()
      // Containers need no extended types.
      await expect(client.create('/c', null, { mode: 'container' })).resolves.toMatchObject({ path: '/c' })
    } finally {
      await server.close()
    }
  })
})

describe('create errors and limits', () => {
  it('NodeExistsError for an existing node, naming the caller\'s path', async () => {
    const { client } = await chrootClient()
    await client.create('/a')
    const error = await client.create('/a').catch((e: unknown) => e)
    expect(error).toBeInstanceOf(NodeExistsError)
    expect(error).toMatchObject({ code: 'NODEEXISTS', errno: -110, path: '/a', operation: 'create' })
    expect((error as Error).message).toContain('/a')
  })

  it('NoNodeError when the parent is missing', async () => {
    const { client } = await chrootClient()
    await expect(client.create('/missing/child')).rejects.toThrow(NoNodeError)
    await expect(client.create('/missing/seq-', null, { mode: 'persistentSequential' })).rejects.toThrow(NoNodeError)
  })

  it('NoChildrenForEphemeralsError under an ephemeral node', async () => {
    const { client } = await chrootClient()
    await client.create('/e', null, { mode: 'ephemeral' })
    await expect(client.create('/e/child')).rejects.toThrow(NoChildrenForEphemeralsError)
    await expect(client.create('/e/child', null, { mode: 'ephemeral' })).rejects.toThrow(NoChildrenForEphemeralsError)
  })

  it('data just under the packet limit round-trips', async () => {
    const { client } = await chrootClient()
    // A getData reply adds 88 bytes (header, length, Stat) to the data; it must fit in 0xfffff.
    const big = Buffer.alloc(1024 * 1024 - 200, 7)
    big[0] = 1
    big[big.length - 1] = 2
    const { stat } = await client.create('/big', big)
    expect(stat.dataLength).toBe(big.length)
    const { data } = await client.getData('/big')
    expect(data.equals(big)).toBe(true)
  })

  it('data over the packet limit is refused locally, and the connection keeps working', async () => {
    const { client } = await chrootClient()
    const states: string[] = []
    client.on('state', (change: { state: string }) => states.push(change.state))
    await client.create('/n', 'small')
    const tooBig = Buffer.alloc(0xfffff + 1)
    const pending = client.getData('/n') // in flight while the oversized request is refused
    await expect(client.create('/big', tooBig)).rejects.toThrow(InvalidArgumentError)
    await expect(client.setData('/n', tooBig)).rejects.toThrow(/exceeds the packet limit/)
    expect((await pending).data.toString()).toBe('small')
    expect((await client.getData('/n')).data.toString()).toBe('small')
    expect(await client.exists('/big')).toBeNull()
    expect(states).toEqual([])
  })

  it('unicode paths are stored and listed as given', async () => {
    const { client, chroot } = await chrootClient()
    await client.create('/ünï', 'ü')
    const { path } = await client.create('/ünï/コード', 'データ')
    expect(path).toBe('/ünï/コード')
    expect((await client.getChildren('/ünï')).children).toEqual(['コード'])
    expect((await client.getData('/ünï/コード')).data.toString()).toBe('データ')
    const root = await connect(sharedServer())
    expect(await root.exists(`${chroot}/ünï/コード`)).not.toBeNull()
  })
})
