/**
 * What a user sees of the connection against a real server: state events, staying alive while
 * idle (pings), closing, and the shape of errors.
 */
import { describe, expect, it } from 'vitest'
import {
  ClientClosedError,
  ConnectionLossError,
  SessionExpiredError,
  InvalidArgumentError,
  NoNodeError,
  type StateChange,
  ZooKeeperError,
  createClient,
} from '../../src/index.js'
import { chrootClient, connect } from '../support/zk.js'
import { within } from './helpers.js'

describe('state events', () => {
  it('a client reports connected with a new session, then closed; states() ends with it', async () => {
    const { connectString } = await chrootClient()
    const zk = createClient(connectString, { sessionTimeout: 5_000 })
    const events: StateChange[] = []
    zk.on('state', (change: StateChange) => events.push(change))
    const iterated = (async () => {
      const seen: string[] = []
      for await (const change of zk.states()) seen.push(change.state)
      return seen
    })()
    expect(zk.state).toBe('initial')
    await zk.connected({ timeout: 10_000 })
    expect(zk.state).toBe('connected')
    expect(zk.sessionId).not.toBe(0n)
    expect(zk.sessionTimeout).toBe(5_000)
    expect(zk.currentServer).toBe(connectString.slice(0, connectString.indexOf('/')))
    expect(zk.chrootPath).toBe(connectString.slice(connectString.indexOf('/')))
    await zk.connected() // resolves at once when connected
    const sessionId = zk.sessionId
    await zk.close()
    expect(zk.state).toBe('closed')
    expect(events.map((e) => e.state)).toEqual(['connected', 'closed'])
    expect(events[0]).toMatchObject({ previous: 'initial', newSession: true, sessionId })
    expect(events[1]).toMatchObject({ previous: 'connected', reason: expect.stringContaining('closed') })
    expect(await within(iterated, 1_000, 'states() to end')).toEqual(['connected', 'closed'])
    // A closed client's states() ends at once.
    const after = zk.states()
    expect(await after.next()).toEqual({ value: undefined, done: true })
  })

  it('the session timeout is clamped to the server\'s bounds', async () => {
    const { connectString } = await chrootClient()
    const low = await connect(connectString, { sessionTimeout: 100 })
    const high = await connect(connectString, { sessionTimeout: 600_000 })
    expect(low.sessionTimeout).toBe(400) // minSessionTimeout
    expect(high.sessionTimeout).toBe(60_000) // maxSessionTimeout
  })
})

describe('keeping the session alive', () => {
  it('an idle client with a short session timeout stays connected well past the timeout (pings)', async () => {
    const { client, connectString } = await chrootClient()
    const idle = await connect(connectString, { sessionTimeout: 1_500 })
    expect(idle.sessionTimeout).toBe(1_500)
    await idle.create('/alive', null, { mode: 'ephemeral' })
    const changes: string[] = []
    idle.on('state', (change: StateChange) => changes.push(change.state))
    const session = idle.sessionId
    // Idling is the point of this test: without pings the server would expire the session
    // after 1.5 s and the client would drop the connection after 1 s of silence.
    await new Promise((resolve) => setTimeout(resolve, 4_000))
    expect(changes).toEqual([])
    expect(idle.state).toBe('connected')
    expect(idle.sessionId).toBe(session)
    expect(await client.exists('/alive')).toMatchObject({ ephemeralOwner: BigInt.asIntN(64, session) })
    expect(await idle.exists('/alive')).not.toBeNull()
  })
})

describe('closing', () => {
  it('close() is idempotent, and calls after it reject with ClientClosedError (final, not retryable)', async () => {
    const { client } = await chrootClient()
    await client.create('/a')
    const inFlight = client.getData('/a') // sent before closeSession: answered
    const closing = client.close()
    expect(client.close()).toBe(closing)
    await closing
    expect((await inFlight).stat.version).toBe(0)
    const error = await client.getData('/a').catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ClientClosedError)
    expect(error).toBeInstanceOf(SessionExpiredError)
    expect((error as ZooKeeperError).code).toBe('SESSIONEXPIRED')
    expect((error as ZooKeeperError).isConnectionProblem).toBe(false)
    expect((error as Error).message).toMatch(/closed/)
    await expect(client.connected()).rejects.toThrow(ZooKeeperError)
    await client.close()
  })
})

describe('errors', () => {
  it('server errors are ZooKeeperError subclasses with code, errno, path, operation and a message saying what happened', async () => {
    const { client } = await chrootClient()
    const error = await client.getData('/services/db').catch((e: unknown) => e)
    expect(error).toBeInstanceOf(NoNodeError)
    expect(error).toBeInstanceOf(ZooKeeperError)
    expect(error).toBeInstanceOf(Error)
    const e = error as ZooKeeperError
    expect(e.name).toBe('NoNodeError')
    expect(e.code).toBe('NONODE')
    expect(e.errno).toBe(-101)
    expect(e.path).toBe('/services/db') // the caller's path, not the chroot's
    expect(e.operation).toBe('getData')
    expect(e.opIndex).toBeUndefined()
    expect(e.isConnectionProblem).toBe(false)
    expect(e.message).toBe('/services/db does not exist (getData)')
  })

  it('argument errors are InvalidArgumentError (a TypeError) with code INVALID_ARGUMENT', async () => {
    const { client } = await chrootClient()
    const error = await client.getData('relative').catch((e: unknown) => e)
    expect(error).toBeInstanceOf(InvalidArgumentError)
    expect(error).toBeInstanceOf(TypeError)
    expect(error).not.toBeInstanceOf(ZooKeeperError)
    expect(error).toMatchObject({ name: 'InvalidArgumentError', code: 'INVALID_ARGUMENT' })
  })

  it('an aborted call rejects with the signal\'s reason and the connection carries on', async () => {
    const { client } = await chrootClient()
    await client.create('/a', 'x')
    const reason = new Error('user gave up')
    const controller = new AbortController()
    controller.abort(reason)
    await expect(client.getData('/a', { signal: controller.signal })).rejects.toBe(reason)
    const late = new AbortController()
    const pending = client.getData('/a', { signal: late.signal })
    late.abort(reason)
    await expect(pending).rejects.toBe(reason)
    expect((await client.getData('/a')).data.toString()).toBe('x')
  })
})

describe('state iteration and connection errors', () => {
  it('states() keeps changes that happen before the loop starts reading', async () => {
    const { connectString } = await chrootClient()
    const zk = createClient(connectString, { sessionTimeout: 5_000 })
    const states = zk.states()
    await zk.connected({ timeout: 10_000 })
    await zk.close()
    const seen: string[] = []
    for await (const change of states) seen.push(change.state)
    expect(seen).toEqual(['connected', 'closed'])
  })

  it('connected() rejects with ConnectionLossError when no server answers in time, and ClientClosedError after close', async () => {
    // Port 1 on loopback: nothing listens, every attempt is refused at once.
    const zk = createClient('127.0.0.1:1', { sessionTimeout: 2_000 })
    const timedOut = await zk.connected({ timeout: 200 }).catch((e: unknown) => e)
    expect(timedOut).toBeInstanceOf(ConnectionLossError)
    await zk.close()
    const afterClose = await zk.connected().catch((e: unknown) => e)
    expect(afterClose).toBeInstanceOf(ClientClosedError)
  })
})

describe('waitForState', () => {
  const writable = (s: string): boolean => s === 'connected' || s === 'reconnected'

  it('resolves at once when the state already holds, and on the change that makes it hold', async () => {
    const { connectString } = await chrootClient()
    const zk = createClient(connectString, { sessionTimeout: 5_000 })
    const waiting = zk.waitForState(writable)
    await waiting
    expect(zk.state).toBe('connected')
    await zk.waitForState(writable)
    await zk.close()
  })

  it('rejects with the abort reason, with ClientClosedError when the client closes, and after a timeout', async () => {
    // Nothing listens on port 1: the client never connects.
    const zk = createClient('127.0.0.1:1', { sessionTimeout: 2_000 })
    const controller = new AbortController()
    const aborted = zk.waitForState(writable, { signal: controller.signal }).catch((e: unknown) => e)
    controller.abort(new Error('no longer needed'))
    expect(((await aborted) as Error).message).toBe('no longer needed')
    const timedOut = await zk.waitForState(writable, { timeout: 50 }).catch((e: unknown) => e)
    expect(timedOut).toBeInstanceOf(ConnectionLossError)
    const closing = zk.waitForState(writable).catch((e: unknown) => e)
    await zk.close()
    expect(await closing).toBeInstanceOf(ClientClosedError)
  })
})
