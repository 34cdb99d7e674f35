/**
 * Path validation by ZooKeeper's rules (`PathUtils.validatePath`) before anything is sent, and one
 * error channel: every argument error rejects the returned promise, none throws synchronously.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { Acls, InvalidArgumentError, type ZooKeeperClient, createClient } from '../../src/index.js'
import { freePort } from '../../src/testing/index.js'
import { chrootClient } from '../support/zk.js'

const invalidPaths: [string, string][] = [
  ['empty', ''],
  ['no leading slash', 'a/b'],
  ['trailing slash', '/a/'],
  ['empty node name', '/a//b'],
  ['"." component', '/a/./b'],
  ['".." component', '/a/../b'],
  ['trailing "."', '/a/.'],
  ['trailing ".."', '/..'],
  ['null character', '/a\u0000b'],
  ['control character', '/a\u0001'],
  ['newline', '/a\nb'],
  ['DEL', '/a\u007f'],
  ['C1 control', '/a\u0085'],
  ['surrogate / private use', '/a\ud83d\ude00'],
  ['non-character', '/a\uffff'],
]

// Java validates a sequential create's path as `path + "1"`, so these are valid prefixes there.
const validSequentialPrefixes = new Set(['/a/', '/a/.', '/..'])

const validOddPaths = ['/', '/a.b', '/.a', '/a..', '/...', '/ünï/コード', '/a b', '/a:b@c']

/** Every operation that takes a path, called with `path`. */
function pathCalls(zk: ZooKeeperClient, path: string): [string, () => Promise<unknown>][] {
  return [
    ['create', () => zk.create(path)],
    ['create sequential', () => zk.create(path, null, { mode: 'persistentSequential' })],
    ['delete', () => zk.delete(path)],
    ['exists', () => zk.exists(path)],
    ['getData', () => zk.getData(path)],
    ['setData', () => zk.setData(path, 'x')],
    ['getChildren', () => zk.getChildren(path)],
    ['getACL', () => zk.getACL(path)],
    ['setACL', () => zk.setACL(path, Acls.open)],
    ['sync', () => zk.sync(path)],
    ['getAllChildrenNumber', () => zk.getAllChildrenNumber(path)],
    ['getEphemerals', () => zk.getEphemerals(path)],
    ['watchData', () => zk.watchData(path)],
    ['watchExists', () => zk.watchExists(path)],
    ['watchChildren', () => zk.watchChildren(path)],
    ['addWatch', () => zk.addWatch(path)],
    ['removeWatches', () => zk.removeWatches(path, 'any')],
    ['multi', () => zk.multi([{ type: 'delete', path }])],
    ['transaction', () => zk.transaction().check(path, 0).commit()],
    ['multiRead', () => zk.multiRead([{ type: 'getData', path }])],
  ]
}

/** Calls `fn`, failing the test if it throws synchronously; returns what it rejected with. */
async function rejection(fn: () => Promise<unknown>): Promise<unknown> {
  let promise: Promise<unknown>
  try {
    promise = fn()
  } catch (error) {
    throw new Error(`threw synchronously instead of rejecting: ${String(error)}`)
  }
  return promise.then(
    (value) => new Error(`resolved with ${String(value)} instead of rejecting`),
    (error: unknown) => error,
  )
}

describe('path validation', () => {
  it('every operation rejects every invalid path with InvalidArgumentError', async () => {
    const { client } = await chrootClient()
    for (const [why, path] of invalidPaths) {
      for (const [op, call] of pathCalls(client, path)) {
        if (op === 'create sequential' && validSequentialPrefixes.has(path)) continue
        const error = await rejection(call)
        expect(error, `${op}(${JSON.stringify(path)}): ${why}`).toBeInstanceOf(InvalidArgumentError)
        expect(error).toMatchObject({ code: 'INVALID_ARGUMENT' })
      }
    }
    // None of it reached the server, and the connection is fine.
    expect(await client.getAllChildrenNumber('/')).toBe(0)
  })

  it('non-string paths are refused the same way', async () => {
    const { client } = await chrootClient()
    for (const path of [undefined, null, 42, {}, Buffer.from('/a')]) {
      for (const [op, call] of pathCalls(client, path as never)) {
        if (op === 'getEphemerals' && path === undefined) continue // the prefix defaults to "/"
        expect(await rejection(call), `${op}(${String(path)})`).toBeInstanceOf(InvalidArgumentError)
      }
    }
  })

  it('the messages say which argument is wrong and why, printing control characters', async () => {
    const { client } = await chrootClient()
    await expect(client.getData('/a//b')).rejects.toThrow('invalid path "/a//b": empty node name at index 3')
    await expect(client.getData('/a\u0000')).rejects.toThrow('invalid path "/a\\u0000": null character at index 2')
    await expect(client.multi([{ type: 'create', path: '/ok' }, { type: 'delete', path: '/x/' }])).rejects.toThrow('invalid ops[1].path "/x/"')
  })

  it('paths that look odd but are valid reach the server', async () => {
    const { client } = await chrootClient()
    for (const path of validOddPaths) {
      if (path === '/') continue
      if (path.includes('/', 1)) await client.create(path.slice(0, path.indexOf('/', 1)))
      await expect(client.create(path), path).resolves.toMatchObject({ path })
    }
    expect((await client.getChildren('/')).children.sort()).toEqual(['.a', '...', 'a b', 'a..', 'a.b', 'a:b@c', 'ünï'].sort())
  })

  it('a sequential prefix may end in "/", a plain create may not', async () => {
    const { client } = await chrootClient()
    await client.create('/q')
    await expect(client.create('/q/', null, { mode: 'ephemeralSequential' })).resolves.toMatchObject({ path: expect.stringMatching(/^\/q\/\d{10}$/) })
    await expect(client.create('/q/')).rejects.toThrow(InvalidArgumentError)
    await expect(client.create('/q//', null, { mode: 'persistentSequential' })).rejects.toThrow(InvalidArgumentError)
    await expect(client.create('/q/..', null, { mode: 'persistentSequential' })).resolves.toMatchObject({ path: expect.stringMatching(/^\/q\/\.\.\d{10}$/) })
  })
})

describe('one error channel', () => {
  it('argument errors reject, never throw, for every kind of bad argument', async () => {
    const { client } = await chrootClient()
    const calls: [string, () => Promise<unknown>][] = [
      ['create: bad data', () => client.create('/a', 42 as never)],
      ['create: empty acl', () => client.create('/a', null, { acl: [] })],
      ['create: malformed acl', () => client.create('/a', null, { acl: [{ perms: 31 }] as never })],
      ['create: bad mode', () => client.create('/a', null, { mode: 'forever' as never })],
      ['create: ttl without TTL mode', () => client.create('/a', null, { ttl: 5 })],
      ['delete: bad version', () => client.delete('/a', { version: -2 })],
      ['delete: version over 2^31-1', () => client.delete('/a', { version: 2 ** 31 })],
      ['multi: check version over 2^31-1', () => client.multi([{ type: 'check', path: '/a', version: 2 ** 31 }])],
      ['transaction: setData version not an integer', () => client.transaction().setData('/a', 'x', 0.5).commit()],
      ['create: perms out of range', () => client.create('/a', null, { acl: [{ perms: 64, id: { scheme: 'world', id: 'anyone' } }] })],
      ['setData: fractional version', () => client.setData('/a', 'x', { version: 1.5 })],
      ['setData: bad data', () => client.setData('/a', { not: 'data' } as never)],
      ['setACL: empty acl', () => client.setACL('/a', [])],
      ['setACL: not an array', () => client.setACL('/a', 'open' as never)],
      ['removeWatches: bad type', () => client.removeWatches('/a', 'everything' as never)],
      ['addAuth: empty scheme', () => client.addAuth('', 'x')],
      ['addAuth: bad credentials type', () => client.addAuth('digest', 42 as never)],
      ['multi: not an array', () => client.multi(null as never)],
      ['multi: null op', () => client.multi([null as never])],
      ['multi: bad create acl', () => client.multi([{ type: 'create', path: '/a', acl: [] }])],
      ['multiRead: null op', () => client.multiRead([null as never])],
      ['getData: negative timeout', () => client.getData('/a', { timeout: -1 })],
      ['whoAmI: NaN timeout', () => client.whoAmI({ timeout: Number.NaN })],
      ['getConfig: zero timeout', () => client.getConfig({ timeout: 0 })],
      ['getData: watcher not a function', () => client.getData('/a', { watcher: 'call me' as never })],
      ['exists: watcher not a function', () => client.exists('/a', { watcher: {} as never })],
      ['addWatch: listener not a function', () => client.addWatch('/a', { listener: 1 as never })],
      ['reconfig: fromConfig not a bigint', () => client.reconfig({ members: 'server.1=x', fromConfig: 3 as never })],
      ['reconfig: joining not a string', () => client.reconfig({ joining: ['server.1=x'] as never })],
    ]
    for (const [what, call] of calls) {
      expect(await rejection(call), what).toBeInstanceOf(InvalidArgumentError)
    }
    expect(await client.exists('/a')).toBeNull()
    expect(client.state).toBe('connected')
  })

  it('argument errors reject at once, even while no server can be reached', async () => {
    // Nothing listens on this port: a request that were sent would wait for a connection.
    const zk = createClient(`127.0.0.1:${await freePort()}`, { sessionTimeout: 2_000 })
    try {
      const started = Date.now()
      for (const [op, call] of pathCalls(zk, 'no-slash')) {
        expect(await rejection(call), op).toBeInstanceOf(InvalidArgumentError)
      }
      expect(await rejection(() => zk.create('/a', null, { acl: [] }))).toBeInstanceOf(InvalidArgumentError)
      expect(Date.now() - started).toBeLessThan(1_000)
    } finally {
      await zk.close()
    }
  })
})
