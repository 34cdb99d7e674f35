/**
 * multi, transaction() and multiRead against a real server: all-or-nothing writes, the error a
 * failed transaction throws, and reads that fail one by one.
 */
import { describe, expect, it } from 'vitest'
import {
  BadVersionError,
  InvalidArgumentError,
  NodeExistsError,
  NoNodeError,
  type OpResult,
  RuntimeInconsistencyError,
  ZooKeeperError,
} from '../../src/index.js'
import { serverAtLeast } from '../support/server-version.js'
import { chrootClient } from '../support/zk.js'

describe('multi', () => {
  it('applies every op and returns one result per op, paths without the chroot', async () => {
    const { client } = await chrootClient()
    await client.create('/cfg', 'v0')
    await client.create('/old')
    const results = await client.multi([
      { type: 'check', path: '/cfg', version: 0 },
      { type: 'setData', path: '/cfg', data: 'v1', version: 0 },
      { type: 'create', path: '/log' },
      { type: 'create', path: '/log/e-', data: 'x', mode: 'persistentSequential' },
      { type: 'create', path: '/c', mode: 'container' },
      { type: 'create', path: '/t', mode: 'persistentWithTtl', ttl: 60_000 },
      { type: 'delete', path: '/old' },
    ])
    expect(results.map((r) => r.type)).toEqual(['check', 'setData', 'create', 'create', 'create', 'create', 'delete'])
    expect(results[1]).toMatchObject({ type: 'setData', stat: { version: 1 } })
    expect(results[2]).toMatchObject({ type: 'create', path: '/log' })
    expect((results[3] as { path: string }).path).toMatch(/^\/log\/e-\d{10}$/)
    // Plain creates go out as create2. Before 3.9 the server answers create2 inside a multi with a
    // plain create result (ZOOKEEPER-4026), so there is no Stat; 3.9 sends it.
    for (const result of [results[2], results[3]] as { stat: unknown }[]) {
      if (serverAtLeast('3.9')) expect(result.stat).toMatchObject({ version: 0, numChildren: 0, ephemeralOwner: 0n })
      else expect(result.stat).toBeNull()
    }
    // Containers and TTL nodes always come back with a Stat (create2-style result).
    expect(results[4]).toMatchObject({ type: 'create', path: '/c', stat: { version: 0 } })
    expect(results[5]).toMatchObject({ type: 'create', path: '/t', stat: { version: 0 } })
    expect((await client.getData('/cfg')).data.toString()).toBe('v1')
    expect(await client.exists('/old')).toBeNull()
    expect(await client.getAllChildrenNumber('/')).toBe(5) // cfg, log, log/e-…, c, t
  })

  it('is atomic: a failing op leaves nothing applied; the error names the op and carries every result', async () => {
    const { client } = await chrootClient()
    await client.create('/a', 'a0')
    const error = await client
      .multi([
        { type: 'create', path: '/new' },
        { type: 'setData', path: '/a', data: 'a1' },
        { type: 'setData', path: '/a', data: 'a2', version: 0 }, // the first setData made it 1
        { type: 'delete', path: '/a' },
      ])
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(BadVersionError)
    const e = error as ZooKeeperError
    expect(e).toMatchObject({ code: 'BADVERSION', opIndex: 2, path: '/a', operation: 'multi' })
    expect(e.message).toContain('#2')
    const results = e.results as OpResult[]
    expect(results).toHaveLength(4)
    expect(results.every((r) => r.type === 'error')).toBe(true)
    const codes = results.map((r) => (r.type === 'error' ? r.error.code : r.type))
    expect(codes).toEqual(['OK', 'OK', 'BADVERSION', 'RUNTIMEINCONSISTENCY'])
    expect((results[3] as { error: unknown }).error).toBeInstanceOf(RuntimeInconsistencyError)
    // Nothing was applied.
    expect(await client.exists('/new')).toBeNull()
    const { data, stat } = await client.getData('/a')
    expect(data.toString()).toBe('a0')
    expect(stat.version).toBe(0)
  })

  it('a failed check aborts the transaction with the server\'s error for that op', async () => {
    const { client } = await chrootClient()
    await expect(client.multi([{ type: 'check', path: '/missing', version: 0 }, { type: 'create', path: '/x' }])).rejects.toMatchObject({
      constructor: NoNodeError,
      opIndex: 0,
      path: '/missing',
    })
    await client.create('/x')
    await expect(client.multi([{ type: 'create', path: '/y' }, { type: 'create', path: '/x' }])).rejects.toMatchObject({ constructor: NodeExistsError, opIndex: 1 })
    expect(await client.exists('/y')).toBeNull()
  })

  it('an empty multi resolves to no results without a round trip', async () => {
    const { client } = await chrootClient()
    await expect(client.multi([])).resolves.toEqual([])
    await expect(client.transaction().commit()).resolves.toEqual([])
  })

  it('an invalid op is refused locally, naming its index, and nothing is sent', async () => {
    const { client } = await chrootClient()
    const error = await client.multi([{ type: 'create', path: '/ok' }, { type: 'create', path: 'bad' }]).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(InvalidArgumentError)
    expect((error as Error).message).toContain('ops[1]')
    await expect(client.multi([{ type: 'bogus' } as never])).rejects.toThrow(InvalidArgumentError)
    await expect(client.multi([{ type: 'check', path: '/ok' } as never])).rejects.toThrow(/version/)
    await expect(client.multi('nope' as never)).rejects.toThrow(InvalidArgumentError)
    expect(await client.exists('/ok')).toBeNull()
  })
})

describe('transaction()', () => {
  it('builds ops step by step and commits them at once', async () => {
    const { client } = await chrootClient()
    await client.create('/cfg', 'v0')
    const results = await client
      .transaction()
      .check('/cfg', 0)
      .setData('/cfg', 'v1', 0)
      .create('/cfg/log-', 'entry', { mode: 'persistentSequential' })
      .create('/tmp')
      .delete('/tmp')
      .commit()
    expect(results.map((r) => r.type)).toEqual(['check', 'setData', 'create', 'create', 'delete'])
    expect((await client.getChildren('/cfg')).children).toHaveLength(1)
    expect(await client.exists('/tmp')).toBeNull()
  })

  it('fails as a whole with the failing op\'s error class and index', async () => {
    const { client } = await chrootClient()
    await client.create('/cfg', 'v0')
    const tx = client.transaction().create('/a').check('/cfg', 5).setData('/cfg', 'v1')
    await expect(tx.commit()).rejects.toMatchObject({ constructor: BadVersionError, opIndex: 1 })
    expect(await client.exists('/a')).toBeNull()
  })
})

describe('multiRead', () => {
  it('returns each read\'s result, and each failure as an error result instead of throwing', async () => {
    const { client } = await chrootClient()
    await client.create('/a', 'A')
    await client.create('/a/x')
    await client.create('/a/y')
    const results = await client.multiRead([
      { type: 'getData', path: '/a' },
      { type: 'getChildren', path: '/a' },
      { type: 'getData', path: '/missing' },
      { type: 'getChildren', path: '/missing' },
      { type: 'getData', path: '/a/x' },
    ])
    expect(results).toHaveLength(5)
    expect(results[0]).toMatchObject({ type: 'getData', stat: { numChildren: 2 } })
    expect((results[0] as { data: Buffer }).data.toString()).toBe('A')
    expect(results[1]?.type).toBe('getChildren')
    expect((results[1] as { children: string[] }).children.sort()).toEqual(['x', 'y'])
    for (const i of [2, 3]) {
      const r = results[i]!
      expect(r.type).toBe('error')
      expect((r as { error: unknown }).error).toBeInstanceOf(NoNodeError)
      expect((r as { error: ZooKeeperError }).error).toMatchObject({ path: '/missing', opIndex: i })
    }
    expect(results[4]).toMatchObject({ type: 'getData', data: Buffer.alloc(0) })
  })

  it('an empty multiRead resolves to no results; an invalid read is refused locally', async () => {
    const { client } = await chrootClient()
    await expect(client.multiRead([])).resolves.toEqual([])
    await expect(client.multiRead([{ type: 'getData', path: '/a/' }])).rejects.toThrow(InvalidArgumentError)
    await expect(client.multiRead([{ type: 'exists', path: '/a' } as never])).rejects.toThrow(InvalidArgumentError)
  })
})
