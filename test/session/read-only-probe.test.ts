/**
 * The search for a read-write server (ClientCnxn pingRwServer) against small TCP servers that
 * answer `isro` like ZooKeeper does: one answer, then the connection closes.
 */
import { type Server, type Socket, createServer } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { HostList, type HostAddress } from '../../src/session/hosts.js'
import { ReadOnlyProbe } from '../../src/session/read-only-probe.js'
import { openSocket } from '../../src/session/transport.js'
import { waitFor } from '../../src/testing/index.js'
import { countingClock } from './helpers.js'

const servers: Server[] = []
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))))
})

/** A server answering `isro` with `answer` (or never, for `null`); counts the questions. */
async function isroServer(answer: 'ro' | 'rw' | null): Promise<{ host: HostAddress; asked: () => number }> {
  let asked = 0
  const open = new Set<Socket>()
  const server = createServer((socket) => {
    open.add(socket)
    socket.on('close', () => open.delete(socket))
    socket.on('error', () => {})
    socket.once('data', () => {
      asked++
      if (answer !== null) socket.end(answer)
    })
  })
  const close = server.close.bind(server)
  server.close = ((cb?: (err?: Error) => void) => {
    for (const s of open) s.destroy()
    return close(cb)
  }) as Server['close']
  servers.push(server)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as { port: number }).port
  return { host: { host: '127.0.0.1', port }, asked: () => asked }
}

describe('ReadOnlyProbe', () => {
  it('skips read-only and silent servers (each exchange bounded) and reports the first read-write one once', async () => {
    const ro = await isroServer('ro')
    const silent = await isroServer(null)
    const rw = await isroServer('rw')
    const clock = countingClock()
    const found: HostAddress[] = []
    const probe = new ReadOnlyProbe([ro.host, silent.host, rw.host], { transport: openSocket, clock, timeoutMs: 200 }, (h) => found.push(h))
    probe.start()
    await waitFor(() => found.length > 0, { timeoutMs: 5_000, description: 'a read-write server' })
    expect(found).toEqual([rw.host])
    expect([ro.asked(), silent.asked(), rw.asked()]).toEqual([1, 1, 1])
    expect(clock.live).toBe(0)
    probe.stop()
  })

  it('backs off between rounds, and stop() ends it with no timer left', async () => {
    const ro = await isroServer('ro')
    const clock = countingClock()
    const probe = new ReadOnlyProbe([ro.host], { transport: openSocket, clock, initialMs: 20 }, () => {
      throw new Error('no read-write server here')
    })
    const started = performance.now()
    probe.start()
    await waitFor(() => ro.asked() >= 3, { timeoutMs: 5_000, description: 'three rounds' })
    // Pauses of 20, 40 ms before rounds 1 and 2, 80 ms before round 3: at least 140 ms in all.
    expect(performance.now() - started).toBeGreaterThanOrEqual(130)
    probe.stop()
    expect(clock.live).toBe(0)
    const asked = ro.asked()
    probe.start() // stopped for good
    expect(clock.live).toBe(0)
    expect(ro.asked()).toBe(asked)
  })
})

describe('HostList.prefer', () => {
  it('makes a server the next one tried, then carries on round-robin after it', () => {
    const hosts = [1, 2, 3].map((port) => ({ host: 'h', port }))
    const list = new HostList(hosts, () => 0.99)
    expect(list.next().port).toBe(1)
    list.prefer({ host: 'h', port: 3 })
    expect([list.next().port, list.next().port, list.next().port]).toEqual([3, 1, 2])
  })
})
