import { describe, expect, test } from 'vitest'
import {
  DistributedAtomicLong,
  DistributedQueue,
  InvalidArgumentError,
  SharedCount,
  decodeQueueItems,
  encodeQueueItems,
  stringSerializer,
} from '../../src/index.js'
import { waitFor } from '../../src/testing/index.js'
import { chrootClient, connect } from '../support/zk.js'
import { cutOff, expireWhileCutOff, proxiedClient } from './helpers/session.js'

describe('SharedCount', () => {
  test('4-byte big-endian node, seed only on create, versioned trySetCount, listeners across clients', async () => {
    const { client, connectString } = await chrootClient()
    const other = await connect(connectString)
    const a = new SharedCount(client, '/c/count', 43)
    await a.start()
    expect((await client.getData('/c/count')).data.toString('base64')).toBe('AAAAKw==')
    const b = new SharedCount(other, '/c/count', 99)
    await b.start()
    expect(b.getCount()).toBe(43)
    const seen: number[] = []
    b.on('changed', (v) => seen.push(v.value))
    const v = a.getVersionedValue()
    expect(v).toEqual({ value: 43, version: 0 })
    expect(await a.trySetCount(v, 44)).toBe(true)
    expect(await a.trySetCount(v, 45)).toBe(false) // stale version
    await waitFor(() => b.getCount() === 44)
    await b.setCount(-7)
    await waitFor(() => a.getCount() === -7)
    expect(seen).toEqual([44, -7])
    await expect(a.setCount(2 ** 31)).rejects.toThrow(/integer from -2147483648/)
    await expect(a.trySetCount({} as never, 1)).rejects.toThrow(/getVersionedValue/)
    expect(() => new SharedCount(client, '/c/x', 1.5)).toThrow(InvalidArgumentError)
    await a.close()
    await b.close()
  })

  test('concurrent trySetCount loops from two clients lose no increment', async () => {
    const { client, connectString } = await chrootClient()
    const other = await connect(connectString)
    const counts = [new SharedCount(client, '/n', 0), new SharedCount(other, '/n', 0)]
    await Promise.all(counts.map((c) => c.start()))
    const bump = async (c: SharedCount): Promise<void> => {
      for (let i = 0; i < 25; ) {
        const v = c.getVersionedValue()
        if (await c.trySetCount(v, v.value + 1)) i++
        else await waitFor(() => c.getVersionedValue().version !== v.version, { intervalMs: 1 })
      }
    }
    await Promise.all(counts.map(bump))
    await waitFor(() => counts.every((c) => c.getCount() === 50))
    await Promise.all(counts.map((c) => c.close()))
  })
})

describe('DistributedAtomicLong', () => {
  test('8-byte big-endian long; missing node reads 0 without creating; CAS, add, wrap-around', async () => {
    const { client } = await chrootClient()
    const n = new DistributedAtomicLong(client, '/x/long')
    expect(await n.get()).toBe(0n)
    expect(await client.exists('/x/long')).toBeNull()
    expect(await n.add(20)).toEqual({ succeeded: true, preValue: 0n, postValue: 20n })
    expect((await client.getData('/x/long')).data.toString('base64')).toBe('AAAAAAAAABQ=')
    expect(await n.compareAndSet(5n, 6n)).toEqual({ succeeded: false, preValue: 20n, postValue: 0n })
    expect(await n.compareAndSet(20n, -1n)).toEqual({ succeeded: true, preValue: 20n, postValue: -1n })
    expect((await client.getData('/x/long')).data.toString('base64')).toBe('//////////8=')
    expect(await n.initialize(5)).toBe(false)
    await n.forceSet(2n ** 63n - 1n)
    expect((await n.increment()).postValue).toBe(-(2n ** 63n))
    await client.setData('/x/long', Buffer.from([0, 0, 0, 47]))
    await expect(n.get()).rejects.toThrow(/8-byte big-endian long/)
    await expect(n.add(1.5)).rejects.toThrow(InvalidArgumentError)
    expect(() => new DistributedAtomicLong(client, '/y', { retries: 3 } as never)).toThrow(/maxAttempts/)
  })

  test('four clients incrementing at once: every increment counted', async () => {
    const { connectString } = await chrootClient()
    const clients = await Promise.all([1, 2, 3, 4].map(() => connect(connectString)))
    const longs = clients.map((c) => new DistributedAtomicLong(c, '/hits'))
    const results = await Promise.all(longs.map(async (l) => {
      let ok = 0
      for (let i = 0; i < 25; i++) if ((await l.increment()).succeeded) ok++
      return ok
    }))
    expect(results).toEqual([25, 25, 25, 25])
    expect(await longs[0]!.get()).toBe(100n)
  })
})

describe('DistributedQueue', () => {
  test('item bytes are Curator\'s envelope; decoding refuses anything else', () => {
    const data = encodeQueueItems([Buffer.from('a')])
    expect(data.toString('base64')).toBe('AAEAAQEAAAABYQI=')
    expect(encodeQueueItems([Buffer.from('m1'), Buffer.from('m2')]).toString('hex')).toBe('0001000101000000026d310100000002 6d3202'.replace(' ', ''))
    expect(decodeQueueItems(data).map(String)).toEqual(['a'])
    for (const bad of ['', 'AAEAAQ==', 'AAEAAgEAAAABYQI=', 'AAEAAQEAAAAFYQI=', 'AAEAAQEAAAABYQIA', 'AAEAAQMAAAABYQI=']) {
      expect(() => decodeQueueItems(Buffer.from(bad, 'base64'))).toThrow(InvalidArgumentError)
    }
  })

  test('items in put order; a failed handler requeues at the back; at-least-once; bounded concurrency', async () => {
    const { client, connectString } = await chrootClient()
    const producer = new DistributedQueue(await connect(connectString), '/q', { serializer: stringSerializer })
    for (const item of ['a', 'b', 'c']) await producer.put(item)
    const node = await producer.putMulti(['m1', 'm2'])
    expect(node).toMatch(/^\/q\/queue-\d{10}$/)
    const handled: string[] = []
    let failOnce = true
    const consumer = new DistributedQueue(client, '/q', { serializer: stringSerializer })
    const errors: string[] = []
    consumer.on('handlerError', (_e, item) => errors.push(item))
    await consumer.consume(async (item) => {
      if (item === 'b' && failOnce) {
        failOnce = false
        throw new Error('boom')
      }
      handled.push(item)
    })
    await waitFor(() => handled.length === 5)
    expect(handled).toEqual(['a', 'c', 'm1', 'm2', 'b'])
    expect(errors).toEqual(['b'])
    await waitFor(async () => (await consumer.pending()).length === 0)
    expect((await client.getChildren('/q-locks')).children).toEqual([])
    await consumer.close()

    // Concurrency: never more than 3 handlers at once, all 20 handled once.
    for (let i = 0; i < 20; i++) await producer.put(`j${i}`)
    let running = 0
    let peak = 0
    const done = new Set<string>()
    const busy = new DistributedQueue(client, '/q', { serializer: stringSerializer, concurrency: 3 })
    await busy.consume(async (item) => {
      running++
      peak = Math.max(peak, running)
      await new Promise((resolve) => setImmediate(resolve))
      running--
      done.add(item)
    })
    await waitFor(() => done.size === 20)
    expect(peak).toBeLessThanOrEqual(3)
    await busy.close()
  })

  test('two consumers share the work through the lock nodes: each item handled once', async () => {
    const { client, connectString } = await chrootClient()
    const other = await connect(connectString)
    const producer = new DistributedQueue(client, '/work', { serializer: stringSerializer })
    for (let i = 0; i < 40; i++) await producer.put(`w${i}`)
    const seen: string[] = []
    const consumers = [client, other].map((c) => new DistributedQueue(c, '/work', { serializer: stringSerializer, concurrency: 2 }))
    await Promise.all(consumers.map((q) => q.consume((item) => void seen.push(item))))
    await waitFor(() => seen.length >= 40)
    await Promise.all(consumers.map((q) => q.close()))
    expect(new Set(seen).size).toBe(40)
    expect(seen.length).toBe(40)
  })

  test('at-least-once: a consumer that loses its session mid-handler does not remove the item; another consumer gets it', async () => {
    const { chroot, connectString } = await chrootClient()
    const { client: doomed, proxy } = await proxiedClient(chroot)
    const survivor = await connect(connectString)
    const producer = new DistributedQueue(survivor, '/jobs', { serializer: stringSerializer })
    await producer.put('job-1')
    let release!: () => void
    const started = new Promise<void>((resolve) => {
      const first = new DistributedQueue(doomed, '/jobs', { serializer: stringSerializer })
      void first.consume(() => {
        resolve()
        return new Promise<void>((r) => (release = r))
      })
    })
    await started
    await cutOff(doomed, proxy)
    await expireWhileCutOff(doomed, chroot) // its lock node goes with the session
    const second = new DistributedQueue(survivor, '/jobs', { serializer: stringSerializer })
    const handled: string[] = []
    await second.consume((item) => void handled.push(item))
    await waitFor(() => handled.length === 1)
    expect(handled).toEqual(['job-1'])
    release() // the first handler finishes late: its delete of item and lock fails as a whole
    proxy.restore()
    await waitFor(async () => (await producer.pending()).length === 0)
    expect((await survivor.getChildren('/jobs-locks')).children).toEqual([])
    await second.close()
  })

  test('a malformed item is reported and left in place; arguments are checked', async () => {
    const { client } = await chrootClient()
    await client.create('/bad')
    await client.create('/bad/queue-', 'not an envelope', { mode: 'persistentSequential' })
    const q = new DistributedQueue(client, '/bad')
    const bad = new Promise<string>((resolve) => q.on('badItem', (_e, node) => resolve(node)))
    await q.consume(() => {})
    expect(await bad).toMatch(/^\/bad\/queue-/)
    expect(await q.pending()).toHaveLength(1)
    await q.close()
    expect(() => new DistributedQueue(client, '/q', { lockPath: '/q/locks' })).toThrow(/must not be under/)
    expect(() => new DistributedQueue(client, '/q', { serializer: {} as never })).toThrow(/serialize/)
    expect(() => new DistributedQueue(client, '/q', { concurrency: 0 })).toThrow(/concurrency/)
    await expect(new DistributedQueue(client, '/q').putMulti([])).rejects.toThrow(/non-empty array/)
    await expect(new DistributedQueue(client, '/q').put('str' as never)).rejects.toThrow(/must be a Buffer/)
    await expect(new DistributedQueue(client, '/q').consume('x' as never)).rejects.toThrow(/handler must be a function/)
  })
})
