/**
 * Small helpers shared by the conformance suites: an event queue for watchers, and a bound on
 * waits for events so a missing event fails fast with a clear message instead of hanging.
 */
import type { WatchedEvent, ZooKeeperClient } from '../../src/index.js'
import { fourLetterWord } from '../../src/testing/index.js'
import { sharedServer } from '../support/zk.js'

/** How long a test waits for an event it expects before failing. */
export const EVENT_TIMEOUT_MS = 5_000

/**
 * Records every event given to its `watcher`, in order, and hands them out one at a time with
 * {@link EventQueue.next}.
 */
export class EventQueue {
  /** Every event received so far, in order. */
  readonly all: WatchedEvent[] = []
  private readonly unread: WatchedEvent[] = []
  private readonly readers: ((event: WatchedEvent) => void)[] = []

  /** A watcher function to pass to the client. */
  readonly watcher = (event: WatchedEvent): void => {
    this.all.push(event)
    const reader = this.readers.shift()
    if (reader !== undefined) reader(event)
    else this.unread.push(event)
  }

  /** The next unread event; rejects if none arrives within `timeoutMs`. */
  next(timeoutMs = EVENT_TIMEOUT_MS): Promise<WatchedEvent> {
    const event = this.unread.shift()
    if (event !== undefined) return Promise.resolve(event)
    return within(new Promise<WatchedEvent>((resolve) => this.readers.push(resolve)), timeoutMs, 'a watch event')
  }

  /** Number of events received so far. */
  get count(): number {
    return this.all.length
  }
}

/** Resolves as `promise` does, or rejects after `ms` naming what was awaited. */
export async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no ${what} within ${ms} ms`)), ms)
  })
  try {
    return await Promise.race([promise, timeout])
  } finally {
    clearTimeout(timer)
  }
}

/** The first `n` items of an async iterable (then stops iterating, which ends a persistent watch). */
export async function take<T>(iterable: AsyncIterable<T>, n: number, ms = EVENT_TIMEOUT_MS): Promise<T[]> {
  const out: T[] = []
  if (n === 0) return out
  const run = async (): Promise<T[]> => {
    for await (const item of iterable) {
      out.push(item)
      if (out.length === n) break
    }
    return out
  }
  return within(run(), ms, `${n} items from the iterator`)
}

/** Only the fields of an event a test compares. */
export function brief(event: WatchedEvent): string {
  return `${event.type} ${event.path}`
}

/**
 * The paths on which the shared server holds watches for `client`'s session, as the server sees
 * them (with any chroot), from the `wchc` four-letter word.
 */
export async function serverWatchPaths(client: ZooKeeperClient): Promise<string[]> {
  const [host, port] = sharedServer().split(':') as [string, string]
  const text = await fourLetterWord(host, Number(port), 'wchc')
  const own = `0x${client.sessionId.toString(16)}`
  const paths: string[] = []
  let current = ''
  for (const line of text.split('\n')) {
    if (line.startsWith('0x')) current = line.trim()
    else if (line.startsWith('\t') && current === own) paths.push(line.trim())
  }
  return paths.sort()
}
