/**
 * Host names are resolved at each connection attempt, through the `lookup` option (here an
 * injected one pointing names at the shared real server on loopback): every address of a name is
 * a candidate, a name that does not resolve is skipped with a log line, and a session survives a
 * name that stops resolving for a while.
 */
import type { LookupAddress } from 'node:dns'
import type { LookupFunction } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { FaultProxy } from '../../src/testing/index.js'
import { sharedServer } from '../support/zk.js'
import { RecordingLogger, useClients } from '../tls/helpers.js'

const client = useClients()
let port: number
let proxy: FaultProxy

beforeAll(async () => {
  port = Number(sharedServer().split(':').at(-1))
  proxy = await FaultProxy.start({ upstream: sharedServer() })
})
afterAll(async () => {
  await proxy?.close()
})

/** A lookup answering from `table` (a name → its addresses, or an error code), recording each call. */
function fakeLookup(table: Record<string, LookupAddress[] | string>): { lookup: LookupFunction; calls: string[] } {
  const calls: string[] = []
  const lookup: LookupFunction = (hostname, options, callback) => {
    calls.push(hostname)
    const entry = table[hostname] ?? 'ENOTFOUND'
    const cb = callback as unknown as (err: NodeJS.ErrnoException | null, a?: unknown, f?: number) => void
    setImmediate(() => {
      if (typeof entry === 'string') cb(Object.assign(new Error(`getaddrinfo ${entry} ${hostname}`), { code: entry, hostname }))
      else if (options.all) cb(null, entry)
      else cb(null, entry[0]!.address, entry[0]!.family)
    })
  }
  return { lookup, calls }
}

describe('DNS re-resolution', () => {
  it('resolves the name at every attempt and tries each of its addresses in turn', async () => {
    // ::1 has no server (the server binds 127.0.0.1): the first attempt fails, the next takes the other address.
    const { lookup, calls } = fakeLookup({ 'zk.test': [{ address: '::1', family: 6 }, { address: '127.0.0.1', family: 4 }] })
    const logger = new RecordingLogger()
    const zk = client(`zk.test:${port}`, { lookup, logger, connectTimeout: 2_000 })
    await zk.connected({ timeout: 10_000 })
    expect(zk.currentServer).toBe(`zk.test:${port}`)
    expect(calls.length).toBeGreaterThanOrEqual(2)
    expect(calls.every((h) => h === 'zk.test')).toBe(true)
    const failed = await logger.next(/connection attempt failed/)
    expect(failed.message).toContain('::1')
    expect((await zk.whoAmI())[0]).toEqual({ authScheme: 'ip', user: '127.0.0.1' })
  })

  it('skips a name that does not resolve, with a log line, and connects through the next', async () => {
    const { lookup, calls } = fakeLookup({ 'zk-b.test': [{ address: '127.0.0.1', family: 4 }] })
    const logger = new RecordingLogger()
    // random 0.99 keeps the connect string's order: the dead name is tried first.
    const zk = client(`zk-a.test:${port},zk-b.test:${port}`, { lookup, logger, internals: { random: () => 0.99 } })
    await zk.connected({ timeout: 10_000 })
    expect(zk.currentServer).toBe(`zk-b.test:${port}`)
    expect(calls.slice(0, 2)).toEqual(['zk-a.test', 'zk-b.test'])
    const line = await logger.next(/could not resolve zk-a\.test/)
    expect(line.level).toBe('warn')
    const attempt = await logger.next(/connection attempt failed/)
    expect((attempt.fields?.cause as { code: string }).code).toBe('DNS_UNRESOLVED')
  })

  it('a name that stops resolving is not fatal: the session waits, logging, and resumes once it resolves again', async () => {
    const table: Record<string, LookupAddress[] | string> = { 'zk.test': [{ address: '127.0.0.1', family: 4 }] }
    const { lookup, calls } = fakeLookup(table)
    const logger = new RecordingLogger()
    const zk = client(`zk.test:${proxy.port}`, { lookup, logger, sessionTimeout: 10_000 })
    await zk.connected({ timeout: 10_000 })
    const session = zk.sessionId
    table['zk.test'] = 'EAI_AGAIN'
    const suspended = new Promise<void>((r) => zk.once('state', (c) => { if (c.state === 'suspended') r() }))
    proxy.cut()
    await suspended
    const before = calls.length
    await logger.next(/could not resolve zk\.test \(EAI_AGAIN\)/)
    table['zk.test'] = [{ address: '127.0.0.1', family: 4 }]
    await zk.connected({ timeout: 10_000 })
    expect(zk.state).toBe('reconnected')
    expect(zk.sessionId).toBe(session)
    expect(calls.length).toBeGreaterThan(before)
  })

  it('a lookup that throws, answers twice or answers nonsense fails only its attempt', async () => {
    let mode = 0
    const lookup: LookupFunction = (hostname, options, callback) => {
      const cb = callback as unknown as (err: Error | null, a?: unknown, f?: number) => void
      mode++
      if (mode === 1) throw new Error('resolver exploded')
      if (mode === 2) return cb(null, [{ address: 'not an ip', family: 4 }])
      if (mode === 3) return cb(null, 42)
      // From here on: a correct answer, given twice.
      const answer = options.all ? [{ address: '127.0.0.1', family: 4 }] : '127.0.0.1'
      cb(null, answer, 4)
      cb(null, answer, 4)
    }
    const logger = new RecordingLogger()
    const zk = client(`zk.test:${port}`, { lookup, logger })
    await zk.connected({ timeout: 10_000 })
    expect(mode).toBeGreaterThanOrEqual(4)
    expect(logger.records.filter((r) => /connection attempt failed/.test(r.message)).length).toBeGreaterThanOrEqual(3)
    await zk.getChildren('/')
  })
})
