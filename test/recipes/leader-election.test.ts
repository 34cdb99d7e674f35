import { afterEach, describe, expect, test } from 'vitest'
import { ClientClosedError, LeaderElection, type Leadership, type ZooKeeperClient, createClient } from '../../src/index.js'
import { waitFor } from '../../src/testing/index.js'
import { startChild } from './helpers/child.js'
import { cutOff, expireSession, expireWhileCutOff, nextState, proxiedClient } from './helpers/session.js'
import { chrootClient, connect } from '../support/zk.js'

const elections: LeaderElection[] = []
afterEach(async () => {
  await Promise.all(elections.splice(0).map((e) => e.close().catch(() => {})))
})

function candidate(client: ZooKeeperClient, id: string, options: { keepLeadershipWhileSuspended?: boolean } = {}): LeaderElection {
  const e = new LeaderElection(client, '/election', { id, ...options })
  elections.push(e)
  return e
}

/**
 * Leadership terms of every candidate, in the order events happened (one process: listeners run
 * one at a time, so a counter orders them exactly).
 */
class TermLog {
  private clock = 0
  readonly terms: Array<{ id: string; token: bigint; acquired: number; released?: number }> = []
  readonly overlaps: string[] = []

  follow(e: LeaderElection, all: readonly LeaderElection[]): void {
    e.on('leader', (l) => {
      const others = all.filter((o) => o !== e && o.isLeader).map((o) => o.participantId)
      if (others.length > 0) this.overlaps.push(`${e.participantId} became leader while ${others.join(', ')} led`)
      this.terms.push({ id: e.participantId, token: l.token, acquired: ++this.clock })
    })
    e.on('notLeader', () => {
      const open = this.terms.find((t) => t.id === e.participantId && t.released === undefined)
      if (open !== undefined) open.released = ++this.clock
    })
  }

  /** No two terms overlap, and every new leader's token is larger than the last one's. */
  check(): void {
    expect(this.overlaps).toEqual([])
    for (let i = 1; i < this.terms.length; i++) {
      const previous = this.terms[i - 1]!
      const term = this.terms[i]!
      expect(previous.released, `term of ${previous.id} ended before ${term.id}'s began`).toBeLessThan(term.acquired)
      expect(term.token, `token of ${term.id} after ${previous.id}`).toBeGreaterThan(previous.token)
    }
  }
}

const leaders = (all: readonly LeaderElection[]): string[] => all.filter((e) => e.isLeader).map((e) => e.participantId)

function nextLeader(all: readonly LeaderElection[], except?: LeaderElection): Promise<{ election: LeaderElection; leadership: Leadership; at: number }> {
  return Promise.any(all.filter((e) => e !== except).map((election) => election.leadership().then((leadership) => ({ election, leadership, at: Date.now() }))))
}

describe('leader election', () => {
  test('ten candidates: one leader at a time, growing tokens, prompt handover, no herd', async () => {
    const { client, connectString } = await chrootClient()
    const clients = [client, ...(await Promise.all(Array.from({ length: 9 }, () => connect(connectString))))]
    const all = clients.map((c, i) => candidate(c, `c${i}`))
    const log = new TermLog()
    for (const e of all) log.follow(e, all)
    for (const e of all) await e.start() // in order: c0 first in line
    let { election: leader } = await nextLeader(all)
    expect(leader.participantId).toBe('c0')
    expect(leaders(all)).toEqual(['c0'])

    // Curator LeaderLatch's layout: _c_<uuid>-latch-<sequence>, the participant id as data.
    const participants = await leader.participants()
    expect(participants.map((p) => p.id)).toEqual(all.map((e) => e.participantId))
    for (const p of participants) expect(p.path).toMatch(/^\/election\/_c_[0-9a-f-]{36}-latch-\d{10}$/)
    expect(participants[0]).toMatchObject({ isLeader: true, path: leader.candidatePath })

    let handovers = 0
    for (let round = 0; round < 12; round++) {
      const watchesBefore = all.map((e) => e.watchEvents)
      const next = nextLeader(all, leader)
      const resignedAt = Date.now()
      if (round === 11) await leader.close()
      else await leader.resign()
      const { election, at } = await next
      handovers++
      expect(at - resignedAt, 'handover time').toBeLessThan(1_000)
      // Exactly one candidate heard of the change: the one right behind the old leader.
      const woken = all.filter((e, i) => e.watchEvents !== watchesBefore[i]).map((e) => e.participantId)
      expect(woken).toEqual([election.participantId])
      expect(election.watchEvents - watchesBefore[all.indexOf(election)]!).toBe(1)
      expect(leaders(all)).toEqual([election.participantId])
      leader = election
    }
    expect(all.reduce((n, e) => n + e.watchEvents, 0)).toBe(handovers)
    log.check()
    expect(log.terms).toHaveLength(13)
    // Resigned candidates joined again at the back: c0 led again after c9.
    expect(log.terms.map((t) => t.id)).toEqual(['c0', 'c1', 'c2', 'c3', 'c4', 'c5', 'c6', 'c7', 'c8', 'c9', 'c0', 'c1', 'c2'])
  })

  test('the leader\'s process killed with -9: exactly one new leader within the session timeout plus a second', async () => {
    const { connectString } = await chrootClient()
    const sessionTimeout = 2_000
    const child = startChild({ connect: connectString, sessionTimeout, elect: { path: '/election', id: 'doomed' } })
    await child.next('leader')
    const all = await Promise.all(['a', 'b', 'c'].map(async (id) => candidate(await connect(connectString), id)))
    const log = new TermLog()
    for (const e of all) log.follow(e, all)
    for (const e of all) await e.start()
    expect(all.some((e) => e.isLeader)).toBe(false)
    const next = nextLeader(all)
    const killedAt = await child.kill9()
    const { election, leadership, at } = await next
    expect(at - killedAt).toBeLessThan(sessionTimeout + 1_000)
    expect(election.participantId).toBe('a')
    expect(BigInt(String((await child.next('leader')).token))).toBeLessThan(leadership.token)
    // The others settled behind the new leader, and none of them leads.
    const participants = await election.participants()
    expect(participants.map((p) => [p.id, p.isLeader])).toEqual([['a', true], ['b', false], ['c', false]])
    expect(leaders(all)).toEqual(['a'])
    expect(log.terms.map((t) => t.id)).toEqual(['a'])
  })

  test('a predecessor that vanishes before its watch is set: the candidate looks again and leads', async () => {
    const { client: first, connectString } = await chrootClient()
    const leader = candidate(first, 'first')
    await leader.start()
    await leader.leadership()
    // A client that deletes the predecessor just before the watch on it is asked for.
    const client = await connect(connectString)
    let sabotaged = 0
    const sabotaging = new Proxy(client, {
      get(target, key, receiver) {
        const value = Reflect.get(target, key, receiver) as unknown
        if (key !== 'getData' || typeof value !== 'function') return value
        return async (path: string, options?: object) => {
          if (path === leader.candidatePath && sabotaged++ === 0) await first.delete(path)
          return (value as (...a: unknown[]) => unknown).call(target, path, options)
        }
      },
    })
    const second = candidate(sabotaging, 'second')
    await second.start()
    const { token } = await second.leadership()
    expect(sabotaged).toBeGreaterThan(0)
    expect(second.watchEvents).toBe(0) // it never got to watch: it found the node gone and looked again
    expect(token).toBeGreaterThan(0n)
  })

  test('suspended: leadership is given up at once by default, and taken back on reconnect', async () => {
    const { chroot } = await chrootClient()
    const { client, proxy } = await proxiedClient(chroot)
    const e = candidate(client, 'solo')
    await e.start()
    const first = await e.leadership()
    const steppedDown = new Promise<{ reason: string }>((resolve) => e.once('notLeader', resolve))
    let stateAtStepDown: string | undefined
    e.once('notLeader', () => (stateAtStepDown = client.state))
    proxy.cut()
    expect((await steppedDown).reason).toMatch(/suspended/)
    expect(stateAtStepDown).toBe('suspended') // at the suspension itself, not later
    expect(first.signal.aborted).toBe(true)
    const again = await e.leadership()
    // Same session, same node: nobody else can have led meanwhile, and the token is the same.
    expect(again.path).toBe(first.path)
    expect(again.token).toBe(first.token)
  })

  test('keepLeadershipWhileSuspended: kept through a suspension, lost with the session, then a new node', async () => {
    const { client: other, chroot } = await chrootClient()
    const { client, proxy } = await proxiedClient(chroot)
    const e = candidate(client, 'stubborn', { keepLeadershipWhileSuspended: true })
    const reasons: string[] = []
    e.on('notLeader', ({ reason }) => reasons.push(reason))
    await e.start()
    const first = await e.leadership()
    await cutOff(client, proxy)
    expect(e.isLeader).toBe(true)
    // The session expires while the candidate is cut off: leadership ends when the loss is known.
    await expireWhileCutOff(client, chroot)
    const lost = nextState(client, (c) => c.state === 'lost')
    proxy.restore()
    await lost
    expect(e.isLeader).toBe(false)
    expect(reasons).toEqual([expect.stringMatching(/session lost/)])
    const second = await e.leadership()
    expect(second.path).not.toBe(first.path)
    expect(second.token).toBeGreaterThan(first.token)
    expect((await other.getChildren('/election')).children).toHaveLength(1)
  })

  test('keepLeadershipWhileSuspended: leadership ends by the servers\' expiry bound, before the client\'s own expiry', async () => {
    const { chroot } = await chrootClient()
    const { client, proxy } = await proxiedClient(chroot, { sessionTimeout: 1_200 })
    const e = candidate(client, 'bounded', { keepLeadershipWhileSuspended: true })
    await e.start()
    await e.leadership()
    const suspended = nextState(client, (c) => c.state === 'suspended')
    const lost = nextState(client, (c) => c.state === 'lost')
    const steppedDown = new Promise<{ reason: string; state: string; at: number }>((resolve) => e.once('notLeader', ({ reason }) => resolve({ reason, state: client.state, at: performance.now() })))
    const silentFrom = performance.now()
    proxy.blackhole() // no bytes either way: noticed after the read timeout, 2/3 of 1.2 s
    const change = await suspended
    expect(e.isLeader).toBe(true)
    expect(change.serverExpiresInMs).toBeGreaterThan(0)
    expect(change.serverExpiresInMs).toBeLessThanOrEqual(1_200 - 800 + 50)
    const down = await steppedDown
    expect(down.reason).toMatch(/as long as the session can live on the servers/)
    expect(down.state).toBe('suspended') // before 'lost', which comes at 4/3 of the timeout
    expect(down.at - silentFrom).toBeLessThanOrEqual(1_200 + 100)
    await lost
    proxy.restore()
  })

  test('after an expiry a follower contends again with a new node, behind the others', async () => {
    const { client: leaderClient, chroot, connectString } = await chrootClient()
    const leader = candidate(leaderClient, 'leader')
    await leader.start()
    await leader.leadership()
    const { client, proxy } = await proxiedClient(chroot)
    const follower = candidate(client, 'follower')
    await follower.start()
    const oldPath = follower.candidatePath
    const third = candidate(await connect(connectString), 'third')
    await third.start()
    await expireSession(client, proxy, chroot)
    await waitFor(async () => (await leader.participants()).map((p) => p.id).join() === 'leader,third,follower', { description: 'the follower to join again at the back' })
    expect(follower.candidatePath).not.toBe(oldPath)
    await leader.close()
    const { election } = await nextLeader([follower, third])
    expect(election).toBe(third)
  })
})

describe('start() on a closed client', () => {
  test('rejects with ClientClosedError when the client is closed, or closes before the candidate joined', async () => {
    const closed = createClient('127.0.0.1:1', { sessionTimeout: 60_000 })
    await closed.close()
    await expect(new LeaderElection(closed, '/election').start()).rejects.toBeInstanceOf(ClientClosedError)
    const never = createClient('127.0.0.1:1', { sessionTimeout: 60_000 })
    const starting = new LeaderElection(never, '/election').start()
    await never.close()
    await expect(starting).rejects.toBeInstanceOf(ClientClosedError)
  })
})
