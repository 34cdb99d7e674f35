/**
 * The outgoing batch under pipelining (issue 14): with many requests unanswered, new ones are held
 * and go out together, but never more than the server still has to work on, so a group commit that
 * answers most of what is on the wire never leaves the server with nothing to read.
 */
import { describe, expect, it } from 'vitest'
import { HOLD_WHILE_UNANSWERED, holdOutgoing } from '../../src/session/config.js'
import { getDataBody } from '../support/fake-server.js'
import { useFakeServer } from './helpers.js'

const { server, client } = useFakeServer()

describe('holdOutgoing', () => {
  it('never holds while fewer than HOLD_WHILE_UNANSWERED requests are on the wire', () => {
    expect(holdOutgoing(0, 1)).toBe(false)
    expect(holdOutgoing(HOLD_WHILE_UNANSWERED - 1, 1)).toBe(false)
    expect(holdOutgoing(HOLD_WHILE_UNANSWERED, 1)).toBe(true)
  })

  it('holds at most as many requests as are on the wire', () => {
    expect(holdOutgoing(300, 299)).toBe(true)
    expect(holdOutgoing(300, 300)).toBe(false)
    expect(holdOutgoing(150, 200)).toBe(false)
  })
})

describe('a pipelined session', () => {
  it('holds new requests while many are unanswered, and sends them once they outnumber those on the wire', async () => {
    // A long session timeout: no ping (which flushes whatever is held) comes during the test.
    const { client: zk } = client({ sessionTimeout: 30_000 })
    const conn = await server().connection(1)
    await conn.accept({ timeOut: 30_000 })
    await zk.connected({ timeout: 5_000 })
    // 300 in one tick: nothing is on the wire yet, so they go out at the end of the tick.
    const first = Array.from({ length: 300 }, (_, i) => zk.getData(`/a${i}`))
    await conn.request(300)
    // 200 more while 300 are unanswered: held (200 < 300).
    const second = Array.from({ length: 200 }, (_, i) => zk.getData(`/b${i}`))
    for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve))
    expect(conn.requests.length).toBe(300)
    // 150 answers leave 150 on the wire, fewer than the 200 held: the batch goes, in one write
    // (the earlier rule would have held it until fewer than 128 were unanswered).
    for (const r of conn.requests.slice(0, 150)) conn.reply(r.xid, { body: getDataBody('x') })
    const last = await conn.request(500, 3_000)
    const chunks = new Set(conn.requests.slice(300).map((r) => r.chunk))
    expect(chunks.size).toBeLessThanOrEqual(2)
    expect(last.xid).toBe(conn.requests[0]!.xid + 499)
    for (const r of conn.requests.slice(150)) conn.reply(r.xid, { body: getDataBody('x') })
    const results = await Promise.all([...first, ...second])
    expect(results).toHaveLength(500)
    expect(results.every((r) => r.data.toString() === 'x')).toBe(true)
  })
})
