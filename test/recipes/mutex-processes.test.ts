import { describe, expect, test } from 'vitest'
import { type ChildEvent, type Child } from './helpers/child.js'
import { startLockChild, tell } from './helpers/lock-children.js'
import { FaultProxy } from '../../src/testing/index.js'
import { chrootClient, connect, sharedServer } from '../support/zk.js'
import { childrenOf } from './helpers/children.js'

const SESSION_TIMEOUT = 2_000

interface LogEntry {
  seq: string
  id: string
  token: bigint
  kind: string
}

describe('Mutex across ten processes', () => {
  test('no two holders ever write: kill -9, SIGSTOP past the session, a cut connection, a server-side expiry', async () => {
    const { client, chroot } = await chrootClient()
    await client.create('/log')
    const proxies = await Promise.all(Array.from({ length: 10 }, () => FaultProxy.start({ upstream: sharedServer() })))
    try {
      const children = proxies.map((proxy, i) =>
        startLockChild({ connect: `${proxy.address}${chroot}`, sessionTimeout: SESSION_TIMEOUT, id: `p${i}`, mode: 'mutex', path: '/lock', logPath: '/log' }),
      )
      await Promise.all(children.map((c) => c.next('connected', 30_000)))
      const proxyOf = (c: Child): FaultProxy => proxies[children.indexOf(c)]!
      let lastToken = 0n
      const acquisitions: Array<{ id: string; token: bigint }> = []
      const nextHolder = async (except: readonly Child[] = []): Promise<{ child: Child; event: ChildEvent }> => {
        const floor = lastToken
        const found = await Promise.any(
          children.filter((c) => !except.includes(c)).map((child) => child.next('acquired', 20_000, (e) => BigInt(String(e.token)) > floor).then((event) => ({ child, event }))),
        )
        lastToken = BigInt(String(found.event.token))
        acquisitions.push({ id: String(found.event.id), token: lastToken })
        return found
      }
      const tokenOf = (e: ChildEvent): string => String(e.token)
      // Faults strike a holder in the middle of its work: after its first guarded write.
      const working = (h: { child: Child; event: ChildEvent }): Promise<ChildEvent> => h.child.next('wrote', 10_000, (e) => tokenOf(e) === tokenOf(h.event))

      let holder = await nextHolder()
      const releaseAndNext = async (): Promise<void> => {
        tell(holder.child, 'release')
        holder = await nextHolder()
      }
      await releaseAndNext()
      await releaseAndNext()

      // 1. kill -9: the next holder takes over once the server expires the dead session.
      const killed = holder.child
      await working(holder)
      const killedAt = await killed.kill9()
      holder = await nextHolder([killed])
      expect(Date.now() - killedAt).toBeLessThan(SESSION_TIMEOUT + 3_000)

      // 2. SIGSTOP past the session timeout: another process acquires meanwhile; after SIGCONT the
      // stopped one still believes it holds and keeps writing, and the server refuses every write.
      await releaseAndNext()
      const stopped = holder.child
      const stoppedToken = tokenOf(holder.event)
      await working(holder)
      stopped.process.kill('SIGSTOP')
      holder = await nextHolder([stopped])
      stopped.process.kill('SIGCONT')
      await stopped.next('fenced', 20_000, (e) => tokenOf(e) === stoppedToken)
      expect(holder.child.events.some((e) => e.event === 'fenced' && tokenOf(e) === tokenOf(holder.event))).toBe(false)

      // 3. A cut connection: the holder's signal aborts at the suspension; its session expires on the
      // server, the next process acquires; the cut one's writes are refused once it is back.
      await releaseAndNext()
      const cut = holder.child
      const cutToken = tokenOf(holder.event)
      await working(holder)
      proxyOf(cut).blackhole()
      proxyOf(cut).cut()
      await cut.next('lost', 10_000, (e) => tokenOf(e) === cutToken)
      holder = await nextHolder([cut])
      proxyOf(cut).restore()
      await cut.next('fenced', 20_000, (e) => tokenOf(e) === cutToken)

      // 4. A server-side expiry (the session closed on the server while the holder is away).
      await releaseAndNext()
      const expired = holder.child
      const expiredToken = tokenOf(holder.event)
      await working(holder)
      // Its current session (it may have had a new one since it started).
      const session = [...expired.events].reverse().find((e) => e.event === 'connected' || (e.event === 'state' && (e.state === 'connected' || e.state === 'reconnected')))!
      proxyOf(expired).blackhole()
      proxyOf(expired).cut()
      await expired.next('lost', 10_000, (e) => tokenOf(e) === expiredToken)
      const thief = await connect(`${sharedServer()}${chroot}`, { session: { id: BigInt(String(session.sessionId)), password: Buffer.from(String(session.password), 'base64') } })
      await thief.close()
      holder = await nextHolder([expired])
      proxyOf(expired).restore()
      await expired.next('fenced', 20_000, (e) => tokenOf(e) === expiredToken)

      await releaseAndNext()
      await releaseAndNext()
      // No herd: each handover woke one waiter, once (the killed process reported its count when
      // it acquired). Counted before the processes close, whose deletes wake the waiter behind each.
      const alive = children.filter((c) => c !== killed)
      for (const c of alive) tell(c, 'stats')
      const stats = await Promise.all(alive.map((c) => c.next('stats')))
      const killedEvents = Number(killed.events.find((e) => e.event === 'acquired')!.watchEvents)
      const watchEvents = stats.reduce((n, e) => n + Number(e.watchEvents), killedEvents)
      // (The holder still holds, so no acquisition can come between the counts.)
      expect(watchEvents).toBe(acquisitions.length - 1)
      for (const c of alive) tell(c, 'close')
      await Promise.all(alive.map((c) => c.exited))

      // Acquisitions: tokens rising, a different holder each time a hold ended.
      for (let i = 1; i < acquisitions.length; i++) expect(acquisitions[i]!.token).toBeGreaterThan(acquisitions[i - 1]!.token)

      // The shared log, in the order the server applied the writes: every holder's guarded writes
      // form one block (no interleaving, no write after a later holder's), tokens rising.
      const names = (await client.getChildren('/log')).children.sort()
      const log: LogEntry[] = await Promise.all(
        names.map(async (seq) => {
          const entry = JSON.parse((await client.getData(`/log/${seq}`)).data.toString()) as { id: string; token: string; kind: string }
          return { seq, id: entry.id, token: BigInt(entry.token), kind: entry.kind }
        }),
      )
      const blocks: LogEntry[][] = []
      for (const entry of log) {
        const current = blocks[blocks.length - 1]
        if (current !== undefined && current[0]!.token === entry.token) current.push(entry)
        else blocks.push([entry])
      }
      for (let i = 1; i < blocks.length; i++) expect(blocks[i]![0]!.token).toBeGreaterThan(blocks[i - 1]![0]!.token)
      // (A waiter may acquire and write between the holder's close and its own: a later block.)
      expect(blocks.slice(0, acquisitions.length).map((b) => b[0]!.token)).toEqual(acquisitions.map((a) => a.token))
      for (const block of blocks) {
        expect(block[0]!.kind).toBe('begin')
        expect(block.slice(1, -1).every((e) => e.kind === 'tick')).toBe(true)
      }
      // The deposed holders never wrote their "end": the server refused them.
      for (const token of [stoppedToken, cutToken, expiredToken]) {
        const block = blocks.find((b) => b[0]!.token === BigInt(token))!
        expect(block[block.length - 1]!.kind).not.toBe('end')
      }
      expect(await childrenOf(client, '/lock')).toEqual([])
    } finally {
      await Promise.all(proxies.map((p) => p.close()))
    }
  })
})
