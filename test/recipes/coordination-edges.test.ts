import { describe, expect, test } from 'vitest'
import { AcquireTimeoutError, Barrier, DoubleBarrier, Mutex, ReadWriteLock, Semaphore, createClient } from '../../src/index.js'
import { FaultProxy } from '../../src/testing/index.js'
import { nextState, proxiedClient } from './helpers/session.js'
import { chrootClient, connect } from '../support/zk.js'
import { childrenOf } from './helpers/children.js'

describe('coordination recipes at the edges', () => {
  test('no server at all: every wait ends at its timeout, nothing hangs', async () => {
    // A proxy that accepts nothing: the client never gets a session.
    const proxy = await FaultProxy.start({ upstream: '127.0.0.1:1' })
    proxy.blackhole()
    const zk = createClient(proxy.address, { sessionTimeout: 2_000 })
    try {
      const waits = [
        new Mutex(zk, '/m').acquire({ timeout: 150 }),
        new ReadWriteLock(zk, '/rw').writeLock.acquire({ timeout: 150 }),
        new Semaphore(zk, '/s', 2).acquire({ timeout: 150 }),
        new Barrier(zk, '/b').wait({ timeout: 150 }),
        new DoubleBarrier(zk, '/d', 2).enter({ timeout: 150 }),
      ]
      for (const outcome of await Promise.allSettled(waits)) {
        expect(outcome.status).toBe('rejected')
        expect((outcome as PromiseRejectedResult).reason).toBeInstanceOf(AcquireTimeoutError)
      }
    } finally {
      await zk.close()
      await proxy.close()
    }
  })

  test('the client closed while waiting: every waiter rejects with ClientClosedError', async () => {
    const { client: holderClient, connectString } = await chrootClient()
    const holder = await new Mutex(holderClient, '/m').acquire()
    const sem = await new Semaphore(holderClient, '/s', 1).acquire()
    await new Barrier(holderClient, '/b').set()
    const zk = await connect(connectString)
    const waits = [
      new Mutex(zk, '/m').acquire(),
      new Semaphore(zk, '/s', 1).acquire(),
      new Barrier(zk, '/b').wait(),
      new DoubleBarrier(zk, '/d', 2).enter(),
    ]
    for (let i = 0; i < 300 && (await holderClient.getChildren('/m')).children.length < 2; i++) await new Promise((r) => setTimeout(r, 10))
    // Observe the waits before closing: they reject while close() is still delivering final events.
    const settled = Promise.allSettled(waits)
    await zk.close()
    for (const outcome of await settled) {
      expect(outcome.status).toBe('rejected')
      expect((outcome as PromiseRejectedResult).reason).toMatchObject({ name: 'ClientClosedError' })
    }
    // The closed session took its nodes along.
    expect((await holderClient.getChildren('/m')).children).toEqual([holder.path.split('/').pop()])
    await holder.release()
    await sem.release()
  })

  test('the server gone mid-wait: the waiter rides it out; one aborted during the outage removes its node once back', async () => {
    const { client: holderClient, chroot } = await chrootClient()
    const holder = await new Mutex(holderClient, '/m').acquire()
    const { client, proxy } = await proxiedClient(chroot)
    const count = async (): Promise<number> => (await childrenOf(holderClient, '/m')).length
    const pending = new Mutex(client, '/m').acquire({ timeout: 20_000 })
    for (let i = 0; i < 300 && (await count()) < 2; i++) await new Promise((r) => setTimeout(r, 10))
    const controller = new AbortController()
    const impatient = new Mutex(client, '/m').acquire({ signal: controller.signal })
    for (let i = 0; i < 300 && (await count()) < 3; i++) await new Promise((r) => setTimeout(r, 10))
    const suspended = nextState(client, (c) => c.state === 'suspended')
    proxy.blackhole()
    proxy.cut()
    await suspended
    // Gives up while disconnected: rejects at once; its node cannot be deleted yet.
    controller.abort(new Error('gave up'))
    await expect(impatient).rejects.toThrow('gave up')
    expect(await count()).toBe(3)
    const back = nextState(client, (c) => c.state === 'reconnected')
    proxy.restore()
    await back
    for (let i = 0; i < 300 && (await count()) > 2; i++) await new Promise((r) => setTimeout(r, 10))
    expect(await count()).toBe(2)
    await holder.release()
    const lock = await pending
    expect((await holderClient.exists(lock.path))!.ephemeralOwner).toBe(client.sessionId)
    await lock.release()
    expect(await count()).toBe(0)
  })
})

describe('release without a server', () => {
  test('a holder cut off for good: release() ends once the session is known to be lost, not never', async () => {
    const { chroot } = await chrootClient()
    const { client, proxy } = await proxiedClient(chroot, { sessionTimeout: 2_000 })
    const lock = await new Mutex(client, '/m').acquire()
    proxy.blackhole()
    proxy.cut()
    const released = lock.release()
    await nextState(client, (c) => c.state === 'lost')
    await released
    expect(lock.signal.aborted).toBe(true)
  })
})
