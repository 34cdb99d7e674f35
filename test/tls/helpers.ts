/**
 * Shared pieces of the TLS suites: clients closed after each test, a logger that records what a
 * client logs, and the uncaught-error spy.
 */
import { afterAll, afterEach, beforeAll, expect } from 'vitest'
import { type ClientOptions, type Logger, type ZooKeeperClient, createClient } from '../../src/index.js'

/** One record a client logged. */
export interface LogRecord {
  level: keyof Logger
  message: string
  fields?: Record<string, unknown>
  at: number
}

/** A logger that keeps every record and lets a test wait for one. */
export class RecordingLogger implements Logger {
  readonly records: LogRecord[] = []
  private waiters: Array<{ match: (r: LogRecord) => boolean; resolve: (r: LogRecord) => void }> = []
  debug(message: string, fields?: Record<string, unknown>): void { this.push('debug', message, fields) }
  info(message: string, fields?: Record<string, unknown>): void { this.push('info', message, fields) }
  warn(message: string, fields?: Record<string, unknown>): void { this.push('warn', message, fields) }
  error(message: string, fields?: Record<string, unknown>): void { this.push('error', message, fields) }

  /** Resolves with the first record (past or future) whose message matches, within `timeoutMs`. */
  next(pattern: RegExp, timeoutMs = 10_000): Promise<LogRecord> {
    const match = (r: LogRecord): boolean => pattern.test(r.message)
    const found = this.records.find(match)
    if (found) return Promise.resolve(found)
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no log line matching ${pattern} within ${timeoutMs} ms; got: ${this.records.map((r) => r.message).join(' | ')}`)), timeoutMs)
      this.waiters.push({ match, resolve: (r) => { clearTimeout(timer); resolve(r) } })
    })
  }

  private push(level: keyof Logger, message: string, fields?: Record<string, unknown>): void {
    const record: LogRecord = { level, message, at: Date.now(), ...(fields ? { fields } : {}) }
    this.records.push(record)
    for (const w of this.waiters.filter((w) => w.match(record))) {
      this.waiters.splice(this.waiters.indexOf(w), 1)
      w.resolve(record)
    }
  }
}

/** Installs client cleanup and the uncaught-error spy; returns a client factory. */
export function useClients(): (connectString: string, options?: ClientOptions) => ZooKeeperClient {
  const opened: ZooKeeperClient[] = []
  const escaped: unknown[] = []
  const spy = (error: unknown): void => { escaped.push(error) }
  beforeAll(() => {
    process.on('uncaughtException', spy)
    process.on('unhandledRejection', spy)
  })
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((c) => c.close()))
    await new Promise((resolve) => setImmediate(resolve))
    expect(escaped.splice(0)).toEqual([])
  })
  afterAll(() => {
    process.off('uncaughtException', spy)
    process.off('unhandledRejection', spy)
  })
  return (connectString, options = {}) => {
    const c = createClient(connectString, { sessionTimeout: 10_000, reconnectDelay: { initialMs: 20, maxMs: 200 }, ...options })
    opened.push(c)
    return c
  }
}

/** Resolves with the rejection of `promise` (fails the test if it resolves). */
export async function rejection(promise: Promise<unknown>): Promise<any> {
  try {
    await promise
  } catch (error) {
    return error
  }
  throw new Error('expected a rejection')
}
