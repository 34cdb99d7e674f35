import { describe, expect, test } from 'vitest'
import { InvalidArgumentError, NoNodeError, NotEmptyError, deleteAll, mkdirp } from '../../src/index.js'
import { chrootClient, connect } from '../support/zk.js'

describe('deleteAll', () => {
  test('deletes a tree of 1,200 nodes in multi batches and reports the count; a missing path is 0', async () => {
    const { client } = await chrootClient()
    await client.create('/tree')
    const creates: Promise<unknown>[] = []
    for (let i = 0; i < 40; i++) {
      creates.push(client.create(`/tree/a${i}`))
      for (let j = 0; j < 29; j++) creates.push(client.create(`/tree/a${i}/b${j}`))
    }
    await Promise.all(creates)
    await client.create('/keep')
    expect(await deleteAll(client, '/tree', { batchSize: 100 })).toBe(1 + 40 + 40 * 29)
    expect(await client.exists('/tree')).toBeNull()
    expect(await client.exists('/keep')).not.toBeNull()
    expect(await deleteAll(client, '/tree')).toBe(0)
  })

  test('with another client creating under the tree while it runs, the tree still goes', async () => {
    const { client, connectString } = await chrootClient()
    const creator = await connect(connectString)
    await mkdirp(client, '/busy/x/y')
    for (let i = 0; i < 200; i++) await client.create(`/busy/x/n${i}`)
    let made = 0
    let stopped = false
    // 300 rounds of creates under existing nodes (never the parents): NoNode once a parent is gone.
    const racing = (async () => {
      for (let i = 0; i < 300 && !stopped; i++) {
        try {
          await creator.create(`/busy/x/late${i}`)
          await creator.create(`/busy/x/y/late${i}`)
          made++
        } catch (error) {
          if (!(error instanceof NoNodeError)) throw error
          stopped = true
        }
      }
    })()
    const count = await deleteAll(client, '/busy')
    stopped = true
    await racing
    expect(await client.exists('/busy')).toBeNull()
    expect(count).toBeGreaterThanOrEqual(203)
    expect(made).toBeGreaterThan(0)
  })

  test('a creator that never stops makes it fail with NotEmpty after maxRounds', async () => {
    const { client, connectString } = await chrootClient()
    const creator = await connect(connectString)
    await client.create('/grow')
    let stop = false
    const racing = (async () => {
      for (let i = 0; i < 20_000 && !stop; i++) await mkdirp(creator, `/grow/c${i}`)
    })()
    await expect(deleteAll(client, '/grow', { maxRounds: 2, batchSize: 1 })).rejects.toBeInstanceOf(NotEmptyError)
    stop = true
    await racing
  })

  test('arguments: the root, relative paths, bad options', async () => {
    const { client } = await chrootClient()
    await expect(deleteAll(client, '/')).rejects.toThrow(/root "\/" cannot be deleted/)
    await expect(deleteAll(client, 'x')).rejects.toBeInstanceOf(InvalidArgumentError)
    await expect(deleteAll(client, '/x', { batchSize: 0 })).rejects.toThrow(/batchSize must be an integer/)
    await expect(deleteAll(client, '/x', { recursive: true } as never)).rejects.toThrow(/always recursive/)
    await expect(deleteAll({} as never, '/x')).rejects.toThrow(/ZooKeeperClient/)
    const controller = new AbortController()
    controller.abort(new Error('stop'))
    await client.create('/x')
    await expect(deleteAll(client, '/x', { signal: controller.signal })).rejects.toThrow('stop')
    await client.close()
    await expect(deleteAll(client, '/x')).rejects.toThrow(/closed/)
  })
})
