/**
 * zkwire's data recipes against the real Curator 5.4.0 and kazoo 2.8.0 on one path of one server:
 * counters both ways, the queue both ways, group membership as each library lists it.
 */
import { afterEach, describe, expect, test } from 'vitest'
import { DistributedAtomicLong, DistributedQueue, GroupMember, SharedCount, stringSerializer } from '../../src/index.js'
import { waitFor } from '../../src/testing/index.js'
import type { Peer } from '../support/interop.js'
import { chrootClient } from '../support/zk.js'
import { startCurator, startKazoo } from './peers.js'

const peers: Peer[] = []
afterEach(async () => {
  await Promise.all(peers.splice(0).map((p) => p.kill()))
})

async function curator(connectString: string): Promise<Peer> {
  const p = await startCurator(connectString)
  peers.push(p)
  return p
}

async function kazoo(connectString: string): Promise<Peer> {
  const p = await startKazoo(connectString)
  peers.push(p)
  return p
}

describe('data recipes with Curator and kazoo', () => {
  test('SharedCount: Curator reads zkwire\'s count and zkwire sees Curator\'s increments; kazoo Counter(support_curator) too', async () => {
    const { client, connectString } = await chrootClient()
    const count = new SharedCount(client, '/sc', 43)
    await count.start()
    const java = await curator(connectString)
    expect(await java.ask('sc-get /sc 99')).toBe('count 43') // the seed of an existing node is not written
    expect(await java.ask('sc-incr /sc')).toBe('count 44')
    await waitFor(() => count.getCount() === 44)
    await count.setCount(100)
    await waitFor(async () => (await java.ask('sc-get /sc 0')) === 'count 100')
    const py = await kazoo(connectString)
    expect(await py.ask('counter-get /sc')).toBe('count 100')
    expect(await py.ask('counter-add /sc 5')).toBe('count 105')
    await waitFor(() => count.getCount() === 105)
    const v = count.getVersionedValue()
    expect(await count.trySetCount(v, 106)).toBe(true)
    expect(await py.ask('counter-get /sc')).toBe('count 106')
    await count.close()
  })

  test('DistributedAtomicLong: both directions, and concurrent adds from Java and Node all counted', async () => {
    const { client, connectString } = await chrootClient()
    const java = await curator(connectString)
    const n = new DistributedAtomicLong(client, '/dal')
    expect(await java.ask('dal-add /dal 20')).toBe('long true 0 20')
    expect(await n.get()).toBe(20n)
    expect((await n.add(-21)).postValue).toBe(-1n)
    expect(await java.ask('dal-get /dal')).toBe('long true -1')
    // 30 adds from each side at the same time.
    const node = (async () => {
      for (let i = 0; i < 30; i++) expect((await n.increment()).succeeded).toBe(true)
    })()
    for (let i = 0; i < 30; i++) expect(await java.ask('dal-add /dal 1')).toMatch(/^long true /)
    await node
    expect(await n.get()).toBe(59n)
    expect(await java.ask('dal-get /dal')).toBe('long true 59')
  })

  test('DistributedQueue: Curator consumes what zkwire puts, zkwire consumes what Curator puts', async () => {
    const { client, connectString } = await chrootClient()
    const java = await curator(connectString)
    const q = new DistributedQueue(client, '/q', { serializer: stringSerializer })
    await q.put('one')
    await q.putMulti(['two', 'three'])
    expect(await java.ask('q-consume /q /q-locks')).toBe('consuming')
    expect(await java.ask('q-take 3')).toBe('items one,two,three')
    await waitFor(async () => (await q.pending()).length === 0)

    const other = new DistributedQueue(client, '/q2', { serializer: stringSerializer })
    expect(await java.ask('q-put /q2 a,b,c')).toBe('put')
    const got: string[] = []
    await other.consume((item) => void got.push(item))
    await waitFor(() => got.length === 3)
    expect(got).toEqual(['a', 'b', 'c'])
    await other.close()
  })

  test('DistributedQueue: a Curator consumer and a zkwire consumer on one lockPath share the items, each handled once', async () => {
    const { client, connectString } = await chrootClient()
    const java = await curator(connectString)
    const q = new DistributedQueue(client, '/shared', { serializer: stringSerializer, lockPath: '/shared-locks' })
    const items = Array.from({ length: 30 }, (_, i) => `i${i}`)
    expect(await java.ask('q-consume /shared /shared-locks')).toBe('consuming')
    const mine: string[] = []
    await q.consume((item) => void mine.push(item))
    for (const item of items) await q.put(item)
    await waitFor(async () => (await q.pending()).length === 0, { timeoutMs: 20_000 })
    await q.close()
    const line = await java.ask(`q-take ${30 - mine.length}`)
    const theirs = line === 'items ' ? [] : line.slice('items '.length).split(',')
    expect([...mine, ...theirs].sort()).toEqual([...items].sort())
  })

  test('group membership: Curator GroupMember and kazoo Party list zkwire members; zkwire lists theirs', async () => {
    const { client, connectString } = await chrootClient()
    const me = new GroupMember(client, '/g', 'node-1', 'payload ☕')
    await me.start()
    const java = await curator(connectString)
    expect(await java.ask('gm-join /g java-1 jp')).toBe('joined')
    await waitFor(async () => (await java.ask('gm-members java-1')) === 'members {java-1=jp, node-1=payload ☕}')
    await waitFor(() => me.members().size === 2)
    expect(me.members().get('java-1')?.toString()).toBe('jp')

    const party = new GroupMember(client, '/party', 'kz-style', 'zk-member', { layout: 'kazooParty' })
    await party.start()
    const py = await kazoo(connectString)
    expect(await py.ask('party-list /party')).toBe('party zk-member')
    expect(await py.ask('party-join /party py-member')).toBe('joined')
    await waitFor(() => party.partyMembers().length === 2)
    expect(party.partyMembers().sort()).toEqual(['py-member', 'zk-member'])
    await party.close()
    expect(await py.ask('party-list /party')).toBe('party py-member')
    await me.close()
  })
})
