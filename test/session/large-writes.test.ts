/**
 * Large writes (issue 14): a batch of 64 kB or more goes to the socket from the outgoing writer's
 * own memory, and that writer is reused once the socket has taken the bytes (no copy into fresh
 * memory). What a user must still see: every byte written as it was at the call, whatever the
 * batching, however the writers are handed back and forth, and also across a connection reset.
 */
import { connect as tcpConnect } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { ConnectionLossError } from '../../src/index.js'
import { FaultProxy } from '../../src/testing/index.js'
import { chrootClient, connect, sharedServer } from '../support/zk.js'

/** `length` bytes that differ by node, by round and by position, so a mix-up shows. */
function pattern(length: number, seed: number): Buffer {
  const b = Buffer.allocUnsafe(length)
  for (let i = 0; i < length; i++) b[i] = (i * 31 + seed * 7 + (i >>> 10)) & 0xff
  return b
}

let proxy: FaultProxy | undefined
afterEach(async () => {
  await proxy?.close()
  proxy = undefined
})

describe('large writes', () => {
  it('pipelined large setData calls, round after round, each leave exactly their bytes', async () => {
    const { client: zk } = await chrootClient()
    const nodes = Array.from({ length: 4 }, (_, i) => `/n${i}`)
    await Promise.all(nodes.map((p) => zk.create(p)))
    // Rounds of 4 writes of 300 kB in one tick (a 1.2 MB batch), with small reads between them:
    // from round 2 on the batch goes out of the writer the socket handed back.
    for (let round = 0; round < 6; round++) {
      const writes = nodes.map((p, i) => zk.setData(p, pattern(300_000, round * 10 + i)))
      const reads = nodes.map((p) => zk.exists(p))
      await Promise.all([...writes, ...reads])
      const back = await Promise.all(nodes.map((p) => zk.getData(p)))
      back.forEach(({ data }, i) => expect(data.equals(pattern(300_000, round * 10 + i)), `round ${round}, ${nodes[i]}`).toBe(true))
    }
  })

  it('never writes into memory the socket has not sent yet (a socket slow to take its writes)', async () => {
    // A socket whose writes complete 30 ms late, holding the caller's memory meanwhile, as Node
    // does when the kernel's buffer is full: the next batch must go into other memory.
    const transport = ({ host, port }: { host: string; port: number }) => {
      const socket = tcpConnect({ host, port })
      const write = socket.write.bind(socket) as (chunk: Buffer, cb?: (error?: Error | null) => void) => boolean
      const held = (chunk: Buffer, cb?: (error?: Error | null) => void): boolean => {
        setTimeout(() => write(chunk, cb), 30)
        return true
      }
      ;(socket as unknown as { write: typeof held }).write = held
      return socket
    }
    const { client: admin, chroot } = await chrootClient()
    const nodes = ['/a', '/b', '/c', '/d']
    await Promise.all(nodes.map((p) => admin.create(p)))
    const zk = await connect(sharedServer() + chroot, { internals: { transport } })
    // Batches of 1 MB in consecutive ticks, each encoded while the ones before it are held.
    const writes: Promise<unknown>[] = []
    for (const [i, p] of nodes.entries()) {
      writes.push(zk.setData(p, pattern(500_000, 2 * i)), zk.setData(p, pattern(500_000, 2 * i + 1)))
      await new Promise((resolve) => setImmediate(resolve))
    }
    await Promise.all(writes)
    for (const [i, p] of nodes.entries()) expect((await admin.getData(p)).data.equals(pattern(500_000, 2 * i + 1)), p).toBe(true)
  })

  it('sends the bytes as they were at the call, even when the caller reuses its buffer at once', async () => {
    const { client: zk } = await chrootClient()
    await zk.create('/reused')
    await zk.create('/small')
    const big = pattern(200_000, 1)
    const small = Buffer.from('before')
    const writes = [zk.setData('/reused', big), zk.setData('/small', small)]
    big.fill(0)
    small.fill(0)
    await Promise.all(writes)
    expect((await zk.getData('/reused')).data.equals(pattern(200_000, 1))).toBe(true)
    expect((await zk.getData('/small')).data.toString()).toBe('before')
  })

  it('a reset in the middle of a large batch fails its calls with ConnectionLoss, and later large writes arrive whole', async () => {
    proxy = await FaultProxy.start({ upstream: sharedServer() })
    const admin = await connect(sharedServer())
    const base = `/large-reset-${process.pid}-${Date.now()}`
    await admin.create(base)
    const zk = await connect(proxy.address, { sessionTimeout: 20_000 })
    await zk.create(`${base}/a`)
    // 8 writes of 500 kB: a 4 MB batch, far more than the proxy forwards before the cut.
    const writes = Array.from({ length: 8 }, (_, i) => zk.setData(`${base}/a`, pattern(500_000, i)).then(() => 'ok', (e: unknown) => e))
    const reconnected = proxy.nextConnection()
    proxy.cut()
    const outcomes = await Promise.all(writes)
    // Each call either completed before the cut or failed with ConnectionLoss: none hangs.
    for (const o of outcomes) if (o !== 'ok') expect(o).toBeInstanceOf(ConnectionLossError)
    await reconnected
    await zk.connected({ timeout: 10_000 })
    await zk.setData(`${base}/a`, pattern(500_000, 99))
    expect((await admin.getData(`${base}/a`)).data.equals(pattern(500_000, 99))).toBe(true)
  })
})
