/**
 * The SASL exchange against a scripted server: it runs first on every connection, holds other
 * requests until it completes, starts over after a lost connection, and closes the client when the
 * server refuses or fails to prove it knows the password.
 */
import { describe, expect, it } from 'vitest'
import { AuthFailedError } from '../../src/index.js'
import { parseChallenge, parseDirectives, respondToChallenge } from '../../src/session/sasl-digest-md5.js'
import { type FakeConnection, Op, type RequestSeen, getDataBody } from '../support/fake-server.js'
import { rejectionOf, useFakeServer } from './helpers.js'

const { server, client } = useFakeServer()

const SASL = 102
const ALICE = { mechanism: 'DIGEST-MD5', username: 'alice', password: 'pw' } as const
const CHALLENGE = 'realm="zk-sasl-md5",nonce="n0nce",charset=utf-8,algorithm=md5-sess'

function tokenOf(req: RequestSeen): Buffer {
  const length = req.body.readInt32BE(0)
  return length < 0 ? Buffer.alloc(0) : req.body.subarray(4, 4 + length)
}

function tokenBody(token: string | null): Buffer {
  if (token === null) return Buffer.from([0xff, 0xff, 0xff, 0xff])
  const bytes = Buffer.from(token)
  const length = Buffer.alloc(4)
  length.writeInt32BE(bytes.length)
  return Buffer.concat([length, bytes])
}

/** The rspauth a server that knows `password` sends for the client's digest-response. */
function rspauthFor(response: Buffer, password: string): string {
  const fields = new Map(parseDirectives(response.toString()))
  const { expectedRspauth } = respondToChallenge(parseChallenge(CHALLENGE), {
    username: fields.get('username')!,
    password,
    digestUri: fields.get('digest-uri')!,
    cnonce: fields.get('cnonce')!,
  })
  return `rspauth=${expectedRspauth}`
}

/** Plays the server's side of the exchange from request `first` on; returns the next request index. */
async function serveSasl(conn: FakeConnection, first: number, password = 'pw'): Promise<number> {
  const initial = await conn.request(first)
  expect(initial.opcode).toBe(SASL)
  expect(tokenOf(initial).length).toBe(0)
  conn.reply(initial.xid, { body: tokenBody(CHALLENGE) })
  const response = await conn.request(first + 1)
  expect(response.opcode).toBe(SASL)
  expect(response.xid).toBe(initial.xid + 1)
  conn.reply(response.xid, { body: tokenBody(rspauthFor(tokenOf(response), password)) })
  return first + 2
}

describe('SASL exchange', () => {
  it('on a reconnect with credentials and armed watches, sends only SASL until it completes, then auth, SetWatches, queued requests', async () => {
    const tracked = client({ sasl: ALICE })
    const zk = tracked.client
    const first = await server().connection(1)
    await first.accept({ sessionId: 0x5an })
    const afterSasl = await serveSasl(first, 1)
    const auth = zk.addAuth('digest', 'u:p')
    await first.until(() => first.frames.some((f) => f.xid === -4), 5_000, 'the auth packet')
    first.reply(-4)
    await auth
    const watched = zk.watchData('/w')
    first.reply((await first.request(afterSasl + 1)).xid, { zxid: 0x10n, body: getDataBody('v1') })
    const { changed } = await watched
    first.destroy()
    await tracked.reach('suspended')
    const queued = zk.getData('/q')
    const second = await server().connection(2)
    expect((await second.accept()).sessionId).toBe(0x5an)
    // The exchange alone, answered at once as a real server does: nothing else may be on the wire yet.
    const initial = await second.request(1)
    expect(second.frames.map((f) => f.opcode)).toEqual([SASL])
    second.reply(initial.xid, { body: tokenBody(CHALLENGE) })
    const response = await second.request(2)
    expect(second.frames.filter((f) => f.opcode !== Op.ping).map((f) => f.opcode)).toEqual([SASL, SASL])
    second.reply(response.xid, { body: tokenBody(rspauthFor(tokenOf(response), 'pw')) })
    await second.until(() => second.frames.filter((f) => f.opcode !== Op.ping).length >= 5, 5_000, 'auth, SetWatches and the queued request')
    const rest = second.frames.filter((f) => f.opcode !== Op.ping).slice(2)
    expect(rest.map((f) => [f.xid === -4 ? 'auth' : f.opcode === Op.setWatches ? 'setWatches' : f.opcode === Op.getData ? 'getData' : f.opcode])).toEqual([['auth'], ['setWatches'], ['getData']])
    second.reply(-4)
    second.reply(rest[1]!.xid)
    second.notify(3, 3, '/w')
    second.reply(rest[2]!.xid, { body: getDataBody('q') })
    expect((await queued).data.toString()).toBe('q')
    expect(await changed).toMatchObject({ type: 'NodeDataChanged', path: '/w' })
    expect(tracked.states.map((s) => s.state)).toEqual(['connected', 'suspended', 'reconnected'])
    expect(second.closed).toBe(false)
  })

  it('goes first, and requests wait until the server proved itself', async () => {
    const { client: zk } = client({ sasl: ALICE })
    const conn = await server().connection(1)
    await conn.accept()
    await zk.connected({ timeout: 5_000 })
    const read = zk.getData('/x')
    const initial = await conn.request(1)
    conn.reply(initial.xid, { body: tokenBody(CHALLENGE) })
    const response = await conn.request(2)
    const fields = new Map(parseDirectives(tokenOf(response).toString()))
    expect(fields.get('digest-uri')).toBe('zookeeper/zk-sasl-md5')
    expect(fields.get('username')).toBe('alice')
    await new Promise((resolve) => setTimeout(resolve, 50))
    expect(conn.requests.map((r) => r.opcode)).toEqual([SASL, SASL]) // getData still held
    conn.reply(response.xid, { body: tokenBody(rspauthFor(tokenOf(response), 'pw')) })
    const get = await conn.request(3)
    expect(get.opcode).toBe(Op.getData)
    conn.reply(get.xid, { body: getDataBody('ok') })
    expect((await read).data.toString()).toBe('ok')
  })

  it('starts over on the next connection when the connection drops mid-exchange; held requests survive', async () => {
    const tracked = client({ sasl: ALICE })
    const zk = tracked.client
    const read = zk.getData('/x')
    const first = await server().connection(1)
    await first.accept()
    const initial = await first.request(1)
    first.reply(initial.xid, { body: tokenBody(CHALLENGE) })
    await first.request(2)
    first.destroy()
    await tracked.reach('suspended')
    const second = await server().connection(2)
    await second.accept()
    const next = await serveSasl(second, 1)
    const get = await second.request(next)
    expect(get.opcode).toBe(Op.getData)
    second.reply(get.xid, { body: getDataBody('after') })
    expect((await read).data.toString()).toBe('after')
  })

  it('AUTHFAILED from the server: held requests and the client fail with AuthFailedError', async () => {
    const tracked = client({ sasl: ALICE })
    const read = tracked.client.getData('/x')
    const conn = await server().connection(1)
    await conn.accept()
    const initial = await conn.request(1)
    conn.reply(initial.xid, { body: tokenBody(CHALLENGE) })
    const response = await conn.request(2)
    conn.reply(response.xid, { err: -115, body: tokenBody(null) })
    expect(await rejectionOf(read)).toBeInstanceOf(AuthFailedError)
    await tracked.reach('closed')
    await conn.whenClosed()
    expect(conn.requests.map((r) => r.opcode)).toEqual([SASL, SASL])
  })

  it('a server that does not know the password (wrong rspauth) is refused', async () => {
    const tracked = client({ sasl: ALICE })
    const read = tracked.client.getData('/x')
    const conn = await server().connection(1)
    await conn.accept()
    const initial = await conn.request(1)
    conn.reply(initial.xid, { body: tokenBody(CHALLENGE) })
    const response = await conn.request(2)
    conn.reply(response.xid, { body: tokenBody(rspauthFor(tokenOf(response), 'other')) })
    const error = await rejectionOf(read)
    expect(error).toBeInstanceOf(AuthFailedError)
    expect((error as Error).message).toContain('rspauth')
    await tracked.reach('closed')
  })

  it('close() during the exchange waits for it, then sends the held requests and closeSession', async () => {
    const { client: zk } = client({ sasl: ALICE })
    const conn = await server().connection(1)
    conn.autoClose = false
    await conn.accept()
    await zk.connected({ timeout: 5_000 })
    const read = zk.getData('/x')
    const initial = await conn.request(1)
    const closed = zk.close()
    conn.reply(initial.xid, { body: tokenBody(CHALLENGE) })
    const response = await conn.request(2)
    conn.reply(response.xid, { body: tokenBody(rspauthFor(tokenOf(response), 'pw')) })
    const get = await conn.request(3)
    const close = await conn.request(4)
    expect([get.opcode, close.opcode]).toEqual([Op.getData, Op.closeSession])
    conn.reply(get.xid, { body: getDataBody('last') })
    conn.reply(close.xid)
    expect((await read).data.toString()).toBe('last')
    await closed
  })
})
