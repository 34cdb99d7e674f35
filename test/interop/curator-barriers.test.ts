import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { AcquireTimeoutError, Barrier, DoubleBarrier } from '../../src/index.js'
import { type Peer, startJava } from '../support/interop.js'
import { chrootClient, sharedServer } from '../support/zk.js'
import { CURATOR_PEER } from './curator-peer.js'

let java: Peer

/** The next `count` lines, in whatever order the peer's threads print them. */
async function lines(count: number): Promise<string[]> {
  const out: string[] = []
  for (let i = 0; i < count; i++) out.push(await java.line())
  return out.sort()
}

beforeAll(async () => {
  java = startJava('CuratorPeer', CURATOR_PEER, [sharedServer()])
  await java.expect('ready', 60_000)
}, 90_000)

afterAll(async () => {
  await java?.kill()
})

describe('Curator 5.4.0 barriers', () => {
  test('DistributedBarrier: set by either side, waited on by the other, passed when removed', async () => {
    const { client, chroot } = await chrootClient()
    const barrier = new Barrier(client, '/gate')
    await barrier.set()
    java.send(`bwait w1 ${chroot}/gate 200`)
    await java.expect('timeout w1')
    java.send(`bwait w2 ${chroot}/gate 10000`)
    await barrier.remove()
    await java.expect('passed w2')
    java.send(`bset ${chroot}/gate`)
    await java.expect('done')
    await expect(barrier.wait({ timeout: 200 })).rejects.toBeInstanceOf(AcquireTimeoutError)
    const waiting = barrier.wait({ timeout: 10_000 })
    java.send(`bremove ${chroot}/gate`)
    await java.expect('done')
    await waiting
  })

  test('DistributedDoubleBarrier: Curator and Node members enter together and leave together', async () => {
    const { client, chroot } = await chrootClient()
    const node = new DoubleBarrier(client, '/dbar', 3)
    java.send(`denter j1 ${chroot}/dbar 3 10000`)
    let entered = false
    const entering = node.enter({ timeout: 10_000 }).then(() => (entered = true))
    for (let i = 0; i < 300 && (await client.getChildren('/dbar').catch(() => ({ children: [] }))).children.length < 2; i++) await new Promise((r) => setTimeout(r, 10))
    expect(entered).toBe(false)
    java.send(`denter j2 ${chroot}/dbar 3 10000`)
    await entering
    expect(await lines(2)).toEqual(['entered j1', 'entered j2'])
    let left = false
    const leaving = node.leave({ timeout: 10_000 }).then(() => (left = true))
    java.send('dleave j1 10000')
    for (let i = 0; i < 4; i++) await client.sync('/')
    expect(left).toBe(false)
    java.send('dleave j2 10000')
    await leaving
    expect(await lines(2)).toEqual(['left j1', 'left j2'])
    expect((await client.getChildren('/dbar').catch(() => ({ children: [] }))).children).toEqual([])
  })
})
