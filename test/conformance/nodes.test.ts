/**
 * Every read and write other than create, against a real server: what each returns, how versions
 * guard writes, and each error path.
 */
import { describe, expect, it } from 'vitest'
import { Acls, BadVersionError, NoNodeError, NotEmptyError, Perms, ReconfigDisabledError } from '../../src/index.js'
import { chrootClient, connect } from '../support/zk.js'

describe('delete', () => {
  it('removes a node; BadVersionError, NotEmptyError and NoNodeError leave it as it was', async () => {
    const { client } = await chrootClient()
    await client.create('/a', 'x')
    await client.create('/a/b')
    await expect(client.delete('/a')).rejects.toThrow(NotEmptyError)
    await expect(client.delete('/a/b', { version: 3 })).rejects.toThrow(BadVersionError)
    await expect(client.delete('/nope')).rejects.toThrow(NoNodeError)
    expect(await client.exists('/a/b')).not.toBeNull()
    await client.delete('/a/b', { version: 0 })
    await client.delete('/a', { version: -1 })
    expect(await client.exists('/a')).toBeNull()
    await expect(client.delete('/a')).rejects.toMatchObject({ code: 'NONODE', path: '/a', operation: 'delete' })
  })
})

describe('exists', () => {
  it('null when absent, the Stat when present', async () => {
    const { client } = await chrootClient()
    expect(await client.exists('/a')).toBeNull()
    const { stat } = await client.create('/a', 'abc')
    expect(await client.exists('/a')).toEqual(stat)
    expect(await client.exists('/')).toMatchObject({ numChildren: 1 })
  })
})

describe('getData and setData', () => {
  it('setData bumps the version and returns the new Stat; getData sees the data', async () => {
    const { client } = await chrootClient()
    await client.create('/a', 'v0')
    const s1 = await client.setData('/a', 'v1')
    expect(s1).toMatchObject({ version: 1, dataLength: 2 })
    const s2 = await client.setData('/a', Buffer.from('v2'), { version: 1 })
    expect(s2.version).toBe(2)
    expect(s2.mzxid > s1.mzxid).toBe(true)
    const { data, stat } = await client.getData('/a')
    expect(data.toString()).toBe('v2')
    expect(stat).toEqual(s2)
  })

  it('setData with a stale version fails with BadVersionError and changes nothing', async () => {
    const { client } = await chrootClient()
    await client.create('/a', 'v0')
    await client.setData('/a', 'v1')
    const error = await client.setData('/a', 'stale', { version: 0 }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(BadVersionError)
    expect(error).toMatchObject({ code: 'BADVERSION', path: '/a', operation: 'setData' })
    expect((await client.getData('/a')).data.toString()).toBe('v1')
  })

  it('empty and absent data read back as an empty Buffer; Uint8Array data is accepted', async () => {
    const { client } = await chrootClient()
    await client.create('/empty')
    expect((await client.getData('/empty')).data).toEqual(Buffer.alloc(0))
    await client.setData('/empty', new Uint8Array([1, 2, 3]))
    expect([...(await client.getData('/empty')).data]).toEqual([1, 2, 3])
    await client.setData('/empty', null)
    expect((await client.getData('/empty')).stat.dataLength).toBe(0)
  })

  it('NoNodeError for a missing node', async () => {
    const { client } = await chrootClient()
    await expect(client.getData('/nope')).rejects.toMatchObject({ code: 'NONODE', path: '/nope', operation: 'getData' })
    await expect(client.setData('/nope', 'x')).rejects.toThrow(NoNodeError)
  })
})

describe('getACL and setACL', () => {
  it('setACL bumps aversion; a stale aversion fails with BadVersionError', async () => {
    const { client } = await chrootClient()
    await client.create('/a')
    const before = await client.getACL('/a')
    expect(before.acl).toEqual([{ perms: Perms.ALL, id: { scheme: 'world', id: 'anyone' } }])
    expect(before.stat.aversion).toBe(0)
    // Keep ADMIN, or the next setACL would fail with NoAuthError before its version is checked.
    const readAdmin = [{ perms: Perms.READ | Perms.ADMIN, id: { scheme: 'world', id: 'anyone' } }]
    const stat = await client.setACL('/a', readAdmin, { version: 0 })
    expect(stat.aversion).toBe(1)
    expect(stat.version).toBe(0) // the data version is untouched
    await expect(client.setACL('/a', Acls.open, { version: 0 })).rejects.toThrow(BadVersionError)
    const after = await client.getACL('/a')
    expect(after.acl).toEqual(readAdmin)
    expect(after.stat.aversion).toBe(1)
  })

  it('NoNodeError for a missing node', async () => {
    const { client } = await chrootClient()
    await expect(client.getACL('/nope')).rejects.toThrow(NoNodeError)
    await expect(client.setACL('/nope', Acls.open)).rejects.toThrow(NoNodeError)
  })
})

describe('getChildren', () => {
  it('child names (not paths) and the parent\'s Stat', async () => {
    const { client } = await chrootClient()
    await client.create('/p')
    for (const name of ['b', 'a', 'c']) await client.create(`/p/${name}`)
    const { children, stat } = await client.getChildren('/p')
    expect(children.sort()).toEqual(['a', 'b', 'c'])
    expect(stat).toMatchObject({ numChildren: 3, cversion: 3 })
    expect((await client.getChildren('/p/a')).children).toEqual([])
    expect((await client.getChildren('/')).children).toEqual(['p'])
    await expect(client.getChildren('/nope')).rejects.toThrow(NoNodeError)
  })
})

describe('sync, getAllChildrenNumber, getEphemerals, whoAmI', () => {
  it('sync resolves once the server is up to date, even for a path that does not exist', async () => {
    const { client, connectString } = await chrootClient()
    const writer = await connect(connectString)
    await writer.create('/a', 'x')
    await client.sync('/a')
    expect((await client.getData('/a')).data.toString()).toBe('x')
    await expect(client.sync('/nope')).resolves.toBeUndefined()
  })

  it('getAllChildrenNumber counts every descendant', async () => {
    const { client } = await chrootClient()
    await client.create('/a')
    await client.create('/a/b')
    await client.create('/a/b/c')
    await client.create('/a/d')
    expect(await client.getAllChildrenNumber('/a')).toBe(3)
    expect(await client.getAllChildrenNumber('/a/d')).toBe(0)
    expect(await client.getAllChildrenNumber('/')).toBe(4)
    await expect(client.getAllChildrenNumber('/nope')).rejects.toThrow(NoNodeError)
  })

  it('getEphemerals lists this session\'s ephemeral nodes only, without the chroot', async () => {
    const { client, connectString } = await chrootClient()
    const other = await connect(connectString)
    await client.create('/x')
    await client.create('/x/e1', null, { mode: 'ephemeral' })
    const { path: seq } = await client.create('/x/s-', null, { mode: 'ephemeralSequential' })
    await client.create('/top', null, { mode: 'ephemeral' })
    await other.create('/x/theirs', null, { mode: 'ephemeral' })
    expect((await client.getEphemerals()).sort()).toEqual(['/top', '/x/e1', seq].sort())
    expect((await client.getEphemerals('/x')).sort()).toEqual(['/x/e1', seq].sort())
    expect(await client.getEphemerals('/nothing-here')).toEqual([])
    expect(await other.getEphemerals('/')).toEqual(['/x/theirs'])
  })

  it('whoAmI reports the ip identity, and the digest user after addAuth', async () => {
    const { client } = await chrootClient()
    expect(await client.whoAmI()).toEqual([{ authScheme: 'ip', user: '127.0.0.1' }])
    await client.addAuth('digest', 'alice:secret')
    const ids = await client.whoAmI()
    expect(ids).toContainEqual({ authScheme: 'ip', user: '127.0.0.1' })
    expect(ids).toContainEqual({ authScheme: 'digest', user: 'alice' })
  })
})

describe('getConfig and reconfig on a standalone server', () => {
  it('getConfig answers with the (empty) /zookeeper/config node, whatever the chroot', async () => {
    const { client } = await chrootClient()
    const { data, stat } = await client.getConfig()
    expect(data).toEqual(Buffer.alloc(0)) // standalone, no dynamic config file
    expect(stat.dataLength).toBe(0)
  })

  it('reconfig fails with ReconfigDisabledError', async () => {
    const { client } = await chrootClient()
    const error = await client.reconfig({ joining: 'server.5=127.0.0.1:2888:3888;2181' }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ReconfigDisabledError)
    expect(error).toMatchObject({ code: 'RECONFIGDISABLED', errno: -123, operation: 'reconfig' })
    expect(await client.exists('/')).not.toBeNull() // the connection is unharmed
  })
})
