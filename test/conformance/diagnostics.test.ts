/**
 * zkwire on node:diagnostics_channel and the `logger` option, against the real server: the
 * `zkwire:request` tracing channel fires start/end/asyncStart/asyncEnd for a call that succeeds and
 * start/end/error for one that fails, with the documented message (client, operation, path,
 * sessionId, server, xid, result or error); `zkwire:state` fires once per state change; and a
 * logger given to createClient receives the client's records.
 */
import { subscribe, tracingChannel, unsubscribe } from 'node:diagnostics_channel'
import { spawnSync } from 'node:child_process'
import { afterEach, describe, expect, it } from 'vitest'
import { type Logger, NoNodeError, type RequestMessage, type StateMessage, createClient } from '../../src/index.js'
import { freePort } from '../../src/testing/index.js'
import { chrootClient, sharedServer } from '../support/zk.js'

type Event = { name: string; message: RequestMessage; xid: number | undefined }

/** Subscribes to every event of the request trace; returns the log and an unsubscribe. */
function recordRequests(): { events: Event[]; stop: () => void } {
  const events: Event[] = []
  const channel = tracingChannel<unknown, RequestMessage & object>('zkwire:request')
  const on = (name: string) => (message: RequestMessage) => {
    events.push({ name, message, xid: message.xid })
  }
  const handlers = { start: on('start'), end: on('end'), asyncStart: on('asyncStart'), asyncEnd: on('asyncEnd'), error: on('error') }
  channel.subscribe(handlers)
  return { events, stop: () => channel.unsubscribe(handlers) }
}

const cleanup: (() => void)[] = []
afterEach(() => {
  for (const f of cleanup.splice(0)) f()
})

describe('diagnostics_channel', () => {
  it('a successful call: start, end, asyncStart, asyncEnd, one message with operation, path, session, server, xid and result', async () => {
    const { client } = await chrootClient()
    await client.create('/traced', 'hello')
    const { events, stop } = recordRequests()
    cleanup.push(stop)
    const result = await client.getData('/traced')
    stop()
    expect(events.map((e) => e.name)).toEqual(['start', 'end', 'asyncStart', 'asyncEnd'])
    const message = events[0]!.message
    for (const e of events) expect(e.message).toBe(message) // one object per call, for spans
    expect(message.client).toBe(client)
    expect(message.operation).toBe('getData')
    expect(message.path).toBe('/traced')
    expect(message.sessionId).toBe(client.sessionId)
    expect(message.server).toBe(client.currentServer)
    expect(message.result).toBe(result)
    expect(message.error).toBeUndefined()
    // The xid is known once the request is on the wire: at asyncEnd, a positive 32-bit integer.
    expect(events[3]!.xid).toBeGreaterThan(0)
  })

  it('a failed call: start, end, error, asyncStart, asyncEnd, with the error it rejects with', async () => {
    const { client } = await chrootClient()
    const { events, stop } = recordRequests()
    cleanup.push(stop)
    const failure = await client.delete('/missing').catch((e: unknown) => e)
    stop()
    expect(failure).toBeInstanceOf(NoNodeError)
    expect(events.map((e) => e.name)).toEqual(['start', 'end', 'error', 'asyncStart', 'asyncEnd'])
    const message = events.find((e) => e.name === 'error')!.message
    expect(message).toMatchObject({ operation: 'delete', path: '/missing', error: failure })
  })

  it('calls without a path (multi, whoAmI) trace with path undefined; a call refused as an argument error is not traced', async () => {
    const { client } = await chrootClient()
    const { events, stop } = recordRequests()
    cleanup.push(stop)
    await client.whoAmI()
    await client.multi([{ type: 'create', path: '/m' }])
    await client.getData('bad path').catch(() => {})
    stop()
    const starts = events.filter((e) => e.name === 'start').map((e) => [e.message.operation, e.message.path])
    expect(starts).toEqual([
      ['whoAmI', undefined],
      ['multi', undefined],
    ])
  })

  it('zkwire:state carries every change with the client, states, session id and server', async () => {
    const seen: StateMessage[] = []
    const onState = (message: unknown): void => {
      seen.push(message as StateMessage)
    }
    subscribe('zkwire:state', onState)
    cleanup.push(() => unsubscribe('zkwire:state', onState))
    const client = createClient(sharedServer())
    await client.connected({ timeout: 20_000 })
    const sessionId = client.sessionId
    await client.close()
    const mine = seen.filter((m) => m.client === client)
    expect(mine.map((m) => `${m.previous}->${m.state}`)).toEqual(['initial->connected', 'connected->closed'])
    expect(mine[0]).toMatchObject({ sessionId, newSession: true, server: expect.stringMatching(/^127\.0\.0\.1:\d+$/) })
    expect(typeof mine[1]!.reason).toBe('string')
  })

  it('nothing is published, and no message built, when no one subscribes', async () => {
    const { client } = await chrootClient()
    expect(tracingChannel('zkwire:request').start.hasSubscribers).toBe(false)
    await client.exists('/')
  })
})

describe('logger option', () => {
  it('receives the client records with structured fields; a throwing logger breaks nothing', async () => {
    const records: [string, string, Record<string, unknown> | undefined][] = []
    const logger: Logger = {
      debug: (m, f) => records.push(['debug', m, f]),
      info: (m, f) => records.push(['info', m, f]),
      warn: (m, f) => records.push(['warn', m, f]),
      error: (m, f) => records.push(['error', m, f]),
    }
    const { client } = await chrootClient({ logger })
    expect(records.find(([, m]) => m === 'client created')?.[2]).toMatchObject({ hosts: sharedServer(), sessionTimeout: 10_000 })
    const angry: Logger = { debug: () => { throw new Error('logger down') }, info: () => { throw new Error('logger down') }, warn: () => { throw new Error('x') }, error: () => { throw new Error('x') } }
    const other = createClient(sharedServer(), { logger: angry })
    await other.connected({ timeout: 20_000 })
    await other.close()
    await client.close()
    expect(records.some(([, m]) => m === 'client closing')).toBe(true)
  })

  it('NODE_DEBUG=zkwire shows the client and an unreachable server in a process that has no logger', async () => {
    const port = await freePort()
    const script = `import { createClient } from './src/index.ts'; const zk = createClient('127.0.0.1:${port}', { connectTimeout: 200 }); setTimeout(() => zk.close().then(() => process.exit(0)), 300)`
    const run = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { env: { ...process.env, NODE_DEBUG: 'zkwire' }, encoding: 'utf8', timeout: 20_000 })
    expect(run.stderr).toMatch(/^ZKWIRE \d+: debug client created hosts=127\.0\.0\.1:\d+/m)
    // The unreachable server is visible: its failed attempts are logged, naming it.
    expect(run.stderr).toMatch(new RegExp(`^ZKWIRE \\d+: warn connection attempt failed: .*server=127\\.0\\.0\\.1:${port}`, 'm'))
  })

  it('the logger sees an unreachable server\'s failed attempts', async () => {
    const port = await freePort()
    const warned: [string, Record<string, unknown> | undefined][] = []
    const first = new Promise<void>((resolve) => {
      const logger: Logger = { debug() {}, info() {}, error() {}, warn: (m, f) => { warned.push([m, f]); resolve() } }
      const zk = createClient(`127.0.0.1:${port}`, { logger, connectTimeout: 200 })
      cleanup.push(() => void zk.close())
    })
    await first
    expect(warned[0]![0]).toMatch(/^connection attempt failed/)
    expect(warned[0]![1]).toMatchObject({ server: `127.0.0.1:${port}` })
  })
})
