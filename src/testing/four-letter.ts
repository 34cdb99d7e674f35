import { connect } from 'node:net'
import { type ConnectionOptions, connect as tlsConnect } from 'node:tls'

/** The four-letter words ZooKeeper understands on its client port (PROTOCOL.md §11). */
export type FourLetterWord =
  | 'conf' | 'cons' | 'crst' | 'dirs' | 'dump' | 'envi' | 'gtmk' | 'hash' | 'isro'
  | 'mntr' | 'ruok' | 'srst' | 'srvr' | 'stat' | 'wchc' | 'wchp' | 'wchs'

/** Options for {@link fourLetterWord}. */
export interface FourLetterWordOptions {
  /** Bound on connect + reply, in milliseconds. Default 2 000. */
  timeoutMs?: number
  /** Aborts the exchange; the promise rejects with a `FourLetterWordError`. */
  signal?: AbortSignal
  /**
   * Ask over TLS (a `secureClientPort`) with these `node:tls` options (`ca`, and `cert`/`key`
   * when the server has `ssl.clientAuth=need`). The word is sent once the handshake is done.
   */
  tls?: ConnectionOptions
}

/**
 * Why a four-letter word failed: `TIMEOUT` (no complete answer in time),
 * `CONNECT` (refused, reset, unreachable: `cause` has the socket error) or `ABORTED`.
 */
export class FourLetterWordError extends Error {
  /** Stable code for programmatic checks. */
  readonly code: 'TIMEOUT' | 'CONNECT' | 'ABORTED'
  constructor(code: 'TIMEOUT' | 'CONNECT' | 'ABORTED', message: string, cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause })
    this.name = 'FourLetterWordError'
    this.code = code
  }
}

/**
 * Sends a four-letter word to `host:port` on a fresh connection and resolves with the
 * server's whole answer (the server closes the connection when done). Always bounded by
 * `timeoutMs` (default 2 000 ms); failures reject with {@link FourLetterWordError}.
 * Commands outside the server's `4lw.commands.whitelist` answer with an explanatory text,
 * which is returned as is.
 *
 * @example
 * await fourLetterWord('127.0.0.1', server.port, 'ruok') // 'imok'
 */
export function fourLetterWord(
  host: string,
  port: number,
  word: FourLetterWord,
  options: FourLetterWordOptions = {},
): Promise<string> {
  const timeoutMs = options.timeoutMs ?? 2_000
  const where = `${word} to ${host}:${port}`
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let settled = false
    const socket = options.tls === undefined ? connect({ host, port }) : tlsConnect({ ...options.tls, host, port })
    const finish = (err: FourLetterWordError | null): void => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      options.signal?.removeEventListener('abort', onAbort)
      socket.destroy()
      if (err) reject(err)
      else resolve(Buffer.concat(chunks).toString('utf8'))
    }
    const onAbort = (): void => finish(new FourLetterWordError('ABORTED', `${where} aborted`, options.signal?.reason))
    const timer = setTimeout(
      () => finish(new FourLetterWordError('TIMEOUT', `${where}: no complete answer within ${timeoutMs} ms`)),
      timeoutMs,
    )
    if (options.signal?.aborted) return onAbort()
    options.signal?.addEventListener('abort', onAbort, { once: true })
    // Over TLS the word goes after the handshake: the server reads it as application data.
    socket.on(options.tls === undefined ? 'connect' : 'secureConnect', () => socket.write(word))
    socket.on('data', (chunk: Buffer) => chunks.push(chunk))
    socket.on('end', () => finish(null))
    socket.on('error', (err: NodeJS.ErrnoException) => {
      // The server closes right after answering; a reset after a full answer is still an answer.
      if (chunks.length > 0 && err.code === 'ECONNRESET') return finish(null)
      finish(new FourLetterWordError('CONNECT', `${where} failed: ${err.message}`, err))
    })
    socket.on('close', () => finish(chunks.length > 0 ? null : new FourLetterWordError('CONNECT', `${where}: connection closed without an answer`)))
  })
}

/** What `srvr` reports as `Mode:`; `read-only` when a partitioned server serves reads only. */
export type ServerMode = 'standalone' | 'leader' | 'follower' | 'observer' | 'read-only'

const MODES: readonly string[] = ['standalone', 'leader', 'follower', 'observer', 'read-only']

/**
 * Reads the `Mode:` line of a `srvr` or `stat` answer. Returns `null` when the server
 * answered but is not serving (e.g. "This ZooKeeper instance is not currently serving requests").
 */
export function parseMode(srvr: string): ServerMode | null {
  const match = /^Mode:\s*(\S+)/m.exec(srvr)
  const mode = match?.[1]
  return mode !== undefined && MODES.includes(mode) ? (mode as ServerMode) : null
}

/**
 * Asks `srvr` and returns the server's {@link ServerMode}, or `null` when it is up but not
 * serving. Rejects like {@link fourLetterWord} when it cannot be reached in time.
 *
 * @example
 * await serverMode('127.0.0.1', 2181) // 'standalone'
 */
export async function serverMode(host: string, port: number, options: FourLetterWordOptions = {}): Promise<ServerMode | null> {
  return parseMode(await fourLetterWord(host, port, 'srvr', options))
}

/**
 * Parses a `mntr` answer (`key<TAB>value` lines) into a record of strings.
 *
 * @example
 * const m = parseMntr(await fourLetterWord('127.0.0.1', port, 'mntr'))
 * m.zk_server_state // 'standalone'
 */
export function parseMntr(mntr: string): Record<string, string> {
  const out: Record<string, string> = {}
  for (const line of mntr.split('\n')) {
    const tab = line.indexOf('\t')
    if (tab > 0) out[line.slice(0, tab)] = line.slice(tab + 1).trim()
  }
  return out
}
