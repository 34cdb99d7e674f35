import { afterEach, describe, expect, test } from 'vitest'
import { InvalidArgumentError, LeaderElection, LeaderSelector, type SelectorLeadership, isFencedError } from '../../src/index.js'
import { cutOff, proxiedClient } from './helpers/session.js'
import { chrootClient, connect } from '../support/zk.js'
import { childrenOf } from './helpers/children.js'

const selectors: LeaderSelector[] = []
function track(s: LeaderSelector): LeaderSelector {
  selectors.push(s)
  return s
}

describe('LeaderSelector', () => {
  test('takeLeadership runs in one participant at a time; returning hands over; autoRequeue cycles; ids in the nodes', async () => {
    const { client, connectString } = await chrootClient()
    const clients = [client, ...(await Promise.all([1, 2].map(() => connect(connectString))))]
    let leading = 0
    let maxLeading = 0
    const terms: Array<{ id: string; token: bigint }> = []
    let done: () => void
    const finished = new Promise<void>((r) => (done = r))
    const all = clients.map((c, i) =>
      track(
        new LeaderSelector(
          c,
          '/sel',
          async ({ token, participantId }: SelectorLeadership) => {
            leading++
            maxLeading = Math.max(maxLeading, leading)
            terms.push({ id: participantId, token })
            if (terms.length === 9) done()
            await new Promise((r) => setTimeout(r, 5))
            leading--
          },
          { id: `s${i}`, autoRequeue: true },
        ),
      ),
    )
    for (const s of all) s.start()
    await finished
    expect(maxLeading).toBe(1)
    for (let i = 1; i < terms.length; i++) expect(terms[i]!.token).toBeGreaterThan(terms[i - 1]!.token)
    expect(new Set(terms.map((t) => t.id)).size).toBe(3)
    // A participant between two terms has no node for a moment: wait until all three are queued.
    let participants = await all[0]!.participants()
    for (let i = 0; i < 300 && participants.length < 3; i++) participants = await all[0]!.participants()
    expect(participants.map((p) => p.id).sort()).toEqual(['s0', 's1', 's2'])
    expect(participants.filter((p) => p.isLeader)).toHaveLength(1)
    for (const p of participants) expect(p.path).toMatch(/^\/sel\/_c_[0-9a-f-]{36}-lock-\d{10}$/)
    await Promise.all(all.map((s) => s.close()))
    expect(await childrenOf(client, '/sel')).toEqual([])
  })

  test('without autoRequeue: one term, the node is deleted, requeue() queues again', async () => {
    const { client } = await chrootClient()
    let terms = 0
    let release!: () => void
    const s = track(
      new LeaderSelector(client, '/sel', async () => {
        terms++
        await new Promise<void>((r) => (release = r))
      }, { id: 'once' }),
    )
    s.start()
    for (let i = 0; i < 500 && !s.hasLeadership; i++) await new Promise((r) => setTimeout(r, 5))
    expect(s.hasLeadership).toBe(true)
    expect((await client.getData(`/sel/${(await client.getChildren('/sel')).children[0]}`)).data.toString()).toBe('once')
    release()
    for (let i = 0; i < 500 && (await childrenOf(client, '/sel')).length > 0; i++) await new Promise((r) => setTimeout(r, 5))
    expect(await childrenOf(client, '/sel')).toEqual([])
    expect(s.requeue()).toBe(true)
    for (let i = 0; i < 500 && terms < 2; i++) await new Promise((r) => setTimeout(r, 5))
    expect(terms).toBe(2)
    expect(s.requeue()).toBe(false) // already leading
    release()
    await s.close()
  })

  test('suspension aborts the term\'s signal; a deposed leader\'s guarded write is refused; close waits for takeLeadership', async () => {
    const { client: other, chroot } = await chrootClient()
    const { client, proxy } = await proxiedClient(chroot)
    let leadership!: SelectorLeadership
    let returned = false
    const started = new Promise<void>((resolve) => {
      track(
        new LeaderSelector(client, '/sel', async (l) => {
          leadership = l
          resolve()
          await new Promise((r) => l.signal.addEventListener('abort', r))
          returned = true
        }, { id: 'a' }),
      ).start()
    })
    await started
    await leadership.guard([{ type: 'create', path: '/by-leader' }])
    await cutOff(client, proxy)
    expect(leadership.signal.aborted).toBe(true)
    // Another participant cannot lead until the node is gone; delete it as an operator would.
    await other.delete(leadership.path)
    proxy.restore()
    const err = await leadership.guard([{ type: 'create', path: '/late' }]).catch((e: unknown) => e)
    expect(isFencedError(err)).toBe(true)
    expect(await other.exists('/late')).toBeNull()
    for (let i = 0; i < 500 && !returned; i++) await new Promise((r) => setTimeout(r, 5))
    expect(returned).toBe(true)

    let closedDuring = false
    const s = track(
      new LeaderSelector(other, '/sel2', async (l) => {
        await new Promise((r) => l.signal.addEventListener('abort', r))
        closedDuring = true
      }),
    )
    s.start()
    for (let i = 0; i < 500 && !s.hasLeadership; i++) await new Promise((r) => setTimeout(r, 5))
    await s.close()
    expect(closedDuring).toBe(true)
    expect(await childrenOf(other, '/sel2')).toEqual([])
  })

  test('wrong shapes are refused', async () => {
    const { client } = await chrootClient()
    expect(() => new LeaderSelector(client, '/s', undefined as never)).toThrow(/takeLeadership must be a function/)
    expect(() => new LeaderSelector(client, '/s', 'x' as never)).toThrow(InvalidArgumentError)
    expect(() => new LeaderSelector(client, '/s', () => {}, { id: 3 } as never)).toThrow(/id must be a string/)
    expect(() => new LeaderSelector(client, '/s', () => {}, { autoRequeue: 1 } as never)).toThrow(InvalidArgumentError)
    expect(() => new LeaderSelector(client, '/s', () => {}, { participantId: 'x' } as never)).toThrow(/unknown option "participantId"; write id/)
    const s = new LeaderSelector(client, '/s', () => {})
    expect(() => s.requeue()).toThrow(/call start\(\) first/)
    s.start()
    expect(() => s.start()).toThrow(/already started/)
    await s.close()
    expect(() => s.start()).toThrow(InvalidArgumentError)
  })
})

describe('LeaderElection leadership guard', () => {
  test('the leader\'s guarded writes pass; after it resigns the server refuses them', async () => {
    const { client } = await chrootClient()
    const election = new LeaderElection(client, '/election', { id: 'g' })
    await election.start()
    const leadership = await election.leadership()
    const [result] = await leadership.guard([{ type: 'create', path: '/by-leader', data: 'x' }])
    expect(result).toMatchObject({ type: 'create', path: '/by-leader' })
    await election.resign()
    const err = await leadership.guard([{ type: 'create', path: '/stale' }]).catch((e: unknown) => e)
    expect(isFencedError(err)).toBe(true)
    expect(await client.exists('/stale')).toBeNull()
    await expect(leadership.guard({} as never)).rejects.toThrow(InvalidArgumentError)
    await election.close()
  })

  test('the leader\'s node deleted by someone else: the term ends at once and the candidate leads again on a new node', async () => {
    const { client, connectString } = await chrootClient()
    const election = new LeaderElection(client, '/election', { id: 'g' })
    await election.start()
    const first = await election.leadership()
    const ended = new Promise<{ reason: string }>((r) => election.once('notLeader', r))
    await (await connect(connectString)).delete(first.path)
    expect((await ended).reason).toMatch(/deleted/)
    expect(first.signal.aborted).toBe(true)
    const second = await election.leadership()
    expect(second.token).toBeGreaterThan(first.token)
    expect(isFencedError(await first.guard([{ type: 'create', path: '/stale' }]).catch((e: unknown) => e))).toBe(true)
    await second.guard([{ type: 'create', path: '/fresh' }])
    await election.close()
  })
})

afterEach(async () => {
  await Promise.all(selectors.splice(0).map((s) => s.close().catch(() => {})))
})
