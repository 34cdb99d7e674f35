/**
 * Errors that point at the cause: a create under a missing parent names the parent; a client whose
 * chroot does not exist says so; a call that timed out before it was ever sent says it was not
 * applied; any number of calls waiting for a connection trip no MaxListenersExceededWarning.
 */
import { randomUUID } from 'node:crypto'
import { afterEach, describe, expect, it } from 'vitest'
import { ClientClosedError, NoNodeError, RequestTimeoutError, createClient, protectedCreate } from '../../src/index.js'
import { freePort } from '../../src/testing/index.js'
import { chrootClient, connect, sharedServer } from '../support/zk.js'

const warnings: Error[] = []
const onWarning = (warning: Error): void => {
  warnings.push(warning)
}
afterEach(() => {
  process.off('warning', onWarning)
  warnings.length = 0
})

describe('errors that point at the cause', () => {
  it('a create under a missing parent names the parent', async () => {
    const { client } = await chrootClient()
    const error = await client.create('/a/b/c', 'x').catch((e: unknown) => e)
    expect(error).toBeInstanceOf(NoNodeError)
    expect((error as Error).message).toBe('parent /a/b of /a/b/c does not exist (create)')
    expect(error).toMatchObject({ path: '/a/b/c', operation: 'create', code: 'NONODE' })
    // A sequential create's parent is named the same way.
    await expect(client.create('/q/item-', null, { mode: 'persistentSequential' })).rejects.toThrow('parent /q of /q/item- does not exist (create)')
  })

  it('a client whose chroot does not exist says so in its NoNodeErrors, until the chroot exists', async () => {
    const missing = `/missing-${randomUUID()}`
    const client = await connect(`${sharedServer()}${missing}`)
    await expect(client.create('/x', 'y')).rejects.toThrow(`the client's chroot ${missing} does not exist on the server`)
    await expect(client.getData('/')).rejects.toThrow(`the client's chroot ${missing} does not exist on the server`)
    await expect(client.getChildren('/')).rejects.toBeInstanceOf(NoNodeError)
    // Any other NONODE says so too, while the chroot is missing.
    await expect(client.getData('/config')).rejects.toThrow(`/config does not exist (getData): the client's chroot ${missing} does not exist`)
    await expect(client.delete('/a')).rejects.toMatchObject({ name: 'NoNodeError', path: '/a', operation: 'delete' })
    // exists('/') still answers null, as exists does for any missing node.
    expect(await client.exists('/')).toBeNull()
    // Once the chroot exists, a NONODE is about the node alone.
    const root = await connect(sharedServer())
    await root.create(missing)
    await expect(client.getData('/config')).rejects.toThrow(/^\/config does not exist \(getData\)$/)
  })

  it('a call that timed out before it was sent says it was not applied', async () => {
    const port = await freePort()
    const client = createClient(`127.0.0.1:${port}`, { connectTimeout: 100 })
    try {
      const error = await client.setData('/a', 'x', { timeout: 150 }).catch((e: unknown) => e)
      expect(error).toBeInstanceOf(RequestTimeoutError)
      expect((error as Error).message).toContain('it was never sent')
      expect((error as Error).message).not.toContain('may or may not')
    } finally {
      await client.close()
    }
  })

  it('many calls waiting for a connection trip no MaxListenersExceededWarning', async () => {
    process.on('warning', onWarning)
    const port = await freePort()
    const client = createClient(`127.0.0.1:${port}`, { connectTimeout: 100 })
    const waiting = [
      ...Array.from({ length: 15 }, (_, i) => protectedCreate(client, `/p/n${i}-`, null, { mode: 'ephemeralSequential' })),
      ...Array.from({ length: 15 }, () => client.connected()),
      ...Array.from({ length: 15 }, () => client.waitForState((s) => s === 'connected')),
    ]
    const states = Array.from({ length: 15 }, () => client.states())
    // Let every waiter subscribe, then end them all by closing.
    await new Promise((resolve) => setImmediate(resolve))
    // The waiters are the client's own, not 'state' listeners (which Node counts and warns about).
    expect(client.listenerCount('state')).toBe(0)
    await client.close()
    const results = await Promise.allSettled(waiting)
    expect(results.every((r) => r.status === 'rejected' && r.reason instanceof ClientClosedError)).toBe(true)
    for (const s of states) for await (const change of s) expect(change.state).toBe('closed')
    await new Promise((resolve) => setImmediate(resolve))
    expect(warnings.filter((w) => w.name === 'MaxListenersExceededWarning')).toEqual([])
  })
})
