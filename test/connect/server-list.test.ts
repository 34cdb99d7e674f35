/**
 * updateServerList with the Java client's probabilistic rebalancing. 100 real sessions on a
 * 3-server list move to a 5-server one: five FaultProxies in front of the shared real server give
 * five distinct addresses for one ensemble, so a session that moves resumes on its new address.
 * Also the HostList rules on their own (fixed randomness), the argument checks, and followConfig.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ClientClosedError, InvalidArgumentError, createClient, parseConfigServers } from '../../src/index.js'
import { HostList } from '../../src/session/hosts.js'
import { FaultProxy } from '../../src/testing/index.js'
import { sharedServer } from '../support/zk.js'
import { useClients } from '../tls/helpers.js'

const client = useClients()
let proxies: FaultProxy[] = []

beforeAll(async () => {
  proxies = await Promise.all(Array.from({ length: 5 }, () => FaultProxy.start({ upstream: sharedServer() })))
})
afterAll(async () => {
  await Promise.all(proxies.map((p) => p.close()))
})

const h = (port: number): { host: string; port: number } => ({ host: '127.0.0.1', port })

describe('updateServerList', () => {
  it('moves the expected share of 100 sessions from 3 servers to the 2 added ones, and only those reconnect', { timeout: 60_000 }, async () => {
    const SESSIONS = 100
    const three = proxies.slice(0, 3).map((p) => p.address).join(',')
    const five = proxies.map((p) => p.address).join(',')
    const added = new Set(proxies.slice(3).map((p) => p.address))
    const clients = Array.from({ length: SESSIONS }, () => client(three, { sessionTimeout: 20_000 }))
    await Promise.all(clients.map((c) => c.connected({ timeout: 30_000 })))
    const before = clients.map((c) => ({ server: c.currentServer, session: c.sessionId }))
    const suspended = clients.map(() => 0)
    clients.forEach((c, i) => c.on('state', (change) => { if (change.state === 'suspended') suspended[i]!++ }))

    const moved = clients.map((c) => c.updateServerList(five))
    const movers = clients.filter((_, i) => moved[i])
    await Promise.all(movers.map((c) => c.connected({ timeout: 30_000 })))

    // Each session on a server that stays moves with probability 1 - 3/5 = 0.4: the count of
    // movers is Binomial(100, 0.4), mean 40, standard deviation sqrt(100 * 0.4 * 0.6) ≈ 4.9.
    // [15, 65] is more than 5 standard deviations each side: a false failure about 1 run in 10^6.
    const count = movers.length
    expect(count).toBeGreaterThanOrEqual(15)
    expect(count).toBeLessThanOrEqual(65)
    clients.forEach((c, i) => {
      expect(c.sessionId).toBe(before[i]!.session) // every session resumed, none lost
      if (moved[i]) {
        expect(added.has(c.currentServer!)).toBe(true) // movers go to the added servers
        expect(suspended[i]).toBe(1)
      } else {
        expect(c.currentServer).toBe(before[i]!.server) // the others keep their connection: no storm
        expect(suspended[i]).toBe(0)
      }
    })
    // The two added servers share the movers: each gets Binomial(count, 1/2); 5 sd bounds again.
    const onFourth = clients.filter((c, i) => moved[i] && c.currentServer === proxies[3]!.address).length
    const sd = Math.sqrt(count / 4)
    expect(Math.abs(onFourth - count / 2)).toBeLessThanOrEqual(Math.max(5 * sd, 1))
    await clients[0]!.getChildren('/')
  })

  it('a session whose server leaves the list always moves, to a server of the new list', async () => {
    const zk = client(proxies.slice(0, 3).map((p) => p.address).join(','))
    await zk.connected({ timeout: 10_000 })
    const session = zk.sessionId
    const remaining = proxies.map((p) => p.address).filter((a) => a !== zk.currentServer).slice(0, 2)
    expect(zk.updateServerList(remaining.join(','))).toBe(true)
    await zk.connected({ timeout: 10_000 })
    expect(remaining).toContain(zk.currentServer)
    expect(zk.sessionId).toBe(session)
  })

  it('refuses another chroot or a bad string, and fails on a closed client', async () => {
    const zk = client(`${proxies[0]!.address}/app`)
    expect(() => zk.updateServerList(`${proxies[1]!.address}/other`)).toThrow(InvalidArgumentError)
    expect(() => zk.updateServerList('')).toThrow(InvalidArgumentError)
    expect(() => zk.updateServerList(42 as never)).toThrow(InvalidArgumentError)
    expect(zk.updateServerList(`${proxies[0]!.address},${proxies[1]!.address}/app`)).toBeTypeOf('boolean')
    await zk.close()
    expect(() => zk.updateServerList(proxies[0]!.address)).toThrow(ClientClosedError)
  })
})

describe('HostList rebalancing rules (StaticHostProvider)', () => {
  it('grown list, my server kept: moves iff random() <= 1 - old/new, then tries the added servers first', () => {
    for (const [r, expected] of [[0.39, true], [0.41, false]] as const) {
      let calls = 0
      // Calls 0-1 shuffle the 3 hosts, 2-5 the 5 new ones; call 6 decides the move.
      const list = new HostList([h(1), h(2), h(3)], () => (calls++ === 6 ? r : 0.5))
      const current = list.next()
      list.connected()
      expect(list.update([h(1), h(2), h(3), h(4), h(5)], current)).toBe(expected)
      if (expected) expect([4, 5]).toContain(list.next().port)
      else expect(list.next().port).not.toBe(current.port)
    }
  })

  it('shrunk list, my server kept: never moves; my server gone: always moves, to a remaining one', () => {
    const list = new HostList([h(1), h(2), h(3), h(4), h(5)], () => 0)
    expect(list.update([h(1), h(2), h(3)], h(2))).toBe(false)
    const other = new HostList([h(1), h(2), h(3), h(4), h(5)], () => 0.3)
    expect(other.update([h(1), h(2), h(3)], h(5))).toBe(true)
    expect([1, 2, 3]).toContain(other.next().port)
    expect(() => other.update([], h(1))).toThrow(InvalidArgumentError)
  })

  it('after a move, every candidate is tried once, then the plain round-robin resumes', () => {
    const list = new HostList([h(1), h(2)], () => 0)
    expect(list.update([h(1), h(2), h(3), h(4)], h(1))).toBe(true)
    const tried = [list.next(), list.next(), list.next(), list.next()].map((a) => a.port)
    expect(tried.slice(0, 2).sort()).toEqual([3, 4])
    expect(tried.slice(2).sort()).toEqual([1, 2])
    expect(new Set(Array.from({ length: 8 }, () => list.next().port))).toEqual(new Set([1, 2, 3, 4]))
  })
})

describe('followConfig', () => {
  it('parseConfigServers reads the client address of every server line', () => {
    const config = [
      'server.1=10.0.0.1:2888:3888:participant;0.0.0.0:2181',
      'server.2=zk2.example:2888:3888:observer;10.0.0.2:2182',
      'server.3=[fe80::1]:2888:3888:participant;[::]:2183',
      'server.4=10.0.0.4:2888:3888:participant',
      'server.5=10.0.0.5:2888:3888;2185',
      'server.6=10.0.0.6:2888:3888;10.0.0.6:99999',
      'version=100000000',
    ].join('\n')
    expect(parseConfigServers(config)).toEqual([
      { host: '10.0.0.1', port: 2181 },
      { host: '10.0.0.2', port: 2182 },
      { host: 'fe80::1', port: 2183 },
      { host: '10.0.0.5', port: 2185 },
    ])
    expect(parseConfigServers('')).toEqual([])
  })

  it('on a static ensemble (no client addresses in its config) the server list is left alone', async () => {
    const zk = client(sharedServer(), { followConfig: true })
    await zk.connected({ timeout: 10_000 })
    await zk.getChildren('/')
    expect(zk.currentServer).toBe(sharedServer())
    expect(() => createClient(sharedServer(), { followConfig: 'yes' as never })).toThrow(InvalidArgumentError)
  })
})

describe('updateServerList before the first connection', () => {
  it('an attempt in progress to a server that left the list is dropped quietly and the new list is used', async () => {
    const silentProxy = await FaultProxy.start({ upstream: sharedServer() })
    try {
      silentProxy.blackhole() // the attempt hangs: TCP up, no ConnectResponse
      const zk = client(silentProxy.address, { connectTimeout: 30_000 })
      await silentProxy.nextConnection()
      expect(zk.updateServerList(proxies[0]!.address)).toBe(true)
      await zk.connected({ timeout: 10_000 })
      expect(zk.currentServer).toBe(proxies[0]!.address)
      expect(zk.state).toBe('connected')
    } finally {
      await silentProxy.close()
    }
  })
})
