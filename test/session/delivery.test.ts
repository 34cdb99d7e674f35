/**
 * One ordered delivery: replies and watch events reach the application in the order the server
 * sent them, whether they come in one TCP chunk or several, as the Java client's EventThread
 * guarantees. "Reaching the application" for a reply means the caller's code after `await` ran.
 */
import { describe, expect, it } from 'vitest'
import { getDataBody, replyFrame } from '../support/fake-server.js'
import { chrootClient } from '../support/zk.js'
import { useFakeServer } from './helpers.js'

const NONODE = -101
const { server, client } = useFakeServer()

/** A NodeCreated/NodeDataChanged notification frame (xid -1) for `path`. */
function notification(type: number, path: string): Buffer {
  const p = Buffer.from(path)
  const body = Buffer.alloc(12 + p.length)
  body.writeInt32BE(type, 0)
  body.writeInt32BE(3, 4) // SyncConnected
  body.writeInt32BE(p.length, 8)
  p.copy(body, 12)
  return replyFrame(-1, { body })
}

/** Resolves once `order` has `n` entries (checked every turn; bounded by the test's timeout). */
async function settledTo(order: string[], n: number): Promise<void> {
  while (order.length < n) await new Promise((resolve) => setImmediate(resolve))
}

async function connectedPair() {
  const tracked = client()
  const conn = await server().connection(1)
  await conn.accept()
  await tracked.client.connected({ timeout: 5_000 })
  return { zk: tracked.client, conn }
}

describe('replies and events in wire order', () => {
  it('a reply then a notification in one write: the caller continues before the watcher runs', async () => {
    const { zk, conn } = await connectedPair()
    const order: string[] = []
    const done = zk.exists('/n', { watcher: () => order.push('event') }).then(() => order.push('reply'))
    const req = await conn.request(1)
    conn.write(Buffer.concat([replyFrame(req.xid, { err: NONODE }), notification(1, '/n')]))
    await done
    await settledTo(order, 2)
    expect(order).toEqual(['reply', 'event'])
  })

  it('a notification then a reply in one write: the watcher runs before the caller continues', async () => {
    const { zk, conn } = await connectedPair()
    const order: string[] = []
    const watched = zk.getData('/w', { watcher: () => order.push('event') })
    conn.reply((await conn.request(1)).xid, { body: getDataBody('v1') })
    await watched
    const read = zk.getData('/other').then(() => order.push('reply'))
    const req = await conn.request(2)
    conn.write(Buffer.concat([notification(3, '/w'), replyFrame(req.xid, { body: getDataBody('x') })]))
    await read
    expect(order).toEqual(['event', 'reply'])
  })

  it('reply, event, reply, event in one write are delivered in that order', async () => {
    const { zk, conn } = await connectedPair()
    const order: string[] = []
    const a = zk.exists('/a', { watcher: () => order.push('event a') }).then(() => order.push('reply a'))
    const b = zk.exists('/b', { watcher: () => order.push('event b') }).then(() => order.push('reply b'))
    const ra = await conn.request(1)
    const rb = await conn.request(2)
    conn.write(Buffer.concat([replyFrame(ra.xid, { err: NONODE }), notification(1, '/a'), replyFrame(rb.xid, { err: NONODE }), notification(1, '/b')]))
    await Promise.all([a, b])
    await settledTo(order, 4)
    expect(order).toEqual(['reply a', 'event a', 'reply b', 'event b'])
  })

  it('a reply and a notification in two writes keep their order too', async () => {
    const { zk, conn } = await connectedPair()
    const order: string[] = []
    const done = zk.exists('/n', { watcher: () => order.push('event') }).then(() => order.push('reply'))
    const req = await conn.request(1)
    conn.reply(req.xid, { err: NONODE })
    conn.notify(1, 3, '/n')
    await done
    await settledTo(order, 2)
    expect(order).toEqual(['reply', 'event'])
  })
})

describe('on a real server', () => {
  it('exists with a watch, then create of that node in the same tick: exists resolves, then the watcher, then create', async () => {
    const { client: zk } = await chrootClient()
    const order: string[] = []
    // The server answers exists, fires NodeCreated while applying the create, then answers create.
    const watched = zk.exists('/n', { watcher: (e) => order.push(`event ${e.type}`) }).then(() => order.push('exists'))
    const created = zk.create('/n', 'x').then(() => order.push('create'))
    await Promise.all([watched, created])
    await settledTo(order, 3)
    expect(order).toEqual(['exists', 'event NodeCreated', 'create'])
  })

  it('setData by the watcher\'s own client: the event comes before the reply', async () => {
    const { client: zk } = await chrootClient()
    await zk.create('/d', 'v0')
    const order: string[] = []
    await zk.getData('/d', { watcher: (e) => order.push(`event ${e.type}`) })
    await zk.setData('/d', 'v1').then(() => order.push('setData'))
    expect(order).toEqual(['event NodeDataChanged', 'setData'])
  })
})
