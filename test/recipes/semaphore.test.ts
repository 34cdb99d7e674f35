import { describe, expect, test } from 'vitest'
import { AcquireTimeoutError, InvalidArgumentError, Semaphore, isFencedError } from '../../src/index.js'
import { chrootClient, connect } from '../support/zk.js'
import { childrenOf } from './helpers/children.js'
import { cutOff, expireWhileCutOff, nextState, proxiedClient } from './helpers/session.js'

describe('Semaphore', () => {
  test('never more than N leases across eight sessions; Curator V2 layout; nothing left', async () => {
    const { client, connectString } = await chrootClient()
    const clients = [client, ...(await Promise.all(Array.from({ length: 7 }, () => connect(connectString))))]
    let held = 0
    let maxHeld = 0
    let maxNodes = 0
    const names = new Set<string>()
    await Promise.all(
      clients.map(async (c) => {
        const sem = new Semaphore(c, '/sem', 3)
        for (let round = 0; round < 4; round++) {
          const lease = await sem.acquire({ timeout: 20_000 })
          held++
          maxHeld = Math.max(maxHeld, held)
          names.add(lease.path)
          const nodes = (await c.getChildren('/sem/leases')).children.length
          maxNodes = Math.max(maxNodes, nodes)
          await new Promise((r) => setTimeout(r, 5))
          held--
          await lease.release()
          await lease.release() // once
        }
      }),
    )
    expect(maxHeld).toBeLessThanOrEqual(3)
    // Holders plus at most the one waiter that holds the `locks` mutex.
    expect(maxNodes).toBeLessThanOrEqual(4)
    for (const p of names) expect(p).toMatch(/^\/sem\/leases\/_c_[0-9a-f-]{36}-lease-\d{10}$/)
    expect(await new Semaphore(client, '/sem', 3).participantNodes()).toEqual([])
    expect(await childrenOf(client, '/sem/locks')).toEqual([])
  })

  test('exactly N at once: the N+1st waits until one is released', async () => {
    const { client, connectString } = await chrootClient()
    const sems = await Promise.all([0, 1, 2, 3].map(async () => new Semaphore(await connect(connectString), '/sem', 3)))
    const leases = await Promise.all(sems.slice(0, 3).map((s) => s.acquire({ timeout: 5_000 })))
    await expect(sems[3]!.acquire({ timeout: 200 })).rejects.toBeInstanceOf(AcquireTimeoutError)
    const fourth = sems[3]!.acquire({ timeout: 5_000 })
    await leases[1]!.release()
    const lease = await fourth
    expect(lease.token).toBeGreaterThan(leases[2]!.token)
    expect((await client.getChildren('/sem/leases')).children).toHaveLength(3)
    await Promise.all([leases[0]!, leases[2]!, lease].map((l) => l.release()))
  })

  test('a timed-out or aborted acquire leaves neither a lease nor a lock node', async () => {
    const { client, connectString } = await chrootClient()
    const sem = new Semaphore(client, '/sem', 1, { data: 'holder' })
    const lease = await sem.acquire()
    expect((await client.getData(lease.path)).data.toString()).toBe('holder')
    const other = new Semaphore(await connect(connectString), '/sem', 1)
    await expect(other.acquire({ timeout: 200 })).rejects.toBeInstanceOf(AcquireTimeoutError)
    const controller = new AbortController()
    const pending = other.acquire({ signal: controller.signal })
    for (let i = 0; i < 500 && (await sem.participantNodes()).length < 2; i++) await new Promise((r) => setTimeout(r, 10))
    expect((await client.getChildren('/sem/locks')).children).toHaveLength(1) // the waiter holds the mutex
    controller.abort(new Error('stop'))
    await expect(pending).rejects.toThrow('stop')
    expect(await sem.participantNodes()).toEqual([lease.path.split('/').pop()])
    expect(await childrenOf(client, '/sem/locks')).toEqual([])
    // The lease is a holder: guarded writes pass while held, are refused after.
    await lease.guard([{ type: 'create', path: '/while-held' }])
    await lease.release()
    const err = await lease.guard([{ type: 'create', path: '/after' }]).catch((e: unknown) => e)
    expect(isFencedError(err)).toBe(true)
    expect(lease.signal.aborted).toBe(true)
  })

  test('a holder whose session expires loses its lease: the signal aborts, a waiter takes the lease, the old guard is refused', async () => {
    const { client: other, chroot } = await chrootClient()
    const { client, proxy } = await proxiedClient(chroot)
    const lease = await new Semaphore(client, '/sem', 1).acquire()
    const waiting = new Semaphore(other, '/sem', 1).acquire({ timeout: 20_000 })
    for (let i = 0; i < 300 && (await new Semaphore(other, '/sem', 1).participantNodes()).length < 2; i++) await new Promise((r) => setTimeout(r, 10))
    await cutOff(client, proxy)
    expect(lease.signal.aborted).toBe(true) // in doubt at the suspension
    await expireWhileCutOff(client, chroot)
    const next = await waiting
    expect(next.token).toBeGreaterThan(lease.token)
    const renewed = nextState(client, (c) => c.state === 'reconnected' && c.newSession)
    proxy.restore()
    await renewed
    expect(isFencedError(await lease.guard([{ type: 'create', path: '/stale' }]).catch((e: unknown) => e))).toBe(true)
    await lease.release()
    expect(await new Semaphore(other, '/sem', 1).participantNodes()).toEqual([next.path.split('/').pop()])
    await next.release()
  })

  test('await using releases the lease', async () => {
    const { client } = await chrootClient()
    const sem = new Semaphore(client, '/sem', 1)
    {
      await using lease = await sem.acquire()
      expect(await sem.participantNodes()).toHaveLength(1)
      expect(lease.token).toBeGreaterThan(0n)
    }
    expect(await sem.participantNodes()).toEqual([])
  })

  test('wrong shapes are refused', async () => {
    const { client } = await chrootClient()
    expect(() => new Semaphore(client, '/s', 0)).toThrow(/maxLeases must be an integer from 1/)
    expect(() => new Semaphore(client, '/s', '3' as never)).toThrow(InvalidArgumentError)
    expect(() => (Semaphore as unknown as new (...a: unknown[]) => Semaphore).call(null, client, '/s')).toThrow()
    expect(() => new (Semaphore as unknown as new (...a: unknown[]) => Semaphore)(client, '/s')).toThrow(/maxLeases must be an integer from 1, got undefined/)
    expect(() => new Semaphore(client, '/s', 2, { nodeData: 'x' } as never)).toThrow(/unknown option "nodeData"; write data/)
    await expect(new Semaphore(client, '/s', 2).acquire({ timeout: Infinity })).rejects.toThrow(InvalidArgumentError)
  })
})
