import { describe, expect, test } from 'vitest'
import { ClientClosedError, InvalidArgumentError, type NodeSnapshot, jsonDecoder, watchNode } from '../../src/index.js'
import { waitFor } from '../../src/testing/index.js'
import { chrootClient, connect } from '../support/zk.js'
import { cutOff, expireWhileCutOff, nextState, proxiedClient } from './helpers/session.js'

describe('watchNode', () => {
  test('first value, every later one, deletion and re-creation; decoded with jsonDecoder', async () => {
    const { client } = await chrootClient()
    await client.create('/cfg', JSON.stringify({ level: 1 }))
    const watch = watchNode<{ level: number }>(client, '/cfg', { decode: jsonDecoder() })
    const seen: Array<number | null | 'bad'> = []
    watch.on('change', (s) => seen.push(s.stat === null ? null : s.error !== undefined ? 'bad' : s.data!.level))
    const first = await watch.ready()
    expect(first.data).toEqual({ level: 1 })
    expect(first.stat?.version).toBe(0)
    await client.setData('/cfg', JSON.stringify({ level: 2 }))
    await waitFor(() => watch.current?.data?.level === 2)
    await client.setData('/cfg', 'not json')
    await waitFor(() => watch.current?.error !== undefined)
    expect(watch.current?.raw?.toString()).toBe('not json')
    await client.delete('/cfg')
    await waitFor(() => watch.current?.stat === null)
    await client.create('/cfg', JSON.stringify({ level: 3 }))
    await waitFor(() => watch.current?.data?.level === 3)
    expect(seen).toEqual([1, 2, 'bad', null, 3])
    await watch.close()
    expect(watch.closed).toBe(true)
  })

  test('a missing node is reported with stat null, then its creation', async () => {
    const { client } = await chrootClient()
    const watch = watchNode(client, '/later')
    expect((await watch.ready()).stat).toBeNull()
    await client.create('/later', 'here')
    await waitFor(() => watch.current?.raw?.toString() === 'here')
    await watch.close()
  })

  test('the async iterator skips values it was too slow for, never the newest, and ends on close', async () => {
    const { client } = await chrootClient()
    await client.create('/n', '0')
    const watch = watchNode(client, '/n', { decode: (b) => Number(b.toString()) })
    const it = watch[Symbol.asyncIterator]()
    expect((await it.next()).value?.data).toBe(0)
    // Ten writes while nobody reads: the next read gives a later value, and then the newest one.
    for (let i = 1; i <= 10; i++) await client.setData('/n', String(i))
    await waitFor(() => watch.current?.data === 10)
    expect((await it.next()).value?.data).toBe(10)
    const pending = it.next()
    await watch.close()
    expect(await pending).toEqual({ value: undefined, done: true })
  })

  test('never ends on a stale value: a writer and a fault loop of cuts and one expiry (bounded)', async () => {
    const { chroot, connectString } = await chrootClient()
    const writer = await connect(connectString)
    await writer.create('/v', '0')
    const { client, proxy } = await proxiedClient(chroot)
    const watch = watchNode(client, '/v', { decode: (b) => Number(b.toString()) })
    await watch.ready()
    let last = 0
    for (let round = 0; round < 6; round++) {
      await cutOff(client, proxy)
      // Changes made while the watcher is cut off.
      for (let k = 0; k < 5; k++) await writer.setData('/v', String(++last))
      if (round === 3) {
        await expireWhileCutOff(client, chroot)
        const renewed = nextState(client, (c) => c.state === 'reconnected' && c.newSession)
        proxy.restore()
        await renewed
      } else {
        const back = nextState(client, (c) => c.state === 'reconnected')
        proxy.restore()
        await back
      }
      for (let k = 0; k < 5; k++) await writer.setData('/v', String(++last))
      await waitFor(() => watch.current?.data === last, { timeoutMs: 10_000, description: `value ${last} after round ${round}` })
    }
    expect(last).toBe(60)
    await watch.close()
  })

  test('argument checks, closed client, abort signal', async () => {
    const { client } = await chrootClient()
    expect(() => watchNode(client, 'x')).toThrow(InvalidArgumentError)
    expect(() => watchNode(client, '/x', { decode: 'json' as never })).toThrow(/decode must be a function/)
    expect(() => watchNode(client, '/x', { decoder: jsonDecoder() } as never)).toThrow(/did you mean "decode"/)
    expect(() => watchNode(null as never, '/x')).toThrow(/ZooKeeperClient/)
    expect(() => watchNode(client, '/x', { signal: {} as never })).toThrow(/AbortSignal/)
    const controller = new AbortController()
    const aborted = watchNode(client, '/x', { signal: controller.signal })
    await aborted.ready()
    controller.abort()
    await waitFor(() => aborted.closed)
    const w = watchNode(client, '/x')
    await w.ready()
    const failed = new Promise((resolve) => w.on('failed', resolve))
    await client.close()
    expect(await failed).toBeInstanceOf(ClientClosedError)
    const after = watchNode(client, '/x')
    await expect(after.ready()).rejects.toBeInstanceOf(ClientClosedError)
  })

  test('a snapshot names its path', async () => {
    const { client } = await chrootClient()
    await client.create('/p', 'x')
    const w = watchNode(client, '/p')
    const s: NodeSnapshot<Buffer> = await w.ready()
    expect(s.path).toBe('/p')
    await w.close()
  })
})
