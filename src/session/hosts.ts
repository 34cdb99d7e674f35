/**
 * Connect strings and the order in which servers are tried.
 */
import { InvalidArgumentError } from '../common/errors.js'
import { validatePath } from '../common/paths.js'

/** One server address from a connect string. */
export interface HostAddress {
  /** Host name or IP address (IPv6 without brackets). */
  host: string
  /** TCP port. */
  port: number
}

/** A parsed connect string. */
export interface ConnectString {
  /** The servers, in the order written. */
  hosts: HostAddress[]
  /** The chroot suffix (`/app` in `h1:2181,h2:2181/app`), or `''` for none. */
  chroot: string
}

const DEFAULT_PORT = 2181

/**
 * Parses `host[:port][,host[:port]...][/chroot]`, with IPv6 hosts in brackets (`[::1]:2181`).
 * @throws InvalidArgumentError when the string is empty or a host or port is malformed.
 */
export function parseConnectString(connectString: string): ConnectString {
  if (typeof connectString !== 'string' || connectString.trim() === '') {
    throw new InvalidArgumentError('connect string must be a non-empty string like "127.0.0.1:2181" or "h1:2181,h2:2181/chroot"')
  }
  const slash = findChrootStart(connectString)
  const hostPart = slash === -1 ? connectString : connectString.slice(0, slash)
  let chroot = slash === -1 ? '' : connectString.slice(slash)
  if (chroot === '/') chroot = ''
  if (chroot !== '') validatePath(chroot, 'chroot')
  const hosts = hostPart
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .map((s) => parseHost(s, connectString))
  if (hosts.length === 0) throw new InvalidArgumentError(`connect string "${connectString}" names no host`)
  return { hosts, chroot }
}

/** Index of the `/` that starts the chroot, ignoring the insides of `[...]` IPv6 literals. */
function findChrootStart(s: string): number {
  let inBrackets = false
  for (let i = 0; i < s.length; i++) {
    const c = s[i]
    if (c === '[') inBrackets = true
    else if (c === ']') inBrackets = false
    else if (c === '/' && !inBrackets) return i
  }
  return -1
}

function parseHost(entry: string, whole: string): HostAddress {
  let host: string
  let portText: string | undefined
  if (entry.startsWith('[')) {
    const close = entry.indexOf(']')
    if (close === -1) throw new InvalidArgumentError(`unclosed "[" in host "${entry}" of connect string "${whole}"`)
    host = entry.slice(1, close)
    const rest = entry.slice(close + 1)
    if (rest !== '' && !rest.startsWith(':')) throw new InvalidArgumentError(`unexpected "${rest}" after "${entry.slice(0, close + 1)}" in connect string "${whole}"`)
    portText = rest === '' ? undefined : rest.slice(1)
  } else {
    const colons = entry.split(':').length - 1
    if (colons > 1) throw new InvalidArgumentError(`IPv6 host "${entry}" must be written in brackets, e.g. "[::1]:2181"`)
    const colon = entry.indexOf(':')
    host = colon === -1 ? entry : entry.slice(0, colon)
    portText = colon === -1 ? undefined : entry.slice(colon + 1)
  }
  if (host === '') throw new InvalidArgumentError(`empty host in connect string "${whole}"`)
  const port = portText === undefined ? DEFAULT_PORT : Number(portText)
  if (!Number.isInteger(port) || port < 1 || port > 65535 || !/^\d+$/.test(portText ?? '2181')) {
    throw new InvalidArgumentError(`bad port "${portText}" for host "${host}" in connect string "${whole}"`)
  }
  return { host, port }
}

/**
 * Hands out servers to connect to: the list is shuffled once (so clients spread over the
 * ensemble), then walked round-robin, as the Java client's `StaticHostProvider` does. The list
 * can be replaced ({@link update}) with the same probabilistic rebalancing as the Java client.
 */
export class HostList {
  private hosts: HostAddress[]
  private index = -1
  private attemptsInPass = 0
  private preferred: HostAddress | null = null
  private readonly random: () => number
  /** After an {@link update} that asks to move: the servers to try first, and their odds. */
  private reconfig: { newServers: HostAddress[]; oldServers: HostAddress[]; pNew: number; nextNew: number; nextOld: number } | null = null

  constructor(hosts: readonly HostAddress[], random: () => number = Math.random) {
    this.random = random
    this.hosts = shuffle(hosts, random)
  }

  /** Number of servers. */
  get size(): number {
    return this.hosts.length
  }

  /** The servers, in the order they are tried. */
  get list(): readonly HostAddress[] {
    return this.hosts
  }

  /** The next server to try. */
  next(): HostAddress {
    const preferred = this.preferred
    if (preferred !== null) {
      this.preferred = null
      this.attemptsInPass++
      return preferred
    }
    const moved = this.nextInReconfig()
    if (moved !== null) {
      this.index = this.hosts.findIndex((h) => sameHost(h, moved))
      this.attemptsInPass++
      return moved
    }
    this.index = (this.index + 1) % this.hosts.length
    this.attemptsInPass++
    return this.hosts[this.index]!
  }

  /**
   * Makes `host` the next server {@link next} returns, once (a read-write server found while
   * connected to a read-only one). The round-robin then carries on after it.
   */
  prefer(host: HostAddress): void {
    const i = this.hosts.findIndex((h) => sameHost(h, host))
    if (i === -1) {
      this.preferred = host
    } else {
      this.preferred = null
      this.index = (i - 1 + this.hosts.length) % this.hosts.length
    }
  }

  /**
   * Replaces the server list and decides, as `StaticHostProvider.updateServerList` does, whether a
   * session on `current` (null when not connected) should move so that load evens out over the
   * new list: when the list grows and `current` stays in it, with probability 1 - old/new size,
   * to one of the added servers; when `current` left the list, always (to an added server if the
   * list grew, else by odds that keep the remaining servers even). Returns true to move: the
   * caller then drops its connection and {@link next} hands out the chosen servers first.
   */
  update(hosts: readonly HostAddress[], current: HostAddress | null): boolean {
    if (hosts.length === 0) throw new InvalidArgumentError('the new server list names no host')
    const shuffled = shuffle(hosts, this.random)
    const previous = this.hosts
    const mine = current ?? previous[Math.max(0, this.index)] ?? null
    const inNew = mine !== null && shuffled.some((h) => sameHost(h, mine))
    const oldServers = shuffled.filter((h) => previous.some((p) => sameHost(p, h)))
    const newServers = shuffled.filter((h) => !previous.some((p) => sameHost(p, h)))
    let pNew = 0
    let move: boolean
    if (shuffled.length > previous.length) {
      // Grown: a share of 1 - old/new of the sessions on each old server moves to the added ones.
      move = inNew ? this.random() <= 1 - previous.length / shuffled.length : true
      pNew = 1
    } else if (inNew) {
      // Same size or shrunk, and my server stays: the others' sessions come to it.
      move = false
    } else {
      move = true
      const numOld = oldServers.length
      const numNew = newServers.length
      const total = numOld + numNew
      // StaticHostProvider: the share of moved sessions an old server takes so all end even.
      const pOld = previous.length === numOld ? 1 : (numOld * (previous.length - total)) / (total * (previous.length - numOld))
      pNew = 1 - pOld
    }
    this.hosts = shuffled
    this.preferred = null
    this.attemptsInPass = 0
    if (move) {
      this.reconfig = { newServers, oldServers, pNew, nextNew: 0, nextOld: 0 }
      this.index = -1
    } else {
      this.reconfig = null
      this.index = mine === null ? -1 : shuffled.findIndex((h) => sameHost(h, mine))
    }
    return move
  }

  /** True once every server has been tried since the last {@link connected}. */
  get exhaustedPass(): boolean {
    return this.attemptsInPass >= this.hosts.length
  }

  /** Records a successful connection: the next failure starts a fresh pass. */
  connected(): void {
    this.attemptsInPass = 0
    this.reconfig = null
  }

  /** While moving after an update: a new server with probability pNew (or once the old ones are tried), else an old one. */
  private nextInReconfig(): HostAddress | null {
    const r = this.reconfig
    if (r === null) return null
    const takeNew = this.random() <= r.pNew
    if (r.nextNew < r.newServers.length && (takeNew || r.nextOld >= r.oldServers.length)) return r.newServers[r.nextNew++]!
    if (r.nextOld < r.oldServers.length) return r.oldServers[r.nextOld++]!
    this.reconfig = null // every candidate tried: back to the plain round-robin
    return null
  }
}

/** True when two addresses name the same server. */
export function sameHost(a: HostAddress, b: HostAddress): boolean {
  return a.port === b.port && a.host.toLowerCase() === b.host.toLowerCase()
}

function shuffle(hosts: readonly HostAddress[], random: () => number): HostAddress[] {
  const out = [...hosts]
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1))
    ;[out[i], out[j]] = [out[j]!, out[i]!]
  }
  return out
}

/** Formats a host for messages and `net.connect`. */
export function formatHost({ host, port }: HostAddress): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`
}
