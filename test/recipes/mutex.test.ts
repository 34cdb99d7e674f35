import { describe, expect, test } from 'vitest'
import { AcquireTimeoutError, InvalidArgumentError, type Lock, Mutex, isFencedError } from '../../src/index.js'
import { cutOff, expireSession, expireWhileCutOff, nextState, proxiedClient } from './helpers/session.js'
import { chrootClient, connect } from '../support/zk.js'

const NODE = /^\/lock\/_c_[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}-lock-\d{10}$/

describe('Mutex', () => {
  test('ten sessions: one holder at a time, tokens rising, one watch event per handover, nothing left', async () => {
    const { client, connectString } = await chrootClient()
    const clients = [client, ...(await Promise.all(Array.from({ length: 9 }, () => connect(connectString))))]
    const mutexes = clients.map((c) => new Mutex(c, '/lock'))
    let holding = 0
    let maxHolding = 0
    const tokens: bigint[] = []
    const order: number[] = []
    // Queue everyone first (in order), so each release hands over to exactly one waiter.
    const first = await mutexes[0]!.acquire()
    const queued = async (n: number): Promise<void> => {
      while ((await mutexes[0]!.participantNodes()).length < n) await new Promise((r) => setTimeout(r, 5))
    }
    const waiting: Promise<void>[] = []
    for (const [i, m] of mutexes.slice(1).entries()) {
      waiting.push(m.acquire().then(async (lock) => {
        holding++
        maxHolding = Math.max(maxHolding, holding)
        tokens.push(lock.token)
        order.push(i + 1)
        await new Promise((r) => setTimeout(r, 5))
        holding--
        await lock.release()
      }))
      await queued(i + 2)
    }
    const participants = await mutexes[0]!.participantNodes()
    for (const name of participants) expect(`/lock/${name}`).toMatch(NODE)
    expect(`/lock/${participants[0]}`).toBe(first.path)
    tokens.unshift(first.token)
    await first.release()
    await Promise.all(waiting)
    expect(maxHolding).toBe(1)
    expect(order).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9])
    expect(tokens).toHaveLength(10)
    for (let i = 1; i < tokens.length; i++) expect(tokens[i]).toBeGreaterThan(tokens[i - 1]!)
    // No herd: nine handovers, nine watch events in all (each waiter woke once, for its turn).
    expect(mutexes.reduce((n, m) => n + m.watchEvents, 0)).toBe(9)
    expect(await mutexes[0]!.participantNodes()).toEqual([])
  })

  test('layout as Curator: default data is the host address, given data is kept', async () => {
    const { client } = await chrootClient()
    const lock = await new Mutex(client, '/lock').acquire()
    expect(lock.path).toMatch(NODE)
    expect((await client.getData(lock.path)).data.toString()).toMatch(/^\d+\.\d+\.\d+\.\d+$/)
    const stat = await client.exists(lock.path)
    expect(stat!.ephemeralOwner).toBe(client.sessionId)
    expect(lock.token).toBe(stat!.czxid)
    await lock.release()
    const other = await new Mutex(client, '/lock', { data: 'worker-7' }).acquire()
    expect((await client.getData(other.path)).data.toString()).toBe('worker-7')
    await other.release()
  })

  test('re-entrant per object; await using releases; a second object waits', async () => {
    const { client, connectString } = await chrootClient()
    const mutex = new Mutex(client, '/lock')
    const a = await mutex.acquire()
    const b = await mutex.acquire()
    expect(b.path).toBe(a.path)
    expect(await mutex.participantNodes()).toHaveLength(1)
    await a.release()
    await a.release() // once per handle
    expect(mutex.isHeld).toBe(true)
    const rival = new Mutex(await connect(connectString), '/lock')
    await expect(rival.acquire({ timeout: 100 })).rejects.toBeInstanceOf(AcquireTimeoutError)
    await b.release()
    expect(mutex.isHeld).toBe(false)
    {
      await using held = await rival.acquire({ timeout: 5_000 })
      expect(held.signal.aborted).toBe(false)
      await expect(mutex.acquire({ timeout: 100 })).rejects.toBeInstanceOf(AcquireTimeoutError)
    }
    expect(rival.isHeld).toBe(false)
    const again = await mutex.acquire({ timeout: 5_000 })
    await again.release()
    await expect(mutex.release()).rejects.toBeInstanceOf(InvalidArgumentError)
  })

  test('timeouts and aborts leave no node behind', async () => {
    const { client, connectString } = await chrootClient()
    const holder = await new Mutex(client, '/lock').acquire()
    const other = await connect(connectString)
    const m = new Mutex(other, '/lock')
    const err = await m.acquire({ timeout: 150 }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(AcquireTimeoutError)
    expect((err as AcquireTimeoutError).code).toBe('ACQUIRE_TIMEOUT')
    expect(await m.participantNodes()).toEqual([holder.path.slice('/lock/'.length)])
    const controller = new AbortController()
    const pending = m.acquire({ signal: controller.signal })
    for (;;) {
      if ((await m.participantNodes()).length === 2) break
      await new Promise((r) => setTimeout(r, 10))
    }
    controller.abort(new Error('changed my mind'))
    await expect(pending).rejects.toThrow('changed my mind')
    expect(await m.participantNodes()).toHaveLength(1)
    await expect(m.acquire({ signal: AbortSignal.abort(new Error('before')) })).rejects.toThrow('before')
    expect(await m.participantNodes()).toHaveLength(1)
    expect(m.watchEvents).toBe(0)
    await holder.release()
    expect(await m.participantNodes()).toEqual([])
  })

  test('a closed client: acquire rejects, nothing hangs', async () => {
    const { connectString } = await chrootClient()
    const c = await connect(connectString)
    const m = new Mutex(c, '/lock')
    await c.close()
    await expect(m.acquire({ timeout: 5_000 })).rejects.toMatchObject({ name: 'ClientClosedError' })
  })

  test('wrong shapes are refused with InvalidArgumentError', async () => {
    const { client } = await chrootClient()
    expect(() => new Mutex(client, 'no-slash')).toThrow(InvalidArgumentError)
    expect(() => new Mutex(client, '/l', { data: 7 } as never)).toThrow(/data must be a string or a Buffer, got the number 7/)
    expect(() => new Mutex(client, '/l', { lockData: 'x' } as never)).toThrow(/unknown option "lockData"; write data/)
    expect(() => new Mutex(client, '/l', 'x' as never)).toThrow(InvalidArgumentError)
    expect(() => new Mutex(client, '/l', { abortOnSuspend: 'no' } as never)).toThrow(/abortOnSuspend must be true or false/)
    const m = new Mutex(client, '/l')
    await expect(m.acquire({ timeout: -1 })).rejects.toThrow(/timeout must be a finite number/)
    await expect(m.acquire({ timeout: '5' } as never)).rejects.toThrow(InvalidArgumentError)
    await expect(m.acquire({ signal: {} } as never)).rejects.toThrow(/signal must be an AbortSignal/)
    await expect(m.acquire(5_000 as never)).rejects.toThrow(/options must be an object/)
    await expect(m.acquire({ timout: 5 } as never)).rejects.toThrow(/did you mean "timeout"/)
    const lock = await m.acquire()
    await expect(lock.guard('setData' as never)).rejects.toThrow(/ops must be an array/)
    await lock.release()
  })
})

describe('holder signal and guarded writes', () => {
  test('guard commits while held; after release the server refuses it (fenced), nothing applied', async () => {
    const { client } = await chrootClient()
    await client.create('/config', 'v0')
    const lock = await new Mutex(client, '/lock').acquire()
    const results = await lock.guard([{ type: 'setData', path: '/config', data: 'v1' }])
    expect(results).toEqual([{ type: 'setData', stat: expect.objectContaining({ version: 1 }) }])
    // A failing op of the caller's own is not a fencing refusal.
    const own = await lock.guard([{ type: 'create', path: '/config' }]).catch((e: unknown) => e)
    expect(isFencedError(own)).toBe(false)
    const [, created] = await lock.transaction().setData('/config', 'v1b').create('/config/log-', 'x', { mode: 'persistentSequential' }).commit()
    expect(created).toMatchObject({ type: 'create', path: '/config/log-0000000000' })
    await lock.release()
    expect(lock.signal.aborted).toBe(true)
    expect((lock.signal.reason as Error).message).toMatch(/released/)
    expect(isFencedError(await lock.transaction().setData('/config', 'v3').commit().catch((e: unknown) => e))).toBe(true)
    const err = await lock.guard([{ type: 'setData', path: '/config', data: 'v2' }]).catch((e: unknown) => e)
    expect(isFencedError(err)).toBe(true)
    expect(err).toMatchObject({ code: 'NONODE', opIndex: 0 })
    expect((await client.getData('/config')).data.toString()).toBe('v1b')
  })

  test('suspension aborts the signal at once (default); the same session keeps the node', async () => {
    const { chroot } = await chrootClient()
    const { client, proxy } = await proxiedClient(chroot)
    const lock = await new Mutex(client, '/lock').acquire()
    let stateAtAbort: string | undefined
    lock.signal.addEventListener('abort', () => (stateAtAbort = client.state))
    await cutOff(client, proxy)
    expect(lock.signal.aborted).toBe(true)
    expect(stateAtAbort).toBe('suspended')
    expect((lock.signal.reason as Error).message).toMatch(/suspended/)
    const back = nextState(client, (c) => c.state === 'reconnected')
    proxy.restore()
    await back
    // Still the same session: the node is there, and guarded writes still pass the server's check.
    await lock.guard([{ type: 'create', path: '/ok' }])
    await lock.release()
  })

  test('abortOnSuspend false: kept through a suspension, aborted when the session is lost; guard then fails', async () => {
    const { client: other, chroot } = await chrootClient()
    const { client, proxy } = await proxiedClient(chroot)
    const lock = await new Mutex(client, '/lock', { abortOnSuspend: false }).acquire()
    await cutOff(client, proxy)
    expect(lock.signal.aborted).toBe(false)
    await expireWhileCutOff(client, chroot)
    // The server already refuses the deposed holder: its node went with the session.
    expect(await other.exists(lock.path)).toBeNull()
    const rival = await new Mutex(other, '/lock').acquire({ timeout: 5_000 })
    expect(rival.token).toBeGreaterThan(lock.token)
    const lost = nextState(client, (c) => c.state === 'lost')
    proxy.restore()
    await lost
    expect(lock.signal.aborted).toBe(true)
    expect((lock.signal.reason as Error).message).toMatch(/session lost/)
    await nextState(client, (c) => c.state === 'reconnected')
    const err = await lock.guard([{ type: 'create', path: '/deposed-write' }]).catch((e: unknown) => e)
    expect(isFencedError(err)).toBe(true)
    expect(await other.exists('/deposed-write')).toBeNull()
    await rival.release()
  })

  test('the holder\'s node deleted by someone else: the signal aborts', async () => {
    const { client, connectString } = await chrootClient()
    const lock: Lock = await new Mutex(client, '/lock').acquire()
    const aborted = new Promise((r) => lock.signal.addEventListener('abort', r))
    await (await connect(connectString)).delete(lock.path)
    await aborted
    expect((lock.signal.reason as Error).message).toMatch(/deleted/)
    await lock.release()
  })

  test('a waiter rides out its own session expiry: it queues again and acquires with a new node', async () => {
    const { client: holderClient, chroot } = await chrootClient()
    const holder = await new Mutex(holderClient, '/lock').acquire()
    const { client, proxy } = await proxiedClient(chroot)
    const waiter = new Mutex(client, '/lock')
    const pending = waiter.acquire({ timeout: 20_000 })
    for (;;) {
      if ((await waiter.participantNodes()).length === 2) break
      await new Promise((r) => setTimeout(r, 10))
    }
    const oldNode = (await waiter.participantNodes())[1]
    await expireSession(client, proxy, chroot)
    await holder.release()
    const lock = await pending
    expect(lock.path).not.toContain(oldNode)
    expect((await holderClient.exists(lock.path))!.ephemeralOwner).toBe(client.sessionId)
    await lock.release()
  })
})

describe('Mutex re-entrancy queue', () => {
  test('a second acquire of one object waiting behind a first honours its own timeout', async () => {
    const { client, connectString } = await chrootClient()
    const holder = await new Mutex(await connect(connectString), '/lock').acquire()
    const m = new Mutex(client, '/lock')
    const first = m.acquire() // waits for the holder, without a timeout
    await expect(m.acquire({ timeout: 150 })).rejects.toBeInstanceOf(AcquireTimeoutError)
    await holder.release()
    const a = await first
    const b = await m.acquire({ timeout: 1_000 }) // re-entrant now
    expect(b.path).toBe(a.path)
    await a.release()
    await b.release()
    expect(await m.participantNodes()).toEqual([])
  })
})
