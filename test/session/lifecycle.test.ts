/**
 * The session's life against a scripted server: liveness (pings when idle, the read timeout on a
 * silent server) and the end of a session (a ConnectResponse that says it expired, or that hands
 * out another session), reported as exactly one 'lost', then a new session or 'closed'.
 */
import { describe, expect, it } from 'vitest'
import { ConnectionLossError, SessionExpiredError } from '../../src/index.js'
import { waitFor } from '../../src/testing/index.js'
import { type FakeConnection, Op, type RequestSeen, getDataBody } from '../support/fake-server.js'
import { countingClock, rejectionOf, useFakeServer } from './helpers.js'

const { server, client } = useFakeServer()

describe('liveness', () => {
  it('pings an idle connection and keeps it while pings are answered', async () => {
    const { client: zk, states } = client({ sessionTimeout: 600 })
    const conn = await server().connection(1)
    await conn.accept({ timeOut: 600 })
    await zk.connected({ timeout: 5_000 })
    // Five pings span well over the 400 ms read timeout.
    await conn.until(() => conn.pings.length >= 5, 5_000, 'five pings')
    for (const ping of conn.pings) expect(ping).toMatchObject({ xid: -2, opcode: Op.ping })
    expect(conn.closed).toBe(false)
    expect(states.map((s) => s.state)).toEqual(['connected'])
  })

  it('drops a server that goes silent after the handshake after 2/3 of the negotiated timeout, then resumes elsewhere', async () => {
    const { client: zk, reach } = client({ sessionTimeout: 600 })
    const conn = await server().connection(1)
    conn.autoPing = false
    await conn.accept({ timeOut: 600, sessionId: 0x51n })
    await zk.connected({ timeout: 5_000 })
    const inFlight = rejectionOf(zk.getData('/a'))
    const closedAt = await conn.whenClosed(5_000)
    const silence = closedAt - conn.lastWriteAt
    expect(silence).toBeGreaterThanOrEqual(400 - 5)
    expect(silence).toBeLessThan(400 + 500)
    expect(conn.pings.length).toBeGreaterThanOrEqual(1)
    expect(await inFlight).toBeInstanceOf(ConnectionLossError)
    await reach('suspended')
    const next = await server().connection(2)
    expect((await next.accept({ timeOut: 600 })).sessionId).toBe(0x51n)
    expect((await reach('reconnected')).newSession).toBe(false)
  })
})

describe('silence in one direction', () => {
  it('drops a server whose events keep coming while pings and requests go unanswered, after the read timeout', async () => {
    const { client: zk, reach } = client({ sessionTimeout: 600 })
    const conn = await server().connection(1)
    conn.autoPing = false
    await conn.accept({ timeOut: 600 })
    await zk.connected({ timeout: 5_000 })
    const established = performance.now()
    // Events for a path nobody watches: bytes arrive every 50 ms, so the connection never looks silent.
    const events = setInterval(() => conn.notify(3, 3, '/busy'), 50)
    try {
      const inFlight = rejectionOf(zk.getData('/a'))
      const suspended = await reach('suspended', 0, 3_000)
      expect(suspended.reason).toMatch(/no reply from 127\.0\.0\.1:\d+ to a request or ping for \d+ ms \(read timeout\)/)
      expect(performance.now() - established).toBeGreaterThanOrEqual(400 - 5)
      expect(performance.now() - established).toBeLessThan(400 + 1_000)
      expect(await inFlight).toBeInstanceOf(ConnectionLossError)
    } finally {
      clearInterval(events)
    }
  })

  it('keeps a connection whose replies are slow but come within the read timeout', async () => {
    const { client: zk, states } = client({ sessionTimeout: 600 })
    const conn = await server().connection(1)
    conn.autoPing = false
    conn.onRequest = (req) => setTimeout(() => conn.reply(req.xid, { body: getDataBody('slow') }), 200)
    await conn.accept({ timeOut: 600 })
    await zk.connected({ timeout: 5_000 })
    for (let i = 0; i < 4; i++) expect((await zk.getData('/s')).data.toString()).toBe('slow')
    expect(conn.closed).toBe(false)
    expect(states.map((s) => s.state)).toEqual(['connected'])
  })
})

describe('connecting', () => {
  it('treats a transport that throws as a failed attempt and keeps trying', async () => {
    let attempts = 0
    const clock = countingClock()
    const { client: zk, states } = client({
      internals: {
        clock,
        transport: () => {
          attempts++
          throw new Error('no route')
        },
      },
    })
    await waitFor(() => attempts >= 3, { timeoutMs: 5_000, description: 'three attempts' })
    expect(zk.state).toBe('initial')
    expect(states).toEqual([])
    await zk.close()
    expect(zk.state).toBe('closed')
    expect(clock.live).toBe(0)
  })

  it('gives up on a server that never answers the handshake after the connect timeout, and tries again', async () => {
    const { client: zk, reach } = client({ connectTimeout: 300 })
    const mute = await server().connection(1)
    await mute.connectRequest()
    const closedAt = await mute.whenClosed(5_000)
    expect(closedAt - mute.handshakeAt!).toBeGreaterThanOrEqual(300 - 50)
    expect(closedAt - mute.handshakeAt!).toBeLessThan(300 + 1_000)
    const next = await server().connection(2)
    await next.accept()
    await reach('connected')
    expect(zk.state).toBe('connected')
  })
})

/** Decodes a SetWatches (101) body: relativeZxid and the data, exist and child paths. */
function setWatchesOf(req: RequestSeen): { relativeZxid: bigint; data: string[]; exist: string[]; child: string[] } {
  let pos = 0
  const relativeZxid = req.body.readBigInt64BE(pos)
  pos += 8
  const list = (): string[] => {
    const count = req.body.readInt32BE(pos)
    pos += 4
    const out: string[] = []
    for (let i = 0; i < count; i++) {
      const length = req.body.readInt32BE(pos)
      out.push(req.body.toString('utf8', pos + 4, pos + 4 + length))
      pos += 4 + length
    }
    return out
  }
  return { relativeZxid, data: list(), exist: list(), child: list() }
}

describe('resuming a session', () => {
  /** Client with a data watch on /w and an existence watch on /gone, last zxid 0x20, connection just lost. */
  async function watchedThenDropped() {
    const tracked = client()
    const first = await server().connection(1)
    await first.accept({ sessionId: 0x81n })
    await tracked.client.connected({ timeout: 5_000 })
    const data = tracked.client.watchData('/w')
    first.reply((await first.request(1)).xid, { zxid: 0x10n, body: getDataBody('v1') })
    const exist = tracked.client.watchExists('/gone')
    first.reply((await first.request(2)).xid, { zxid: 0x20n, err: -101 })
    const watches = { data: (await data).changed, exist: (await exist).changed }
    first.destroy()
    await tracked.reach('suspended')
    return { ...tracked, watches }
  }

  it('sends credentials, then SetWatches from the last zxid, then queued requests', async () => {
    const { client: zk, watches } = await watchedThenDropped()
    const auth = zk.addAuth('digest', 'u:p')
    const queued = zk.getData('/queued')
    const second = await server().connection(2)
    const resume = await second.accept()
    expect(resume).toMatchObject({ sessionId: 0x81n, lastZxidSeen: 0x20n })
    await second.until(() => second.frames.length >= 3, 5_000, 'three frames')
    const [authFrame, rearm, request] = second.frames as [RequestSeen, RequestSeen, RequestSeen]
    expect(authFrame).toMatchObject({ xid: -4, opcode: 100 })
    expect(rearm.opcode).toBe(Op.setWatches)
    expect(rearm.xid).toBeGreaterThan(0)
    expect(setWatchesOf(rearm)).toEqual({ relativeZxid: 0x20n, data: ['/w'], exist: ['/gone'], child: [] })
    expect(request.opcode).toBe(Op.getData)
    second.reply(-4)
    second.reply(rearm.xid)
    second.notify(3, 3, '/w') // the catch-up event the server fires for a change missed meanwhile
    second.reply(request.xid, { body: getDataBody('q') })
    await auth
    expect((await queued).data.toString()).toBe('q')
    expect(await watches.data).toEqual({ type: 'NodeDataChanged', state: 'SyncConnected', path: '/w' })
  })

  it('re-arms nothing on a new session, and ends the old watches with an Expired event', async () => {
    const { client: zk, watches, reach } = await watchedThenDropped()
    const second = await server().connection(2)
    await second.accept({ timeOut: 0, sessionId: 0n, passwd: Buffer.alloc(16) })
    expect(await watches.data).toEqual({ type: 'None', state: 'Expired', path: '/w' })
    expect(await watches.exist).toEqual({ type: 'None', state: 'Expired', path: '/gone' })
    const third = await server().connection(3)
    await third.accept({ sessionId: 0x82n })
    await reach('reconnected')
    const after = zk.exists('/after')
    const first = await third.request(1)
    expect(first.opcode).toBe(Op.exists) // nothing went out before it
    third.reply(first.xid, { err: -101 })
    expect(await after).toBeNull()
  })
})

describe('closing', () => {
  it('sends requests still waiting for the window before closeSession, and completes them', async () => {
    const { client: zk } = client({ maxInFlight: 2 })
    const conn = await server().connection(1)
    conn.autoClose = false
    await conn.accept()
    await zk.connected({ timeout: 5_000 })
    const calls = ['/a', '/b', '/c', '/d'].map((p) => zk.getData(p))
    await conn.request(2)
    const closed = zk.close()
    await conn.request(5)
    expect(conn.requests.map((r) => r.opcode)).toEqual([Op.getData, Op.getData, Op.getData, Op.getData, Op.closeSession])
    for (const r of conn.requests.slice(0, 4)) conn.reply(r.xid, { body: getDataBody(String(r.xid)) })
    conn.reply(conn.requests[4]!.xid)
    expect((await Promise.all(calls)).map((r) => r.data.toString())).toEqual(['1', '2', '3', '4'])
    await closed
  })

  it('close() while suspended reconnects at once, resumes the session and ends it with closeSession', async () => {
    const { client: zk, states, reach } = client({ reconnectDelay: { initialMs: 5_000, maxMs: 5_000 } })
    const first = await server().connection(1)
    await first.accept({ sessionId: 0x61n })
    await zk.connected({ timeout: 5_000 })
    first.destroy()
    await reach('suspended')
    const queued = zk.getData('/before-close')
    server().onConnection = (conn) => {
      void conn.accept()
      conn.onRequest = (req) => conn.reply(req.xid, { body: getDataBody('sent first') })
    }
    const started = performance.now()
    await zk.close()
    expect(performance.now() - started).toBeLessThan(2_000) // not the 5 s backoff
    const second = server().connections[1]!
    expect(second.handshake?.sessionId).toBe(0x61n)
    expect(second.requests.map((r) => r.opcode)).toEqual([Op.getData, Op.closeSession])
    expect((await queued).data.toString()).toBe('sent first')
    // Reconnecting only to close is not reported as 'reconnected'.
    expect(states.map((s) => s.state)).toEqual(['connected', 'suspended', 'closed'])
  })

  it('close() while suspended with no server reachable settles within twice its bound, 2/3 of the session timeout', async () => {
    const { client: zk, states, reach } = client({ sessionTimeout: 600 })
    const first = await server().connection(1)
    await first.accept({ timeOut: 600 })
    await zk.connected({ timeout: 5_000 })
    server().onConnection = (conn) => conn.destroy()
    first.destroy()
    await reach('suspended')
    const started = performance.now()
    await zk.close()
    const took = performance.now() - started
    expect(took).toBeGreaterThanOrEqual(400 - 10)
    expect(took).toBeLessThan(2 * 400 + 300)
    expect(states.map((s) => s.state)).toEqual(['connected', 'suspended', 'closed'])
    expect(server().connections.slice(1).every((c) => c.requests.length === 0)).toBe(true)
  })

  it('leaves no timer behind when closed from a state listener while disconnected', async () => {
    const clock = countingClock()
    // A short session timeout: close() tries for 2/3 of it to reach a server (none answers here).
    const { client: zk, reach } = client({ sessionTimeout: 600, internals: { clock } })
    const conn: FakeConnection = await server().connection(1)
    await conn.accept({ timeOut: 600 })
    await zk.connected({ timeout: 5_000 })
    let closing: Promise<void> | undefined
    zk.on('state', (change) => {
      if (change.state === 'suspended') closing = zk.close()
    })
    conn.destroy()
    await reach('closed')
    await closing
    expect(clock.live).toBe(0)
  })
})

describe('session expiry declared by the client', () => {
  it.each([
    ['on the first loss of the connection', 0],
    ['after the session was resumed once', 1],
  ])('no server answers for 4/3 of the negotiated timeout %s: one lost, then a new session', async (_, resumes) => {
    const { client: zk, states, reach } = client({ sessionTimeout: 600 })
    let last = await server().connection(1)
    await last.accept({ timeOut: 600, sessionId: 0x71n })
    await zk.connected({ timeout: 5_000 })
    for (let i = 0; i < resumes; i++) {
      last.destroy()
      await reach('suspended', states.length)
      const from = states.length
      last = await server().connection(2 + i)
      expect((await last.accept({ timeOut: 600 })).sessionId).toBe(0x71n)
      await reach('reconnected', from)
    }
    // From now on every attempt to resume is turned away; a fresh session is welcome.
    server().onConnection = (conn) => {
      void conn.connectRequest().then(
        async (req) => (req.sessionId === 0n ? void (await conn.accept({ timeOut: 600, sessionId: 0x72n })) : conn.destroy()),
        () => {},
      )
    }
    const from = states.length
    last.destroy()
    const lost = await reach('lost', from, 5_000)
    const silence = performance.now() - last.lastWriteAt
    expect(silence).toBeGreaterThanOrEqual(800 - 5)
    expect(silence).toBeLessThan(800 + 1_000)
    const renewed = await reach('reconnected', states.indexOf(lost))
    expect(renewed).toMatchObject({ newSession: true, sessionId: 0x72n })
    expect(states.slice(from).map((s) => s.state)).toEqual(['suspended', 'lost', 'reconnected'])
  })
})

describe('session expiry told by the server', () => {
  /** A client on session 0x61 whose connection the server has just dropped. */
  async function dropped(options = {}) {
    const tracked = client(options)
    const first = await server().connection(1)
    await first.accept({ sessionId: 0x61n })
    await tracked.client.connected({ timeout: 5_000 })
    first.destroy()
    await tracked.reach('suspended')
    return tracked
  }

  it('a ConnectResponse with timeOut 0: one lost, then a new session', async () => {
    const { client: zk, states, reach } = await dropped()
    const queued = zk.getData('/queued') // waits for a connection, then for the expiry
    const second = await server().connection(2)
    const resume = await second.accept({ timeOut: 0, sessionId: 0n, passwd: Buffer.alloc(16) })
    expect(resume.sessionId).toBe(0x61n)
    second.destroy()
    const lost = await reach('lost')
    expect(lost.reason).toMatch(/expired/)
    const error = await rejectionOf(queued)
    expect(error).toBeInstanceOf(SessionExpiredError)
    const third = await server().connection(3)
    const fresh = await third.accept({ sessionId: 0x62n })
    expect(fresh.sessionId).toBe(0n)
    expect(fresh.passwd).toEqual(Buffer.alloc(16))
    const renewed = await reach('reconnected', states.indexOf(lost))
    expect(renewed).toMatchObject({ newSession: true, sessionId: 0x62n })
    expect(states.map((s) => s.state)).toEqual(['connected', 'suspended', 'lost', 'reconnected'])
    const after = zk.getData('/after')
    third.reply((await third.request(1)).xid, { body: getDataBody('fresh') })
    expect((await after).data.toString()).toBe('fresh')
  })

  it('a ConnectResponse with timeOut 0 and renewExpiredSession false: lost, then closed', async () => {
    const clock = countingClock()
    const { client: zk, states, reach } = await dropped({ renewExpiredSession: false, internals: { clock } })
    const second = await server().connection(2)
    await second.accept({ timeOut: 0, sessionId: 0n, passwd: Buffer.alloc(16) })
    await reach('closed')
    expect(states.map((s) => s.state)).toEqual(['connected', 'suspended', 'lost', 'closed'])
    expect(await rejectionOf(zk.exists('/a'))).toBeInstanceOf(SessionExpiredError)
    expect(server().connections).toHaveLength(2)
    expect(clock.live).toBe(0)
  })

  it('a ConnectResponse with another session id when resuming: one lost, then the new session', async () => {
    const { client: zk, states, reach } = await dropped()
    const second = await server().connection(2)
    const resume = await second.accept({ sessionId: 0x99n })
    expect(resume.sessionId).toBe(0x61n)
    const renewed = await reach('reconnected')
    expect(renewed).toMatchObject({ newSession: true, sessionId: 0x99n })
    expect(states.map((s) => s.state)).toEqual(['connected', 'suspended', 'lost', 'reconnected'])
    expect(zk.sessionId).toBe(0x99n)
    const after = zk.getData('/after')
    second.reply((await second.request(1)).xid, { body: getDataBody('x') })
    expect((await after).data.toString()).toBe('x')
  })

  it('a ConnectResponse with another session id and renewExpiredSession false: lost, then closed for good', async () => {
    const clock = countingClock()
    const { client: zk, states, reach } = await dropped({ renewExpiredSession: false, internals: { clock } })
    const second = await server().connection(2)
    await second.accept({ sessionId: 0x99n })
    await reach('closed')
    await second.whenClosed()
    expect(states.map((s) => s.state)).toEqual(['connected', 'suspended', 'lost', 'closed'])
    expect(zk.state).toBe('closed')
    expect(await rejectionOf(zk.exists('/a'))).toBeInstanceOf(SessionExpiredError)
    expect(clock.live).toBe(0) // no heartbeat left running for a connection that was never used
  })
})
