import { describe, expect, test } from 'vitest'
import { ConnectionLossError, InvalidArgumentError, NoNodeError, NodeExistsError, retry, withRetry } from '../../src/index.js'
import { waitFor } from '../../src/testing/index.js'
import { chrootClient } from '../support/zk.js'
import { cutOff, nextState, proxiedClient } from './helpers/session.js'

describe('retry', () => {
  test('retries connection-loss-class errors with growing, jittered pauses, then succeeds', async () => {
    const delays: number[] = []
    let calls = 0
    const value = await retry(
      async () => {
        if (++calls < 4) throw new ConnectionLossError()
        return 'ok'
      },
      { initialDelay: 10, maxDelay: 25, onRetry: (_n, _e, d) => delays.push(d) },
    )
    expect(value).toBe('ok')
    expect(calls).toBe(4)
    expect(delays).toHaveLength(3)
    expect(delays.every((d, i) => d >= 0 && d <= Math.min(25, 10 * 2 ** i))).toBe(true)
  })

  test('does not retry other errors; stops at maxAttempts and at the deadline', async () => {
    let calls = 0
    await expect(retry(async () => {
      calls++
      throw new NoNodeError({ path: '/x' })
    })).rejects.toBeInstanceOf(NoNodeError)
    expect(calls).toBe(1)
    calls = 0
    await expect(retry(async () => {
      calls++
      throw new ConnectionLossError()
    }, { maxAttempts: 3, initialDelay: 1 })).rejects.toBeInstanceOf(ConnectionLossError)
    expect(calls).toBe(3)
    const started = Date.now()
    await expect(retry(async () => {
      throw new ConnectionLossError()
    }, { maxAttempts: 1_000, initialDelay: 20, maxDelay: 20, deadline: 150 })).rejects.toBeInstanceOf(ConnectionLossError)
    expect(Date.now() - started).toBeLessThan(1_000)
  })

  test('argument checks', async () => {
    await expect(retry('x' as never)).rejects.toThrow(/must be a function/)
    await expect(retry(async () => 1, { retries: 3 } as never)).rejects.toThrow(/maxAttempts/)
    await expect(retry(async () => 1, { deadline: -1 })).rejects.toThrow(/deadline must be/)
    await expect(retry(async () => 1, { client: {} as never })).rejects.toThrow(/ZooKeeperClient/)
    expect(() => withRetry({} as never)).toThrow(InvalidArgumentError)
  })

  test('with a fault proxy: calls made while the client is cut off complete after it heals', async () => {
    const { chroot } = await chrootClient()
    const { client, proxy } = await proxiedClient(chroot, { requestTimeout: 300 })
    const rzk = withRetry(client, { deadline: 20_000, initialDelay: 20 })
    await client.create('/n', 'a')
    await cutOff(client, proxy)
    let retried = 0
    const read = retry(() => client.getData('/n'), { client, deadline: 20_000, onRetry: () => retried++ })
    const write = rzk.setData('/n', 'b')
    const created = rzk.create('/fixed', 'x')
    // The first attempt fails with the request timeout (300 ms) while cut off; then heal.
    await waitFor(() => retried > 0)
    const back = nextState(client, (c) => c.state === 'reconnected')
    proxy.restore()
    await back
    expect((await read).data.toString()).toMatch(/^[ab]$/)
    await write
    expect((await created).path).toBe('/fixed')
    expect(retried).toBeGreaterThan(0)
    expect((await client.getData('/n')).data.toString()).toBe('b')
  })

  test('a create whose reply was lost and that answers NodeExists on the retry resolves; delete likewise', async () => {
    const { client } = await chrootClient()
    let first = true
    const flaky = new Proxy(client, {
      get(target, key, receiver) {
        const v = Reflect.get(target, key, receiver) as unknown
        if ((key === 'create' || key === 'delete') && typeof v === 'function') {
          return async (...args: unknown[]) => {
            const result = await (v as (...a: unknown[]) => Promise<unknown>).apply(target, args)
            if (first) {
              first = false
              throw new ConnectionLossError() // applied, but the reply "lost"
            }
            return result
          }
        }
        return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v
      },
    })
    const rzk = withRetry(flaky, { initialDelay: 1 })
    expect((await rzk.create('/made', 'x')).stat.version).toBe(0)
    first = true
    await rzk.delete('/made')
    expect(await client.exists('/made')).toBeNull()
    // Without a lost reply, NodeExists is an error.
    await client.create('/there')
    first = false
    await expect(rzk.create('/there')).rejects.toBeInstanceOf(NodeExistsError)
  })

  test('refuses plain sequential creates; protected ones go through protectedCreate', async () => {
    const { client } = await chrootClient()
    const rzk = withRetry(client)
    await expect(rzk.create('/job-', 'x', { mode: 'persistentSequential' })).rejects.toThrow(/not safe to retry/)
    await expect(rzk.multi([{ type: 'create', path: '/job-', mode: 'ephemeralSequential' }])).rejects.toThrow(/ops\[0\] is a sequential create/)
    const { path } = await rzk.create('/job-', 'x', { mode: 'persistentSequential', protected: true })
    expect(path).toMatch(/^\/_c_[0-9a-f-]{36}-job-\d{10}$/)
    await expect(rzk.create('/a', 'x', { mod: 'persistent' } as never)).rejects.toThrow(/did you mean "mode"/)
  })
})
