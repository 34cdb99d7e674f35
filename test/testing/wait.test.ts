import { describe, expect, it } from 'vitest'
import { parseMntr, parseMode, waitFor, WaitTimeoutError } from '../../src/testing/index.js'

describe('waitFor', () => {
  it('resolves with the first truthy value', async () => {
    let calls = 0
    expect(await waitFor(() => (++calls === 3 ? 'done' : null), { intervalMs: 1 })).toBe('done')
    expect(calls).toBe(3)
  })

  it('treats throws as "not yet" and reports the last one on timeout', async () => {
    const err = await waitFor(() => Promise.reject(new Error('nope')), { timeoutMs: 50, intervalMs: 5, description: 'x' }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(WaitTimeoutError)
    expect((err as Error).message).toMatch(/waiting for x; last error: nope/)
    expect((err as WaitTimeoutError).lastError).toBeInstanceOf(Error)
  })

  it('stays bounded when an attempt never settles', async () => {
    const started = performance.now()
    await expect(waitFor(() => new Promise(() => {}), { timeoutMs: 100 })).rejects.toBeInstanceOf(WaitTimeoutError)
    expect(performance.now() - started).toBeLessThan(1_000)
  })

  it('stops when its signal aborts', async () => {
    const controller = new AbortController()
    const waiting = waitFor(() => false, { timeoutMs: 5_000, intervalMs: 1_000, signal: controller.signal })
    controller.abort(new Error('stop'))
    await expect(waiting).rejects.toThrow('stop')
  })
})

describe('four-letter word parsing', () => {
  it('reads the srvr Mode line, null when not serving', () => {
    expect(parseMode('Zookeeper version: 3.8.0\nMode: follower\nNode count: 5\n')).toBe('follower')
    expect(parseMode('This ZooKeeper instance is not currently serving requests\n')).toBeNull()
  })

  it('reads mntr key/value lines', () => {
    expect(parseMntr('zk_version\t3.8.0\nzk_server_state\tleader\n')).toEqual({ zk_version: '3.8.0', zk_server_state: 'leader' })
  })
})
