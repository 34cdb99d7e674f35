/**
 * ZooKeeper's four-letter words: a command of four ASCII letters sent on a fresh connection to
 * the client port, answered with text, after which the server closes the connection. They tell
 * whether a server is up (`ruok`), its role and counters (`srvr`, `mntr`), whether it is read-only
 * (`isro`) and who is connected (`cons`), and need no session.
 *
 * A reply is accepted only when it is ZooKeeper's: a refused word (outside the server's
 * `4lw.commands.whitelist`) and text that no ZooKeeper would send (another service on the port)
 * reject with a {@link FourLetterWordError} instead of resolving to text.
 */
import { type Socket, connect as connectTcp } from 'node:net'
import { type ConnectionOptions, connect as connectTls } from 'node:tls'
import { checkOptions, checkPositiveDuration, checkSignal, describe } from '../common/check.js'
import { InvalidArgumentError } from '../common/errors.js'
import { parseConnectString } from '../session/hosts.js'

/** The four-letter words of ZooKeeper 3.5 to 3.9 (`stmk`, which takes an argument, is left out). */
export type FourLetterWord =
  | 'conf' | 'cons' | 'crst' | 'dirs' | 'dump' | 'envi' | 'gtmk' | 'hash' | 'isro'
  | 'mntr' | 'ruok' | 'srst' | 'srvr' | 'stat' | 'wchc' | 'wchp' | 'wchs'

const WORDS: readonly FourLetterWord[] = ['conf', 'cons', 'crst', 'dirs', 'dump', 'envi', 'gtmk', 'hash', 'isro', 'mntr', 'ruok', 'srst', 'srvr', 'stat', 'wchc', 'wchp', 'wchs']

/** Options of {@link fourLetterWord} and the typed helpers. */
export interface FourLetterWordOptions {
  /** Bound on connecting and the whole answer, in ms (default 5,000). */
  timeout?: number
  /** Abandons the exchange; the promise rejects with a FourLetterWordError of code `ABORTED`. */
  signal?: AbortSignal
  /**
   * Speak TLS, for a server's `secureClientPort`: `true` for Node's defaults, or `node:tls`
   * connection options (`ca`, `cert`, `key`, `servername`, ...). Host and port come from `hostPort`.
   */
  tls?: boolean | ConnectionOptions
}

/** Why a four-letter word failed. */
export type FourLetterWordErrorCode =
  /** No complete answer within the timeout. */
  | 'TIMEOUT'
  /** Refused, reset or unreachable (`cause` has the socket error), or closed without an answer. */
  | 'CONNECT'
  /** The signal aborted (`cause` has its reason). */
  | 'ABORTED'
  /** The server refused the word: it is not in its `4lw.commands.whitelist`. */
  | 'NOT_WHITELISTED'
  /** The answer is not one a ZooKeeper server gives to this word: something else listens there. */
  | 'NOT_ZOOKEEPER'

/** A four-letter word that did not get ZooKeeper's answer; `code` says why. */
export class FourLetterWordError extends Error {
  /** Stable code for programmatic checks. */
  readonly code: FourLetterWordErrorCode
  /** The word sent. */
  readonly word: string
  /** The server, `host:port`. */
  readonly server: string
  /** What came back, for NOT_WHITELISTED and NOT_ZOOKEEPER (at most 200 characters). */
  readonly reply: string | undefined

  constructor(code: FourLetterWordErrorCode, word: string, server: string, message: string, options: { cause?: unknown; reply?: string } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.name = 'FourLetterWordError'
    this.code = code
    this.word = word
    this.server = server
    this.reply = options.reply?.slice(0, 200)
  }
}

/** What a server not yet serving (no quorum, still loading) answers to most words. */
export const NOT_SERVING = 'This ZooKeeper instance is not currently serving requests'

/** Largest answer kept; a `dump` or `wchp` of a big server is far smaller. */
const MAX_REPLY_BYTES = 16 * 1024 * 1024

/** For each word, whether a text is an answer ZooKeeper gives to it (NOT_SERVING is checked apart). */
const looksRight: Record<FourLetterWord, (text: string) => boolean> = {
  ruok: (t) => t === 'imok',
  isro: (t) => t === 'ro' || t === 'rw' || t === 'null',
  srvr: (t) => t.startsWith('Zookeeper version:'),
  stat: (t) => t.startsWith('Zookeeper version:'),
  mntr: (t) => /^zk_version\t/.test(t),
  conf: (t) => /^clientPort=\d+$/m.test(t) || /^(dataDir|secureClientPort)=/m.test(t),
  envi: (t) => t.startsWith('Environment:'),
  cons: (t) => t.split('\n').every((l) => l.trim() === '' || /^ ?\/\S*\[\d+\]\(/.test(l)),
  dump: (t) => /^SessionTracker dump:|^Session Sets \(/m.test(t) || t.includes('ephemeral nodes dump:'),
  wchs: (t) => /connections watching \d+ paths/.test(t),
  wchc: (t) => t === '' || /^0x[0-9a-f]+$/m.test(t),
  wchp: (t) => t === '' || /^\//m.test(t),
  dirs: (t) => /^datadir_size: \d+/m.test(t),
  crst: (t) => t.startsWith('Connection stats reset.'),
  srst: (t) => t.startsWith('Server stats reset.'),
  gtmk: (t) => /^\d+$/.test(t),
  hash: (t) => t === '' || /^\d+: -?\d+$/m.test(t) || t.startsWith('Digest') || /^\d+/.test(t),
}

/** Words whose answer may legitimately be empty (nothing watched). */
const MAY_BE_EMPTY: ReadonlySet<FourLetterWord> = new Set(['wchc', 'wchp', 'hash'])

/**
 * Sends a four-letter word to `hostPort` (`'127.0.0.1:2181'`, `'[::1]:2181'`, or a host alone for
 * port 2181) on a new connection, and resolves with the server's whole answer as text. Rejects
 * with InvalidArgumentError for a word ZooKeeper does not know, and with a
 * {@link FourLetterWordError} when the word is not whitelisted on the server, the answer is not
 * ZooKeeper's, or no complete answer arrives within `timeout` (default 5,000 ms). A server that is
 * up but not serving answers {@link NOT_SERVING}, which is returned as is.
 *
 * @example
 * ```ts
 * await fourLetterWord('127.0.0.1:2181', 'ruok') // 'imok'
 * const text = await fourLetterWord('127.0.0.1:2281', 'srvr', { tls: { ca: readFileSync('ca.pem') } })
 * ```
 */
export function fourLetterWord(hostPort: string, word: FourLetterWord, options: FourLetterWordOptions = {}): Promise<string> {
  let host: string
  let port: number
  let timeout: number
  let tlsOptions: ConnectionOptions | undefined
  try {
    if (typeof word !== 'string' || !(WORDS as readonly string[]).includes(word)) {
      throw new InvalidArgumentError(`fourLetterWord: ${describe(word)} is not a ZooKeeper four-letter word; use one of ${WORDS.join(', ')}`)
    }
    checkOptions(options, ['timeout', 'signal', 'tls'], 'fourLetterWord', { timeoutMs: 'use { timeout }', ssl: 'use { tls }' })
    timeout = checkPositiveDuration(options.timeout, 'timeout', 'fourLetterWord') ?? 5_000
    checkSignal(options.signal, 'fourLetterWord')
    tlsOptions = tlsOptionsOf(options.tls)
    ;({ host, port } = parseHostPort(hostPort, 'fourLetterWord'))
  } catch (error) {
    return Promise.reject(error)
  }
  const server = host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`
  const signal = options.signal
  return new Promise<string>((resolve, reject) => {
    const chunks: Buffer[] = []
    let received = 0
    let settled = false
    const fail = (code: FourLetterWordErrorCode, message: string, extra: { cause?: unknown; reply?: string } = {}): void =>
      finish(new FourLetterWordError(code, word, server, `${word} to ${server}: ${message}`, extra))
    const finish = (error: FourLetterWordError | null): void => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      signal?.removeEventListener('abort', onAbort)
      socket?.destroy()
      if (error !== null) return reject(error)
      const text = Buffer.concat(chunks).toString('utf8')
      const problem = judge(word, text)
      if (problem === null) resolve(text)
      else reject(new FourLetterWordError(problem.code, word, server, `${word} to ${server}: ${problem.message}`, { reply: text }))
    }
    const onAbort = (): void => fail('ABORTED', 'aborted', { cause: signal?.reason })
    const timer = setTimeout(() => fail('TIMEOUT', `no complete answer within ${timeout} ms`), timeout)
    let socket: Socket | undefined
    if (signal?.aborted) return onAbort()
    signal?.addEventListener('abort', onAbort, { once: true })
    socket = tlsOptions === undefined ? connectTcp({ host, port }) : connectTls({ servername: isIp(host) ? undefined : host, ...tlsOptions, host, port })
    socket.once(tlsOptions === undefined ? 'connect' : 'secureConnect', () => socket!.write(word))
    socket.on('data', (chunk: Buffer) => {
      received += chunk.length
      if (received > MAX_REPLY_BYTES) return fail('NOT_ZOOKEEPER', `answer longer than ${MAX_REPLY_BYTES} bytes`)
      chunks.push(chunk)
    })
    socket.on('end', () => finish(null))
    socket.on('error', (err: NodeJS.ErrnoException) => {
      // The server closes right after answering; a reset after a full answer is still an answer.
      if (received > 0 && err.code === 'ECONNRESET') return finish(null)
      fail('CONNECT', `failed: ${err.message}`, { cause: err })
    })
    socket.on('close', () => (received > 0 ? finish(null) : fail('CONNECT', 'connection closed without an answer (is this a ZooKeeper client port? is the word whitelisted?)')))
  })
}

function judge(word: FourLetterWord, raw: string): { code: FourLetterWordErrorCode; message: string } | null {
  if (raw.includes('is not executed because it is not in the whitelist')) {
    return { code: 'NOT_WHITELISTED', message: `the server refused the word: add it to 4lw.commands.whitelist (e.g. 4lw.commands.whitelist=${word},srvr,ruok)` }
  }
  const text = raw.replace(/\n$/, '')
  if (text.startsWith(NOT_SERVING)) return null
  if (text === '' && MAY_BE_EMPTY.has(word)) return null
  if (/[\u0000-\u0008\u000e-\u001f]/.test(text) || !looksRight[word](text)) {
    return { code: 'NOT_ZOOKEEPER', message: `the answer is not ZooKeeper's (${JSON.stringify(raw.slice(0, 60))}); check that the address is a ZooKeeper client port` }
  }
  return null
}

function tlsOptionsOf(value: unknown): ConnectionOptions | undefined {
  if (value === undefined || value === false) return undefined
  if (value === true) return {}
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new InvalidArgumentError(`fourLetterWord: tls must be true or node:tls connection options ({ ca, cert, key, ... }), got ${describe(value)}`)
  }
  return value as ConnectionOptions
}

/** One `host:port` (port 2181 when left out; IPv6 in brackets). */
function parseHostPort(hostPort: unknown, where: string): { host: string; port: number } {
  if (typeof hostPort !== 'string') throw new InvalidArgumentError(`${where}: hostPort must be a string such as "127.0.0.1:2181", got ${describe(hostPort)}`)
  const { hosts, chroot } = parseConnectString(hostPort)
  if (hosts.length !== 1 || chroot !== '') throw new InvalidArgumentError(`${where}: hostPort must name one server, such as "127.0.0.1:2181" (four-letter words go to one server), got ${describe(hostPort)}`)
  return hosts[0]!
}

function isIp(host: string): boolean {
  return /^[\d.]+$/.test(host) || host.includes(':')
}

// ------------------------------------------------------------------ typed helpers

/** What `srvr` reports as `Mode:`; `read-only` when a partitioned server serves reads only. */
export type ServerMode = 'standalone' | 'leader' | 'follower' | 'observer' | 'read-only'

const MODES: readonly string[] = ['standalone', 'leader', 'follower', 'observer', 'read-only']

/** A server's `srvr` answer, parsed; `serving: false` (and nothing else) when it is up but not serving. */
export type ServerStats =
  | { serving: false }
  | {
      serving: true
      /** `3.8.0-...`, the text after `Zookeeper version:`. */
      version: string
      mode: ServerMode
      /** Latency in ms: min, average, max. */
      latency: { min: number; avg: number; max: number }
      received: number
      sent: number
      connections: number
      outstanding: number
      /** The last zxid, from `Zxid: 0x...`. */
      zxid: bigint
      nodeCount: number
      /** Every `key: value` line as given. */
      fields: Record<string, string>
    }

/** Reads the `Mode:` line of a `srvr` or `stat` answer; null when the server is not serving. */
export function parseMode(srvrText: string): ServerMode | null {
  const match = /^Mode:\s*(\S+)/m.exec(srvrText)
  const mode = match?.[1]
  return mode !== undefined && MODES.includes(mode) ? (mode as ServerMode) : null
}

/** Parses a `srvr` answer. */
export function parseSrvr(text: string): ServerStats {
  if (text.startsWith(NOT_SERVING)) return { serving: false }
  const fields: Record<string, string> = {}
  for (const line of text.split('\n')) {
    const colon = line.indexOf(':')
    if (colon > 0) fields[line.slice(0, colon).trim()] = line.slice(colon + 1).trim()
  }
  const [min, avg, max] = (fields['Latency min/avg/max'] ?? '0/0/0').split('/').map(Number)
  const int = (key: string): number => Number.parseInt(fields[key] ?? '0', 10)
  return {
    serving: true,
    version: fields['Zookeeper version'] ?? '',
    mode: parseMode(text) ?? 'standalone',
    latency: { min: min ?? 0, avg: avg ?? 0, max: max ?? 0 },
    received: int('Received'),
    sent: int('Sent'),
    connections: int('Connections'),
    outstanding: int('Outstanding'),
    zxid: /^0x[0-9a-f]+$/i.test(fields.Zxid ?? '') ? BigInt(fields.Zxid!) : 0n,
    nodeCount: int('Node count'),
    fields,
  }
}

/** Parses a `mntr` answer (`key<TAB>value` lines) into strings; empty when not serving. */
export function parseMntr(text: string): Record<string, string> {
  const out: Record<string, string> = {}
  for (const line of text.split('\n')) {
    const tab = line.indexOf('\t')
    if (tab > 0) out[line.slice(0, tab)] = line.slice(tab + 1).trim()
  }
  return out
}

/** One client connection as `cons` lists it. */
export interface ConnectionInfo {
  /** The client's address, `ip:port` as the server prints it. */
  address: string
  /** Every `key=value` of the line (queued, recved, sent, sid, lop, est, to, lzxid...). */
  fields: Record<string, string>
  /** The session id, when the connection has one. */
  sessionId: bigint | undefined
}

/** Parses a `cons` answer. */
export function parseCons(text: string): ConnectionInfo[] {
  const out: ConnectionInfo[] = []
  for (const line of text.split('\n')) {
    const match = /^\s*\/(\S+?)\[\d+\]\((.*)\)\s*$/.exec(line)
    if (match === null) continue
    const fields: Record<string, string> = {}
    for (const pair of match[2]!.split(',')) {
      const eq = pair.indexOf('=')
      if (eq > 0) fields[pair.slice(0, eq)] = pair.slice(eq + 1)
    }
    out.push({ address: match[1]!, fields, sessionId: fields.sid !== undefined && /^0x[0-9a-f]+$/i.test(fields.sid) ? BigInt(fields.sid) : undefined })
  }
  return out
}

/**
 * `ruok`: resolves true when the server answers `imok` (it is running; it may still have no
 * quorum, see {@link srvr}). Rejects as {@link fourLetterWord} does, so a refused connection is an
 * error, not `false`.
 *
 * @example
 * ```ts
 * await ruok('127.0.0.1:2181') // true
 * ```
 */
export async function ruok(hostPort: string, options: FourLetterWordOptions = {}): Promise<true> {
  await fourLetterWord(hostPort, 'ruok', options)
  return true
}

/**
 * `srvr`: the server's version, mode, latency and counters, or `{ serving: false }`.
 *
 * @example
 * ```ts
 * const stats = await srvr('127.0.0.1:2181')
 * if (stats.serving) console.log(stats.mode, stats.nodeCount)
 * ```
 */
export async function srvr(hostPort: string, options: FourLetterWordOptions = {}): Promise<ServerStats> {
  return parseSrvr(await fourLetterWord(hostPort, 'srvr', options))
}

/**
 * `mntr`: the server's monitoring variables (`zk_server_state`, `zk_znode_count`, ...) as strings.
 *
 * @example
 * ```ts
 * (await mntr('127.0.0.1:2181')).zk_server_state // 'standalone'
 * ```
 */
export async function mntr(hostPort: string, options: FourLetterWordOptions = {}): Promise<Record<string, string>> {
  return parseMntr(await fourLetterWord(hostPort, 'mntr', options))
}

/**
 * `isro`: `'ro'` for a server in read-only mode, `'rw'` for one serving writes, null when it is
 * not serving.
 *
 * @example
 * ```ts
 * await isro('127.0.0.1:2181') // 'rw'
 * ```
 */
export async function isro(hostPort: string, options: FourLetterWordOptions = {}): Promise<'ro' | 'rw' | null> {
  const text = (await fourLetterWord(hostPort, 'isro', options)).trim()
  return text === 'ro' || text === 'rw' ? text : null
}

/**
 * `cons`: the server's client connections, with their session ids and counters.
 *
 * @example
 * ```ts
 * const mine = (await cons('127.0.0.1:2181')).find((c) => c.sessionId === zk.sessionId)
 * ```
 */
export async function cons(hostPort: string, options: FourLetterWordOptions = {}): Promise<ConnectionInfo[]> {
  return parseCons(await fourLetterWord(hostPort, 'cons', options))
}
