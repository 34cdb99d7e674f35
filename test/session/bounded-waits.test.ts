/**
 * Nothing waits forever: with no usable server, calls and connected() fail after the session
 * timeout with a ConnectionLossError naming the servers tried and carrying the last failure as its
 * `cause`, while the client keeps trying; abandoning queued calls costs O(1) each; and an
 * unreachable server is visible in the log.
 */
import { execFile } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type AddressInfo, createServer, connect as netConnect } from 'node:net'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'
import { ConnectionLossError, RequestTimeoutError, createClient } from '../../src/index.js'
import { Log, type Logger } from '../../src/common/log.js'
import { rejectionOf, useFakeServer } from './helpers.js'

const { server, client } = useFakeServer()

/** A loopback port nothing listens on. */
async function deadPort(): Promise<number> {
  const s = createServer()
  await new Promise<void>((resolve) => s.listen({ host: '127.0.0.1', port: 0 }, () => resolve()))
  const { port } = s.address() as AddressInfo
  await new Promise<void>((resolve) => s.close(() => resolve()))
  return port
}

/** A Logger that keeps every record. */
function capturingLogger(): Logger & { records: { level: string; message: string; fields?: Record<string, unknown> }[] } {
  const records: { level: string; message: string; fields?: Record<string, unknown> }[] = []
  const at = (level: string) => (message: string, fields?: Record<string, unknown>) => void records.push({ level, message, fields })
  return { records, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') }
}

describe('no server reachable', () => {
  it('getData() with no timeout and connected() reject after the session timeout, naming the host and the refusal; the client keeps trying', async () => {
    const port = await deadPort()
    let up = false
    let attempts = 0
    const fakeAddress = server().address.split(':')
    // Refused until `up`; then routed to the scripted server.
    const transport = () => {
      attempts++
      return up ? netConnect({ host: '127.0.0.1', port: Number(fakeAddress[1]) }) : netConnect({ host: '127.0.0.1', port })
    }
    const zk = createClient(`127.0.0.1:${port}`, { sessionTimeout: 400, reconnectDelay: { initialMs: 5, maxMs: 20 }, internals: { transport } })
    try {
      const started = performance.now()
      const [call, ready] = await Promise.all([rejectionOf(zk.getData('/a'), 3_000), rejectionOf(zk.connected(), 3_000)])
      const waited = performance.now() - started
      expect(waited).toBeGreaterThanOrEqual(400 - 20)
      expect(waited).toBeLessThan(400 + 1_000)
      for (const error of [call, ready]) {
        expect(error).toBeInstanceOf(ConnectionLossError)
        expect((error as Error).message).toContain(`127.0.0.1:${port}`)
        expect((error as Error).message).toMatch(/within 400 ms/)
        const cause = (error as Error).cause as Error & { cause?: NodeJS.ErrnoException }
        expect(cause).toBeInstanceOf(ConnectionLossError)
        expect(cause.cause?.code).toBe('ECONNREFUSED')
      }
      expect((call as Error).message).toMatch(/^getData \/a: /)
      // Still trying: once a server is there, the client connects and serves calls.
      const before = attempts
      up = true
      const conn = await server().connection(1)
      await conn.accept()
      await zk.connected()
      expect(attempts).toBeGreaterThan(before)
      expect(zk.state).toBe('connected')
    } finally {
      await zk.close()
    }
  })

  it('a server that never answers the handshake: the cause says the handshake timed out', async () => {
    const { client: zk } = client({ sessionTimeout: 600, connectTimeout: 100 })
    const error = await rejectionOf(zk.exists('/x'), 3_000)
    expect(error).toBeInstanceOf(ConnectionLossError)
    expect(((error as Error).cause as Error).message).toMatch(/could not connect to 127\.0\.0\.1:\d+ within 100 ms/)
  })

  it('a peer that is not a ZooKeeper server: the cause is the protocol error', async () => {
    server().onConnection = (conn) => void conn.connectRequest().then(() => conn.write(Buffer.from('HTTP/1.1 400 Bad Request\r\n\r\n')))
    const { client: zk } = client({ sessionTimeout: 400 })
    const error = await rejectionOf(zk.connected(), 3_000)
    expect(error).toBeInstanceOf(ConnectionLossError)
    expect(((error as Error).cause as Error).message).toMatch(/protocol error from 127\.0\.0\.1:\d+/)
  })

  it('a name that does not resolve: the cause carries ENOTFOUND', async () => {
    const transport = () => {
      throw Object.assign(new Error('getaddrinfo ENOTFOUND zk.invalid'), { code: 'ENOTFOUND' })
    }
    const zk = createClient('zk.invalid:2181', { sessionTimeout: 300, reconnectDelay: { initialMs: 5, maxMs: 20 }, internals: { transport } })
    try {
      const error = await rejectionOf(zk.getChildren('/'), 3_000)
      expect(error).toBeInstanceOf(ConnectionLossError)
      expect((error as Error).message).toContain('zk.invalid:2181')
      expect((((error as Error).cause as Error).cause as NodeJS.ErrnoException).code).toBe('ENOTFOUND')
    } finally {
      await zk.close()
    }
  })

  it('after the session expired: a call waiting for a new session is bounded the same way', async () => {
    const { client: zk, reach } = client({ sessionTimeout: 300 })
    const first = await server().connection(1)
    await first.accept({ timeOut: 300 })
    await zk.connected()
    server().onConnection = (conn) => conn.destroy()
    first.destroy()
    await reach('lost', 0, 3_000)
    const error = await rejectionOf(zk.getData('/late'), 3_000)
    expect(error).toBeInstanceOf(ConnectionLossError)
    expect((error as Error).message).toContain(server().address)
  })
})

describe('abandoning queued calls', () => {
  it('20,000 calls with a timeout while disconnected settle in well under a second (O(1) each)', async () => {
    const port = await deadPort()
    const zk = createClient(`127.0.0.1:${port}`, { sessionTimeout: 60_000, reconnectDelay: { initialMs: 1_000, maxMs: 1_000 } })
    try {
      const n = 20_000
      const calls = Array.from({ length: n }, (_, i) => zk.exists(`/n${i}`, { timeout: 100 }).then(() => 'resolved', (e: unknown) => e))
      const fired = performance.now() + 100
      const results = await Promise.all(calls)
      const settling = performance.now() - fired
      expect(results.every((e) => e instanceof RequestTimeoutError)).toBe(true)
      // With O(n) removal from the queue this took about 3 s; O(1) takes a few tens of ms.
      expect(settling).toBeLessThan(1_000)
    } finally {
      await zk.close()
    }
  })
})

describe('logging', () => {
  it('an unreachable server shows in the log: attempts and their failures with the cause', async () => {
    const port = await deadPort()
    const logger = capturingLogger()
    const zk = createClient(`127.0.0.1:${port}`, { sessionTimeout: 300, reconnectDelay: { initialMs: 5, maxMs: 20 }, internals: { log: new Log(logger) } })
    try {
      await rejectionOf(zk.connected(), 3_000)
      const attempt = logger.records.find((r) => r.message === 'connecting')
      expect(attempt?.fields).toMatchObject({ server: `127.0.0.1:${port}` })
      const failure = logger.records.find((r) => r.message.startsWith('connection attempt failed'))
      expect(failure?.level).toBe('warn')
      expect((failure?.fields?.cause as NodeJS.ErrnoException).code).toBe('ECONNREFUSED')
    } finally {
      await zk.close()
    }
    expect(logger.records.some((r) => r.message === 'state closed')).toBe(true)
  })

  it('NODE_DEBUG=zkwire prints them on stderr', async () => {
    const port = await deadPort()
    const script = [
      `import { createClient } from ${JSON.stringify(new URL('../../src/index.ts', import.meta.url).pathname)}`,
      `const zk = createClient('127.0.0.1:${port}', { sessionTimeout: 200, reconnectDelay: { initialMs: 5, maxMs: 20 } })`,
      'await zk.connected().catch(() => {})',
      'await zk.close()',
    ].join('\n')
    const tsx = new URL('../../node_modules/.bin/tsx', import.meta.url).pathname
    const dir = await mkdtemp(join(tmpdir(), 'zkwire-debuglog-'))
    const file = join(dir, 'unreachable.mts')
    await writeFile(file, script)
    const { stderr } = await promisify(execFile)(tsx, [file], { env: { ...process.env, NODE_DEBUG: 'zkwire' }, timeout: 20_000 }).finally(() => rm(dir, { recursive: true, force: true }))
    expect(stderr).toMatch(new RegExp(`ZKWIRE \\d+: debug connecting server=127\\.0\\.0\\.1:${port}`))
    expect(stderr).toMatch(/ZKWIRE \d+: warn connection attempt failed: .*ECONNREFUSED/)
  })
})

describe('removing watches while disconnected', () => {
  it('removeWatches with local, and PersistentWatch.remove(), act at once and are not re-armed', async () => {
    const { client: zk, reach } = client()
    const first = await server().connection(1)
    await first.accept({ sessionId: 0x33n })
    await zk.connected()
    first.onRequest = (req) => {
      if (req.opcode === 106) first.reply(req.xid)
      else first.reply(req.xid, { body: Buffer.alloc(4 + 68) }) // getData: empty data, zero Stat
    }
    const events: string[] = []
    await zk.getData('/d', { watcher: (e) => events.push(`${e.type} ${e.path}`) })
    const persistent = await zk.addWatch('/p')
    const iterated = (async () => {
      const seen: string[] = []
      for await (const e of persistent) seen.push(`${e.type} ${e.path}`)
      return seen
    })()
    first.destroy()
    await reach('suspended')
    await zk.removeWatches('/d', 'data', { local: true })
    expect(events).toEqual(['DataWatchRemoved /d'])
    await persistent.remove()
    expect(await iterated).toEqual(['PersistentWatchRemoved /p'])
    // Nothing left to re-arm: the next connection carries no SetWatches.
    const second = await server().connection(2)
    await second.accept()
    await reach('reconnected')
    const after = zk.exists('/x')
    const req = await second.request(1)
    expect(req.opcode).toBe(3)
    second.reply(req.xid, { err: -101 })
    expect(await after).toBeNull()
  })
})
