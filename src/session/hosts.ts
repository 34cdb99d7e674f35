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
 * ensemble), then walked round-robin, as the Java client's `StaticHostProvider` does.
 */
export class HostList {
  private readonly hosts: HostAddress[]
  private index = -1
  private attemptsInPass = 0
  private preferred: HostAddress | null = null

  constructor(hosts: readonly HostAddress[], random: () => number = Math.random) {
    this.hosts = [...hosts]
    for (let i = this.hosts.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1))
      ;[this.hosts[i], this.hosts[j]] = [this.hosts[j]!, this.hosts[i]!]
    }
  }

  /** Number of servers. */
  get size(): number {
    return this.hosts.length
  }

  /** The next server to try. */
  next(): HostAddress {
    const preferred = this.preferred
    if (preferred !== null) {
      this.preferred = null
      this.attemptsInPass++
      return preferred
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
    const i = this.hosts.findIndex((h) => h.host === host.host && h.port === host.port)
    if (i === -1) {
      this.preferred = host
    } else {
      this.preferred = null
      this.index = (i - 1 + this.hosts.length) % this.hosts.length
    }
  }

  /** True once every server has been tried since the last {@link connected}. */
  get exhaustedPass(): boolean {
    return this.attemptsInPass >= this.hosts.length
  }

  /** Records a successful connection: the next failure starts a fresh pass. */
  connected(): void {
    this.attemptsInPass = 0
  }
}

/** Formats a host for messages and `net.connect`. */
export function formatHost({ host, port }: HostAddress): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`
}
