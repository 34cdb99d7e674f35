/**
 * Four-letter words for tests, in the `(host, port, word)` form this module has always had. They
 * are part of the client now (`fourLetterWord`, `srvr`, `mntr`, `ruok`, `isro`, `cons` from
 * `zkwire`); this module keeps its names working on top of those.
 */
import {
  type FourLetterWord,
  FourLetterWordError,
  type ServerMode,
  fourLetterWord as clientFourLetterWord,
  parseMntr,
  parseMode,
} from '../client/four-letter.js'
import type { ConnectionOptions } from 'node:tls'

export { FourLetterWordError, parseMntr, parseMode }
export type { FourLetterWord, ServerMode }

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
 * Sends a four-letter word to `host:port` and resolves with the server's whole answer; rejects
 * with {@link FourLetterWordError} (`TIMEOUT`, `CONNECT`, `ABORTED`, `NOT_WHITELISTED`,
 * `NOT_ZOOKEEPER`). The same as `fourLetterWord` from `zkwire` with a 2 s default bound.
 *
 * @example
 * await fourLetterWord('127.0.0.1', server.port, 'ruok') // 'imok'
 */
export function fourLetterWord(host: string, port: number, word: FourLetterWord, options: FourLetterWordOptions = {}): Promise<string> {
  const hostPort = host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`
  return clientFourLetterWord(hostPort, word, { timeout: options.timeoutMs ?? 2_000, signal: options.signal, tls: options.tls })
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
