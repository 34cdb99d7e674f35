import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { AcquireTimeoutError, LeaderSelector, Mutex, ReadWriteLock, Semaphore, type SelectorLeadership } from '../../src/index.js'
import { type Peer, startJava } from '../support/interop.js'
import { chrootClient, connect, sharedServer } from '../support/zk.js'
import { CURATOR_PEER } from './curator-peer.js'

let java: Peer

beforeAll(async () => {
  java = startJava('CuratorPeer', CURATOR_PEER, [sharedServer()])
  await java.expect('ready', 60_000)
}, 90_000)

afterAll(async () => {
  await java?.kill()
})

describe('Curator 5.4.0 interop', () => {
  test('InterProcessMutex: a Curator holder and a Node holder never hold one path at once, both ways', async () => {
    const { client, chroot } = await chrootClient()
    const path = `${chroot}/lock`
    const node = new Mutex(client, '/lock')
    // Curator first: Node waits for it.
    java.send(`lock j1 ${path} 10000`)
    await java.expect('acquired j1')
    await expect(node.acquire({ timeout: 300 })).rejects.toBeInstanceOf(AcquireTimeoutError)
    const waiting = node.acquire({ timeout: 10_000 })
    const names = await node.participantNodes()
    expect(names[0]).toMatch(/^_c_[0-9a-f-]{36}-lock-\d{10}$/)
    java.send('unlock j1')
    await java.expect('released j1')
    const lock = await waiting
    // Node first: Curator waits for it (and times out while Node holds).
    java.send(`lock j2 ${path} 300`)
    await java.expect('timeout j2')
    java.send(`lock j3 ${path} 10000`)
    const queued = await connect(`${sharedServer()}${chroot}`)
    for (let i = 0; i < 200 && (await queued.getChildren('/lock')).children.length < 2; i++) await new Promise((r) => setTimeout(r, 10))
    expect((await node.participantNodes())[0]).toBe(lock.path.slice('/lock/'.length))
    await lock.release()
    await java.expect('acquired j3')
    await expect(node.acquire({ timeout: 300 })).rejects.toBeInstanceOf(AcquireTimeoutError)
    java.send('unlock j3')
    await java.expect('released j3')
    await (await node.acquire({ timeout: 5_000 })).release()
  })

  test('InterProcessReadWriteLock: Curator and Node readers share, writers exclude across clients', async () => {
    const { client, chroot } = await chrootClient()
    const path = `${chroot}/rw`
    const rw = new ReadWriteLock(client, '/rw')
    java.send(`wlock w1 ${path} 10000`)
    await java.expect('acquired w1')
    await expect(rw.readLock.acquire({ timeout: 300 })).rejects.toBeInstanceOf(AcquireTimeoutError)
    const reading = rw.readLock.acquire({ timeout: 10_000 })
    for (let i = 0; i < 200 && (await rw.readLock.participantNodes()).length < 2; i++) await new Promise((r) => setTimeout(r, 10))
    java.send('unlock w1')
    const read = await reading
    // A Curator reader shares with the Node reader; a Curator writer waits for both.
    java.send(`rlock r1 ${path} 5000`)
    await java.expect('acquired r1')
    java.send(`wlock w2 ${path} 300`)
    await java.expect('timeout w2')
    await read.release()
    java.send('unlock r1')
    await java.expect('released r1')
    // Node writer: Curator reader and writer wait.
    const write = await rw.writeLock.acquire({ timeout: 5_000 })
    java.send(`rlock r2 ${path} 300`)
    await java.expect('timeout r2')
    java.send(`wlock w3 ${path} 300`)
    await java.expect('timeout w3')
    java.send(`rlock r3 ${path} 10000`)
    for (let i = 0; i < 200 && (await rw.readLock.participantNodes()).length < 2; i++) await new Promise((r) => setTimeout(r, 10))
    await write.release()
    await java.expect('acquired r3')
    java.send('unlock r3')
    await java.expect('released r3')
  })

  test('InterProcessSemaphoreV2: leases counted together, never more than max', async () => {
    const { client, chroot, connectString } = await chrootClient()
    const path = `${chroot}/sem`
    const sem = new Semaphore(client, '/sem', 2)
    java.send(`sem s1 ${path} 2 5000`)
    await java.expect('acquired s1')
    const mine = await sem.acquire({ timeout: 5_000 })
    // Full: a third lease waits on both sides.
    await expect(new Semaphore(await connect(connectString), '/sem', 2).acquire({ timeout: 300 })).rejects.toBeInstanceOf(AcquireTimeoutError)
    java.send(`sem s2 ${path} 2 300`)
    await java.expect('timeout s2')
    java.send(`sem s3 ${path} 2 10000`)
    for (let i = 0; i < 200 && (await sem.participantNodes()).length < 3; i++) await new Promise((r) => setTimeout(r, 10))
    await mine.release()
    await java.expect('acquired s3')
    // The Curator waiter's lease was one of the lease nodes; the Node waiter now counts them too.
    const waiting = sem.acquire({ timeout: 10_000 })
    java.send('unlock s1')
    await java.expect('released s1')
    const second = await waiting
    expect((await client.getChildren('/sem/leases')).children).toHaveLength(2)
    await second.release()
    java.send('unlock s3')
    await java.expect('released s3')
  })

  test('LeaderSelector: Java and Node selectors contend in one election, ids readable on both sides', async () => {
    const { client, chroot } = await chrootClient()
    const path = `${chroot}/sel`
    java.send(`select j ${path} java-1`)
    await java.expect('leader j')
    let led: SelectorLeadership | null = null
    let finish!: () => void
    const node = new LeaderSelector(client, '/sel', async (l) => {
      led = l
      await new Promise<void>((r) => (finish = r))
    }, { id: 'node-1' })
    node.start()
    for (let i = 0; i < 200 && (await node.participants()).length < 2; i++) await new Promise((r) => setTimeout(r, 10))
    expect((await node.participants()).map((p) => [p.id, p.isLeader])).toEqual([['java-1', true], ['node-1', false]])
    expect(node.hasLeadership).toBe(false)
    java.send('resign j')
    await java.expect('resigned j')
    for (let i = 0; i < 500 && led === null; i++) await new Promise((r) => setTimeout(r, 10))
    expect(node.hasLeadership).toBe(true)
    // The Java side waits while Node leads.
    java.send(`select j2 ${path} java-2`)
    for (let i = 0; i < 200 && (await node.participants()).length < 2; i++) await new Promise((r) => setTimeout(r, 10))
    expect((await node.participants()).map((p) => [p.id, p.isLeader])).toEqual([['node-1', true], ['java-2', false]])
    finish()
    await java.expect('leader j2')
    java.send('resign j2')
    await java.expect('resigned j2')
    await node.close()
  })
})
