/**
 * The session against a scripted server: what goes on the wire (handshake, xids, batching, the
 * in-flight window) and what happens when the server's bytes are broken (truncated frames, wrong
 * xids, bad lengths, garbage bodies, unknown codes). Whatever the server sends, only that
 * connection is dropped, the requests awaiting replies on it fail with ConnectionLossError, the
 * session is resumed on the next connection, and nothing escapes as an uncaught error.
 */
import { describe, expect, it, vi } from 'vitest'
import { ClientClosedError, ConnectionLossError, ProtocolError, RequestTimeoutError, ZooKeeperError } from '../../src/index.js'
import { Op, getDataBody, int, pathOf, replyFrame } from '../support/fake-server.js'
import { countingClock, rejectionOf, useFakeServer } from './helpers.js'

const NONODE = -101
const { server, client } = useFakeServer()

describe('handshake', () => {
  it('asks for a new session with protocol version 0, 16 zero password bytes and the readOnly byte', async () => {
    const { client: zk } = client({ sessionTimeout: 4_000 })
    const conn = await server().connection(1)
    const req = await conn.accept()
    await zk.connected({ timeout: 5_000 })
    expect(req).toMatchObject({ protocolVersion: 0, lastZxidSeen: 0n, timeOut: 4_000, sessionId: 0n, readOnly: false })
    expect(req.passwd).toEqual(Buffer.alloc(16))
  })

  it('accepts a ConnectResponse without the trailing readOnly byte', async () => {
    const { client: zk, reach } = client()
    const conn = await server().connection(1)
    await conn.accept({ readOnly: 'omit', sessionId: 0x77n, timeOut: 6_000 })
    const change = await reach('connected')
    expect(change.sessionId).toBe(0x77n)
    expect(zk.sessionTimeout).toBe(6_000)
    const exists = zk.exists('/a')
    conn.reply((await conn.request(1)).xid, { err: NONODE })
    expect(await exists).toBeNull()
  })
})

describe('requests on the wire', () => {
  it('numbers requests from 1 up: xids are positive and never 0', async () => {
    const { client: zk } = client()
    const conn = await server().connection(1)
    await conn.accept()
    await zk.connected({ timeout: 5_000 })
    const calls = ['/a', '/b', '/c'].map((p) => zk.exists(p))
    await conn.request(3)
    expect(conn.requests.map((r) => r.xid)).toEqual([1, 2, 3])
    for (const r of conn.requests) conn.reply(r.xid, { err: NONODE })
    expect(await Promise.all(calls)).toEqual([null, null, null])
  })

  it('sends the requests of one tick in one TCP write', async () => {
    const { client: zk } = client()
    const conn = await server().connection(1)
    await conn.accept()
    await zk.connected({ timeout: 5_000 })
    const calls = Array.from({ length: 50 }, (_, i) => zk.exists(`/n${i}`))
    await conn.request(50)
    // One write of ~1 KB on loopback arrives as one chunk; allow one split, never one per request.
    expect(new Set(conn.requests.map((r) => r.chunk)).size).toBeLessThanOrEqual(2)
    expect(conn.requests.map(pathOf)).toEqual(Array.from({ length: 50 }, (_, i) => `/n${i}`))
    for (const r of conn.requests) conn.reply(r.xid, { err: NONODE })
    await Promise.all(calls)
  })

  it('keeps at most maxInFlight requests unanswered, and completes all of them', async () => {
    const { client: zk } = client({ maxInFlight: 10 })
    const conn = await server().connection(1)
    await conn.accept()
    await zk.connected({ timeout: 5_000 })
    let outstanding = 0
    let most = 0
    conn.onRequest = (req) => {
      outstanding++
      most = Math.max(most, outstanding)
      setImmediate(() => {
        outstanding--
        conn.reply(req.xid, { body: getDataBody(pathOf(req)) })
      })
    }
    const results = await Promise.all(Array.from({ length: 100 }, (_, i) => zk.getData(`/n${i}`)))
    expect(results.map((r) => r.data.toString())).toEqual(Array.from({ length: 100 }, (_, i) => `/n${i}`))
    expect(most).toBe(10)
    expect(conn.requests).toHaveLength(100)
  })

  it('fails a call after its timeout; its late reply is skipped and later replies still match', async () => {
    const { client: zk } = client()
    const conn = await server().connection(1)
    await conn.accept()
    await zk.connected({ timeout: 5_000 })
    const slow = zk.getData('/slow', { timeout: 100 })
    const slowReq = await conn.request(1)
    const error = await rejectionOf(slow)
    expect(error).toBeInstanceOf(RequestTimeoutError)
    expect(error).toMatchObject({ code: 'REQUESTTIMEOUT', path: '/slow', operation: 'getData' })
    const next = zk.getData('/next')
    const nextReq = await conn.request(2)
    conn.reply(slowReq.xid, { body: getDataBody('late') })
    conn.reply(nextReq.xid, { body: getDataBody('next') })
    expect((await next).data.toString()).toBe('next')
    expect(conn.closed).toBe(false)
    expect(server().connections).toHaveLength(1)
  })

  it('fails a call when its signal aborts; its late reply is skipped and later replies still match', async () => {
    const { client: zk } = client()
    const conn = await server().connection(1)
    await conn.accept()
    await zk.connected({ timeout: 5_000 })
    const stop = new Error('caller gave up')
    const early = await rejectionOf(zk.getData('/never', { signal: AbortSignal.abort(stop) }))
    expect(early).toBe(stop)
    const ac = new AbortController()
    const aborted = zk.getData('/aborted', { signal: ac.signal })
    const abortedReq = await conn.request(1)
    expect(pathOf(abortedReq)).toBe('/aborted') // the already-aborted call never went out
    ac.abort(stop)
    expect(await rejectionOf(aborted)).toBe(stop)
    const next = zk.getData('/next')
    const nextReq = await conn.request(2)
    conn.reply(abortedReq.xid, { body: getDataBody('late') })
    conn.reply(nextReq.xid, { body: getDataBody('next') })
    expect((await next).data.toString()).toBe('next')
    expect(conn.closed).toBe(false)
  })

  it('surfaces an unknown error code as a ZooKeeperError with code UNKNOWN and the errno kept', async () => {
    const { client: zk } = client()
    const conn = await server().connection(1)
    await conn.accept()
    await zk.connected({ timeout: 5_000 })
    const call = zk.exists('/odd')
    conn.reply((await conn.request(1)).xid, { err: -9_999 })
    const error = await rejectionOf(call)
    expect(error).toBeInstanceOf(ZooKeeperError)
    expect(error).toMatchObject({ code: 'UNKNOWN', errno: -9_999, path: '/odd', operation: 'exists' })
    expect(conn.closed).toBe(false)
  })

  it('ignores a notification for a path nobody watches, and delivers the next real one', async () => {
    const { client: zk } = client()
    const conn = await server().connection(1)
    await conn.accept()
    await zk.connected({ timeout: 5_000 })
    const watched = zk.watchData('/a')
    conn.reply((await conn.request(1)).xid, { body: getDataBody('v1') })
    const { changed } = await watched
    conn.notify(3, 3, '/nobody') // NodeDataChanged, SyncConnected
    conn.notify(3, 3, '/a')
    expect(await changed).toEqual({ type: 'NodeDataChanged', state: 'SyncConnected', path: '/a' })
    expect(conn.closed).toBe(false)
  })
})

describe('broken replies drop only their connection', () => {
  /** A connected client with two getData calls awaiting replies. */
  async function twoInFlight(options = {}) {
    const tracked = client({ sessionTimeout: 10_000, ...options })
    const conn = await server().connection(1)
    const { sessionId } = await conn.accept({ sessionId: 0x42n })
    expect(sessionId).toBe(0n)
    await tracked.client.connected({ timeout: 5_000 })
    const calls = [tracked.client.getData('/a'), tracked.client.getData('/b')]
    const reqs = [await conn.request(1), await conn.request(2)]
    return { ...tracked, conn, calls, reqs }
  }

  /** Both calls fail with ConnectionLossError, the client resumes session 0x42 on a new connection and works there. */
  async function expectLossAndResume(t: Awaited<ReturnType<typeof twoInFlight>>, cause?: new (...args: never[]) => Error) {
    const errors = await Promise.all(t.calls.map((call) => rejectionOf(call)))
    for (const error of errors) {
      expect(error).toBeInstanceOf(ConnectionLossError)
      if (cause !== undefined) expect((error as Error).cause).toBeInstanceOf(cause)
    }
    await t.conn.whenClosed()
    await t.reach('suspended')
    const next = await server().connection(2)
    const resumed = await next.accept()
    expect(resumed.sessionId).toBe(0x42n)
    const reconnected = await t.reach('reconnected')
    expect(reconnected.newSession).toBe(false)
    const after = t.client.getData('/c')
    next.reply((await next.request(1)).xid, { body: getDataBody('ok') })
    expect((await after).data.toString()).toBe('ok')
  }

  it.each([
    ['inside the length prefix', 2],
    ['inside the reply header', 10],
    ['inside the body', 30],
  ])('connection closed mid-frame (%s)', async (_, cut) => {
    const t = await twoInFlight()
    t.conn.write(replyFrame(t.reqs[0]!.xid, { body: getDataBody('truncated') }).subarray(0, cut))
    t.conn.destroy()
    await expectLossAndResume(t)
  })

  it('a reply whose xid is not the oldest request\'s', async () => {
    const t = await twoInFlight()
    t.conn.reply(t.reqs[1]!.xid, { body: getDataBody('out of order') })
    await expectLossAndResume(t, ProtocolError)
  })

  it.each([
    ['above maxPacketLength', 0x7fff_fff0, {}],
    ['negative', -5, {}],
    ['above a lowered maxPacketLength', 4_096, { maxPacketLength: 1_024 }],
  ])('a frame length %s is refused before anything is allocated for it', async (_, length, options) => {
    const allocations = vi.spyOn(Buffer, 'allocUnsafe')
    try {
      const t = await twoInFlight(options)
      t.conn.write(Buffer.concat([int(length), int(t.reqs[0]!.xid)]))
      await expectLossAndResume(t, ProtocolError)
      const largest = Math.max(0, ...allocations.mock.calls.map(([size]) => size))
      expect(largest).toBeLessThan(2 * 1024 * 1024)
    } finally {
      allocations.mockRestore()
    }
  })

  it('garbage in a reply body', async () => {
    const t = await twoInFlight()
    // A GetDataResponse whose data length runs past the end of the frame.
    t.conn.reply(t.reqs[0]!.xid, { body: Buffer.concat([int(1_000_000), Buffer.from('garbage')]) })
    await expectLossAndResume(t, ProtocolError)
  })

  it('a reply header cut short inside a whole frame', async () => {
    const t = await twoInFlight()
    t.conn.write(Buffer.concat([int(6), int(t.reqs[0]!.xid), Buffer.from([0, 0])]))
    await expectLossAndResume(t, ProtocolError)
  })
})

describe('closing', () => {
  it('sends closeSession and resolves within its bound when the server never answers', async () => {
    const clock = countingClock()
    const { client: zk, reach } = client({ internals: { clock } })
    const conn = await server().connection(1)
    conn.autoClose = false
    await conn.accept({ timeOut: 900 })
    await zk.connected({ timeout: 5_000 })
    const started = performance.now()
    await zk.close()
    const took = performance.now() - started
    expect(conn.requests.map((r) => r.opcode)).toEqual([Op.closeSession])
    expect(took).toBeLessThan(2_500)
    await reach('closed')
    expect(zk.state).toBe('closed')
    const error = await rejectionOf(zk.exists('/a'))
    expect(error).toBeInstanceOf(ClientClosedError)
    await conn.whenClosed()
    expect(clock.live).toBe(0)
  })

  it('resolves at once when the server answers closeSession', async () => {
    const { client: zk } = client()
    const conn = await server().connection(1)
    await conn.accept()
    await zk.connected({ timeout: 5_000 })
    await zk.close()
    expect(conn.requests.map((r) => r.opcode)).toEqual([Op.closeSession])
    await conn.whenClosed()
  })
})
