/**
 * Connect strings as users write them, and the order servers are tried in.
 */
import { describe, expect, it } from 'vitest'
import { InvalidArgumentError, createClient } from '../../src/index.js'
import { HostList, formatHost, parseConnectString } from '../../src/session/hosts.js'

describe('connect strings', () => {
  it('reads several hosts, default ports and a chroot', () => {
    expect(parseConnectString('zk1:2181,zk2,zk3:2182/app/prod')).toEqual({
      hosts: [
        { host: 'zk1', port: 2181 },
        { host: 'zk2', port: 2181 },
        { host: 'zk3', port: 2182 },
      ],
      chroot: '/app/prod',
    })
  })

  it('reads IPv6 hosts in brackets, with and without a port, next to IPv4 ones', () => {
    const parsed = parseConnectString('[::1]:2181,[fe80::1%eth0],127.0.0.1:2182/c')
    expect(parsed.hosts).toEqual([
      { host: '::1', port: 2181 },
      { host: 'fe80::1%eth0', port: 2181 },
      { host: '127.0.0.1', port: 2182 },
    ])
    expect(parsed.chroot).toBe('/c')
    expect(formatHost(parsed.hosts[0]!)).toBe('[::1]:2181')
  })

  it('treats a chroot of "/" as none', () => {
    expect(parseConnectString('127.0.0.1:2181/').chroot).toBe('')
  })

  it.each([
    ['', /non-empty/],
    [',', /names no host/],
    ['::1:2181', /in brackets/],
    ['[::1:2181', /unclosed/],
    ['[::1]x', /unexpected/],
    ['zk1:0', /bad port/],
    ['zk1:65536', /bad port/],
    ['zk1:21a', /bad port/],
    ['zk1:2181/app/', /invalid chroot/],
    ['zk1:2181/a//b', /invalid chroot/],
  ])('refuses %j with a message that says what is wrong', (text, message) => {
    expect(() => parseConnectString(text)).toThrow(InvalidArgumentError)
    expect(() => parseConnectString(text)).toThrow(message)
  })

  it('createClient reports a bad connect string as InvalidArgumentError before any connection', () => {
    expect(() => createClient('zk1:notaport')).toThrow(InvalidArgumentError)
  })
})

describe('host order', () => {
  const hosts = [1, 2, 3, 4, 5].map((n) => ({ host: `zk${n}`, port: 2181 }))

  it('shuffles once, then walks the list round-robin', () => {
    const list = new HostList(hosts, () => 0)
    const firstPass = hosts.map(() => formatHost(list.next()))
    const secondPass = hosts.map(() => formatHost(list.next()))
    expect(new Set(firstPass).size).toBe(hosts.length)
    expect(secondPass).toEqual(firstPass)
    expect(firstPass).not.toEqual(hosts.map(formatHost)) // a random source of 0 moves every host
  })

  it('spreads clients: different random sources give different first servers', () => {
    const firsts = new Set([0, 0.25, 0.5, 0.75, 0.99].map((r) => formatHost(new HostList(hosts, () => r).next())))
    expect(firsts.size).toBeGreaterThan(1)
  })
})
