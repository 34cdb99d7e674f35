/**
 * Logging with no dependency. Every layer logs through a {@link Log}: it writes to
 * `util.debuglog('zkwire')` (so `NODE_DEBUG=zkwire` shows it, as Node's own modules do) and to
 * the application's {@link Logger}, when one is given.
 */
import { debuglog } from 'node:util'

/** Severity of a log record. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error'

/**
 * An application logger. `console`, pino, winston and bunyan loggers all fit this shape: each
 * method receives a message and, when the record has any, an object of structured fields.
 *
 * @example
 * const zk = createClient('127.0.0.1:2181', { logger: console })
 */
export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void
  info(message: string, fields?: Record<string, unknown>): void
  warn(message: string, fields?: Record<string, unknown>): void
  error(message: string, fields?: Record<string, unknown>): void
}

const debug = debuglog('zkwire')

/** The log a layer writes to: Node's debug log plus an optional application logger. */
export class Log {
  constructor(private readonly logger?: Logger) {}

  /** Whether anything would be written at `debug` (to skip building costly fields). */
  get debugEnabled(): boolean {
    return debug.enabled || this.logger !== undefined
  }

  /** Writes one record. A logger that throws never breaks the caller. */
  write(level: LogLevel, message: string, fields?: Record<string, unknown>): void {
    if (debug.enabled) debug('%s %s%s', level, message, fields === undefined ? '' : ` ${formatFields(fields)}`)
    if (this.logger === undefined) return
    try {
      if (fields === undefined) this.logger[level](message)
      else this.logger[level](message, fields)
    } catch {
      // A broken application logger must not take the session down with it.
    }
  }

  debug(message: string, fields?: Record<string, unknown>): void {
    this.write('debug', message, fields)
  }
  info(message: string, fields?: Record<string, unknown>): void {
    this.write('info', message, fields)
  }
  warn(message: string, fields?: Record<string, unknown>): void {
    this.write('warn', message, fields)
  }
  error(message: string, fields?: Record<string, unknown>): void {
    this.write('error', message, fields)
  }
}

function formatFields(fields: Record<string, unknown>): string {
  return Object.entries(fields)
    .map(([key, value]) => `${key}=${formatValue(value)}`)
    .join(' ')
}

function formatValue(value: unknown): string {
  if (value instanceof Error) return JSON.stringify(value.message)
  if (typeof value === 'bigint') return `0x${value.toString(16)}`
  if (typeof value === 'string') return /\s/.test(value) ? JSON.stringify(value) : value
  try {
    return JSON.stringify(value) ?? String(value)
  } catch {
    return String(value)
  }
}

/** A log that writes only to Node's debug log. */
export const defaultLog = new Log()
