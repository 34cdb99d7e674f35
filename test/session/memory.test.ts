/**
 * Bounded memory, by bytes: a burst of large writes waits for room (callers wait, they do not fail)
 * instead of being encoded all at once; the socket's backpressure is respected; the event loop is
 * not blocked; and a persistent watch with only a listener keeps no events for an iterator that
 * does not exist.
 */
import { type Socket, connect as netConnect } from 'node:net'
import { describe, expect, it } from 'vitest'
import { type WatchedEvent } from '../../src/index.js'
import { DEFAULT_MAX_IN_FLIGHT_BYTES } from '../../src/session/config.js'
import { useFakeServer } from './helpers.js'

const { server, client } = useFakeServer()
const STAT = Buffer.alloc(68)

describe('byte budget and backpressure', () => {
  it('300 setData of 200 kB at once to a server that does not read: at most the budget is buffered, and all complete once it reads', async () => {
    let socket: Socket | undefined
    const [host, port] = server().address.split(':')
    const transport = () => (socket = netConnect({ host: host!, port: Number(port) }))
    const { client: zk } = client({ internals: { transport } })
    const conn = await server().connection(1)
    await conn.accept()
    await zk.connected({ timeout: 5_000 })
    conn.socket.pause() // the server stops reading: the kernel buffers fill, then the client's socket
    let maxBuffered = 0
    let maxLag = 0
    let last = performance.now()
    const sample = setInterval(() => {
      const now = performance.now()
      maxLag = Math.max(maxLag, now - last - 5)
      last = now
      maxBuffered = Math.max(maxBuffered, socket!.writableLength)
    }, 5)
    try {
      const payload = Buffer.alloc(200 * 1024, 7)
      const burstStart = performance.now()
      const writes = Array.from({ length: 300 }, (_, i) => zk.setData(`/big${i}`, payload))
      const burst = performance.now() - burstStart
      // Let every flush that would happen, happen: the socket has refused more by now.
      for (let i = 0; i < 20; i++) await new Promise((resolve) => setImmediate(resolve))
      maxBuffered = Math.max(maxBuffered, socket!.writableLength)
      expect(maxBuffered).toBeLessThanOrEqual(DEFAULT_MAX_IN_FLIGHT_BYTES + 210 * 1024)
      // Only the first frames are encoded now (about 8 MiB); before, all 60 MB were, in one stall of seconds.
      expect(burst).toBeLessThan(300)
      // The server reads again and answers: every caller gets its reply, none failed.
      conn.onRequest = (req) => {
        if (req.opcode === 5) conn.reply(req.xid, { body: STAT })
      }
      conn.socket.resume()
      const stats = await Promise.all(writes)
      expect(stats).toHaveLength(300)
      expect(conn.requests.filter((r) => r.opcode === 5).map((r) => r.xid)).toEqual(Array.from({ length: 300 }, (_, i) => i + 1))
      expect(maxBuffered).toBeLessThanOrEqual(DEFAULT_MAX_IN_FLIGHT_BYTES + 210 * 1024)
      expect(maxLag).toBeLessThan(250)
    } finally {
      clearInterval(sample)
    }
  })

  it('one request larger than the budget still goes, alone', async () => {
    const { client: zk } = client({ internals: { maxInFlightBytes: 64 * 1024 } })
    const conn = await server().connection(1)
    await conn.accept()
    await zk.connected({ timeout: 5_000 })
    conn.onRequest = (req) => conn.reply(req.xid, { body: STAT })
    const big = Buffer.alloc(100 * 1024)
    const results = await Promise.all([zk.setData('/a', big), zk.setData('/b', big), zk.exists('/c')])
    expect(results).toHaveLength(3)
    // Each big one went out only once the one before was answered.
    expect(conn.requests.map((r) => r.chunk)).toEqual([...new Set(conn.requests.map((r) => r.chunk))])
  })
})

describe('persistent watch with only a listener', () => {
  it('keeps no events for an iterator nobody created; an iterator made later sees events from then on', async () => {
    const { client: zk } = client()
    const conn = await server().connection(1)
    await conn.accept()
    await zk.connected({ timeout: 5_000 })
    conn.onRequest = (req) => {
      if (req.opcode === 106) conn.reply(req.xid)
    }
    const heard: WatchedEvent[] = []
    const watch = await zk.addWatch('/p', { listener: (e) => heard.push(e) })
    for (let i = 0; i < 2_000; i++) conn.notify(3, 3, '/p')
    await conn.request(1)
    while (heard.length < 2_000) await new Promise((resolve) => setImmediate(resolve))
    expect((watch as unknown as { events: { size: number } }).events.size).toBe(0)
    const iterator = watch[Symbol.asyncIterator]()
    conn.notify(2, 3, '/p') // NodeDeleted: the first event after the iterator exists
    expect((await iterator.next()).value).toMatchObject({ type: 'NodeDeleted', path: '/p' })
    expect(heard).toHaveLength(2_001)
    expect(conn.requests.map((r) => r.opcode)).toEqual([106])
  })
})
