/**
 * Backoff after every drop: a server that accepts the handshake and then closes the connection is
 * retried with a jittered, growing delay, never in a hot loop; only a connection that stayed up a
 * while starts the delay over.
 */
import { describe, expect, it } from 'vitest'
import { Backoff } from '../../src/session/attempts.js'
import type { FakeConnection } from '../support/fake-server.js'
import { useFakeServer } from './helpers.js'

const { server, client } = useFakeServer()

describe('handshake, then drop', () => {
  it('waits a growing delay before each reconnect (random 0.999: the ceiling, nearly), up to the maximum', async () => {
    const fake = server()
    fake.onConnection = (conn: FakeConnection) => {
      void conn.accept().then(() => setImmediate(() => conn.destroy()))
    }
    client({ reconnectDelay: { initialMs: 20, maxMs: 160 }, internals: { random: () => 0.999 } })
    const conns = await Promise.all([1, 2, 3, 4, 5, 6].map((n) => fake.connection(n, 5_000)))
    await Promise.all(conns.map((c) => c.connectRequest()))
    const gaps = conns.slice(1).map((c, i) => c.handshakeAt! - conns[i]!.closedAt!)
    const ceilings = [20, 40, 80, 160, 160]
    gaps.forEach((gap, i) => expect(gap).toBeGreaterThanOrEqual(Math.floor(ceilings[i]! * 0.999) - 3))
  })

  it('makes at most a handful of attempts per second with the default delays (50 ms doubling to 1 s)', async () => {
    const fake = server()
    fake.onConnection = (conn: FakeConnection) => {
      void conn.accept().then(() => setImmediate(() => conn.destroy()))
    }
    client({ reconnectDelay: { initialMs: 50, maxMs: 1_000 }, internals: { random: () => 0.999 } })
    const first = await fake.connection(1)
    await first.connectRequest()
    const fifth = await fake.connection(5)
    await fifth.connectRequest()
    // Delays of ~50, 100, 200 and 400 ms between the five: under 6 attempts a second; a hot loop makes hundreds.
    const perSecond = (4 * 1_000) / (fifth.handshakeAt! - first.handshakeAt!)
    expect(perSecond).toBeLessThan(6)
  })
})

describe('Backoff', () => {
  it('grows with every failure, full jitter, and starts over after a connection that stayed up', () => {
    let r = 1
    const backoff = new Backoff({ initialMs: 10, maxMs: 100 }, () => r)
    const ceilings: number[] = []
    for (let i = 0; i < 6; i++) {
      backoff.failed()
      ceilings.push(backoff.next())
    }
    expect(ceilings).toEqual([10, 20, 40, 80, 100, 100])
    backoff.failed(backoff.stableMs)
    expect(backoff.next()).toBe(10)
    r = 0.5
    backoff.failed(5)
    expect(backoff.next()).toBe(10)
    r = 0
    expect(backoff.next()).toBe(0)
  })
})
