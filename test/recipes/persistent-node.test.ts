import { describe, expect, test } from 'vitest'
import { ClientClosedError, GroupMember, InvalidArgumentError, PersistentNode } from '../../src/index.js'
import { waitFor } from '../../src/testing/index.js'
import { chrootClient, connect } from '../support/zk.js'
import { cutOff, expireWhileCutOff, nextState, proxiedClient } from './helpers/session.js'

describe('PersistentNode', () => {
  test('ephemeral node with container parents; re-created at once after another client deletes it; close deletes it', async () => {
    const { client, connectString } = await chrootClient()
    const other = await connect(connectString)
    const node = new PersistentNode(client, '/members/a/me', 'd1')
    const created: string[] = []
    node.on('created', (p) => created.push(p))
    node.start()
    expect(await node.waitForInitialCreate(5_000)).toBe('/members/a/me')
    const first = await other.exists('/members/a/me')
    expect(first?.ephemeralOwner).toBe(client.sessionId)
    await other.delete('/members/a/me')
    await waitFor(async () => {
      const s = await other.exists('/members/a/me')
      return s !== null && s.czxid !== first!.czxid
    })
    expect(created).toEqual(['/members/a/me', '/members/a/me'])
    await node.setData('d2')
    await waitFor(async () => (await other.getData('/members/a/me')).data.toString() === 'd2')
    await node.close()
    expect(await other.exists('/members/a/me')).toBeNull()
  })

  test('comes back after the session expires, in the new session, with the latest data', async () => {
    const { chroot, connectString } = await chrootClient()
    const other = await connect(connectString)
    const { client, proxy } = await proxiedClient(chroot)
    const node = new PersistentNode(client, '/eph', 'v1')
    node.start()
    await node.waitForInitialCreate(5_000)
    const oldSession = client.sessionId
    await cutOff(client, proxy)
    await node.setData('v2') // asked while cut off
    await expireWhileCutOff(client, chroot)
    await waitFor(async () => (await other.exists('/eph')) === null) // the server removed it with the session
    const renewed = nextState(client, (c) => c.state === 'reconnected' && c.newSession)
    proxy.restore()
    await renewed
    await waitFor(async () => {
      const s = await other.exists('/eph')
      return s !== null && s.ephemeralOwner === client.sessionId
    })
    expect(client.sessionId).not.toBe(oldSession)
    expect((await other.getData('/eph')).data.toString()).toBe('v2')
    await node.close()
  })

  test('sequential with protection: a new sequence after deletion, path tells the current one', async () => {
    const { client, connectString } = await chrootClient()
    const other = await connect(connectString)
    const node = new PersistentNode(client, '/seq/n-', 'x', { mode: 'ephemeralSequential' })
    node.start()
    const p1 = await node.waitForInitialCreate(5_000)
    expect(p1).toMatch(/^\/seq\/_c_[0-9a-f-]{36}-n-\d{10}$/)
    await other.delete(p1)
    await waitFor(() => node.path !== p1)
    expect(await other.exists(node.path!)).not.toBeNull()
    expect((await other.getChildren('/seq')).children).toHaveLength(1)
    await node.close()
    expect((await other.getChildren('/seq').catch(() => ({ children: [] }))).children).toHaveLength(0)
  })

  test('persistent and TTL modes come back after deletion too', async () => {
    const { client, connectString } = await chrootClient()
    const other = await connect(connectString)
    const ttl = new PersistentNode(client, '/ttl', 't', { mode: 'persistentWithTtl', ttl: 60_000 })
    const plain = new PersistentNode(client, '/plain', 'p', { mode: 'persistent' })
    ttl.start()
    plain.start()
    await Promise.all([ttl.waitForInitialCreate(5_000), plain.waitForInitialCreate(5_000)])
    expect((await other.exists('/ttl'))?.ephemeralOwner).toBe(0n)
    await other.delete('/ttl')
    await other.delete('/plain')
    await waitFor(async () => (await other.exists('/ttl')) !== null && (await other.exists('/plain')) !== null)
    await Promise.all([ttl.close(), plain.close()])
    expect(await other.exists('/plain')).toBeNull()
  })

  test('an ephemeral at the path held by another session is waited out, then taken', async () => {
    const { client, connectString } = await chrootClient()
    const holder = await connect(connectString)
    await holder.create('/held', 'theirs', { mode: 'ephemeral' })
    const node = new PersistentNode(client, '/held', 'mine')
    node.start()
    await expect(node.waitForInitialCreate(300)).rejects.toThrow(/not created within 300 ms/)
    expect((await client.getData('/held')).data.toString()).toBe('theirs')
    await holder.close()
    expect(await node.waitForInitialCreate(5_000)).toBe('/held')
    expect((await client.getData('/held')).data.toString()).toBe('mine')
    await node.close()
  })

  test('arguments, and a closed client', async () => {
    const { client } = await chrootClient()
    expect(() => new PersistentNode(client, 'x', 'd')).toThrow(InvalidArgumentError)
    expect(() => new PersistentNode(client, '/x', 'd', { mode: 'container' as never })).toThrow(/mode must be one of/)
    expect(() => new PersistentNode(client, '/x', 'd', { mode: 'persistentWithTtl' })).toThrow(/ttl is needed/)
    expect(() => new PersistentNode(client, '/x', 'd', { ttl: 5 })).toThrow(/ttl is needed/)
    expect(() => new PersistentNode(client, '/x', 7 as never)).toThrow(InvalidArgumentError)
    expect(() => new PersistentNode(client, '/x', 'd', { createMode: 'ephemeral' } as never)).toThrow(/did you mean "mode"/)
    const node = new PersistentNode(client, '/x', 'd')
    await client.close()
    node.start()
    await expect(node.waitForInitialCreate()).rejects.toBeInstanceOf(ClientClosedError)
  })
})

describe('GroupMember', () => {
  test('members see each other as a live map; leaving and expiry are reflected', async () => {
    const { client, connectString, chroot } = await chrootClient()
    const { client: second, proxy } = await proxiedClient(chroot)
    void connectString
    const a = new GroupMember(client, '/g', 'm1', 'd1')
    const b = new GroupMember(second, '/g', 'm2', 'd2 ☕')
    await a.start()
    await b.start()
    await waitFor(() => a.members().size === 2)
    expect([...a.members()].map(([k, v]) => `${k}=${v.toString()}`).sort()).toEqual(['m1=d1', 'm2=d2 ☕'])
    await b.setPayload('d2b')
    await waitFor(() => a.members().get('m2')?.toString() === 'd2b')
    // m2's session expires: it leaves, then its PersistentNode brings it back.
    await cutOff(second, proxy)
    await expireWhileCutOff(second, chroot)
    await waitFor(() => a.members().size === 1)
    proxy.restore()
    await waitFor(() => a.members().size === 2 && b.members().size === 2)
    await b.close()
    await waitFor(() => a.members().size === 1)
    await a.close()
  })

  test('kazoo Party layout: <hex>__party__ names; partyMembers lists the payloads', async () => {
    const { client } = await chrootClient()
    const m = new GroupMember(client, '/party', 'p1', 'p1', { layout: 'kazooParty' })
    await m.start()
    expect(m.nodePath).toMatch(/^\/party\/[0-9a-f]{32}__party__$/)
    await waitFor(() => m.partyMembers().length === 1)
    expect(m.partyMembers()).toEqual(['p1'])
    await m.close()
    expect(() => new GroupMember(client, '/g', 'a/b')).toThrow(/without "\/"/)
    expect(() => new GroupMember(client, '/g', '')).toThrow(InvalidArgumentError)
    expect(() => new GroupMember(client, '/g', 'x', 'd', { layout: 'zk' as never })).toThrow(/layout must be one of/)
  })
})
