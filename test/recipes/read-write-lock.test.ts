import { describe, expect, test } from 'vitest'
import { AcquireTimeoutError, InvalidArgumentError, ReadWriteLock } from '../../src/index.js'
import { chrootClient, connect } from '../support/zk.js'

const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}'

async function until(check: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 500; i++) {
    if (await check()) return
    await new Promise((r) => setTimeout(r, 10))
  }
  throw new Error('condition not reached within 5 s')
}

describe('ReadWriteLock', () => {
  test('Curator layout: __READ__ and __WRIT__ nodes share one sequence under the path', async () => {
    const { client, connectString } = await chrootClient()
    const a = new ReadWriteLock(client, '/rw')
    const b = new ReadWriteLock(await connect(connectString), '/rw', { data: 'reader-b' })
    const w = await a.writeLock.acquire()
    const pending = b.readLock.acquire()
    await until(async () => (await a.readLock.participantNodes()).length === 2)
    const [first, second] = await a.writeLock.participantNodes()
    expect(first).toMatch(new RegExp(`^_c_${UUID}-__WRIT__0000000000$`))
    expect(second).toMatch(new RegExp(`^_c_${UUID}-__READ__0000000001$`))
    expect((await client.getData(`/rw/${second}`)).data.toString()).toBe('reader-b')
    await w.release()
    const r = await pending
    expect(r.token).toBeGreaterThan(w.token)
    await r.release()
    expect(await a.readLock.participantNodes()).toEqual([])
  })

  test('readers share; a writer is exclusive; a reader behind a waiting writer waits for it', async () => {
    const { client, connectString } = await chrootClient()
    const locks = [new ReadWriteLock(client, '/rw'), ...(await Promise.all([1, 2].map(async () => new ReadWriteLock(await connect(connectString), '/rw'))))]
    const [l0, l1, l2] = locks as [ReadWriteLock, ReadWriteLock, ReadWriteLock]
    const r0 = await l0.readLock.acquire()
    const r1 = await l1.readLock.acquire({ timeout: 5_000 }) // shared
    const events: string[] = []
    const writer = l2.writeLock.acquire().then((w) => {
      events.push('writer')
      return w
    })
    await until(async () => (await l0.readLock.participantNodes()).length === 3)
    await r1.release()
    // A new reader queues behind the waiting writer (writers are not starved).
    const lateReader = new ReadWriteLock(await connect(connectString), '/rw')
    await expect(lateReader.readLock.acquire({ timeout: 200 })).rejects.toBeInstanceOf(AcquireTimeoutError)
    const late = lateReader.readLock.acquire().then((r) => {
      events.push('late reader')
      return r
    })
    await until(async () => (await l0.readLock.participantNodes()).length === 3)
    await r0.release()
    const w = await writer
    expect(events).toEqual(['writer'])
    await w.release()
    await (await late).release()
    expect(events).toEqual(['writer', 'late reader'])
  })

  test('many readers and writers in a bounded loop: writers exclusive, readers never beside a writer', async () => {
    const { client, connectString } = await chrootClient()
    const clients = [client, ...(await Promise.all(Array.from({ length: 5 }, () => connect(connectString))))]
    let readers = 0
    let writers = 0
    const violations: string[] = []
    let maxReaders = 0
    await Promise.all(
      clients.map(async (c, i) => {
        const rw = new ReadWriteLock(c, '/rw')
        for (let round = 0; round < 6; round++) {
          const write = (i + round) % 3 === 0
          const lock = await (write ? rw.writeLock : rw.readLock).acquire({ timeout: 20_000 })
          if (write) writers++
          else readers++
          maxReaders = Math.max(maxReaders, readers)
          if (writers > 1 || (writers === 1 && readers > 0)) violations.push(`round ${round}: ${writers} writers, ${readers} readers`)
          await new Promise((r) => setTimeout(r, 3))
          if (write) writers--
          else readers--
          await lock.release()
        }
      }),
    )
    expect(violations).toEqual([])
    expect(maxReaders).toBeGreaterThan(1)
  })

  test('a writer may take the read lock (and downgrade); a reader cannot upgrade', async () => {
    const { client, connectString } = await chrootClient()
    const rw = new ReadWriteLock(client, '/rw')
    const w = await rw.writeLock.acquire()
    const r = await rw.readLock.acquire({ timeout: 2_000 })
    await w.release() // downgraded: still a reader, so another writer waits
    const other = new ReadWriteLock(await connect(connectString), '/rw')
    await expect(other.writeLock.acquire({ timeout: 200 })).rejects.toBeInstanceOf(AcquireTimeoutError)
    const otherReader = await other.readLock.acquire({ timeout: 2_000 })
    await otherReader.release()
    await expect(rw.writeLock.acquire({ timeout: 1_000 })).rejects.toThrow(/cannot be upgraded/)
    await r.release()
    expect(await rw.readLock.participantNodes()).toEqual([])
  })

  test('wrong shapes are refused', async () => {
    const { client } = await chrootClient()
    expect(() => new ReadWriteLock(client, '/rw', { data: 1 } as never)).toThrow(InvalidArgumentError)
    expect(() => new ReadWriteLock(client, '/rw', { lockData: 'x' } as never)).toThrow(/unknown option "lockData"/)
    expect(() => new ReadWriteLock(client, 'rw')).toThrow(InvalidArgumentError)
    await expect(new ReadWriteLock(client, '/rw').readLock.acquire({ timeout: null } as never)).rejects.toThrow(InvalidArgumentError)
  })
})
