/**
 * The server's count of armed watches (`wchs`), and the cut of the watch-heavy workload: reset a
 * client's connection through a FaultProxy and keep it out until the server has dropped the old
 * connection's watches, so the re-arm that follows is measured from nothing.
 */
import type { FaultProxy } from '../../src/testing/index.js'
import { fourLetterWord } from '../../src/testing/index.js'
import { sleep } from './measure.js'

/** host and port of the first server of a connect string. */
export function firstServer(connectString: string): { host: string; port: number } {
  const first = connectString.split(',')[0]!.split('/')[0]!
  const colon = first.lastIndexOf(':')
  return { host: first.slice(0, colon).replace(/^\[|\]$/g, ''), port: Number(first.slice(colon + 1)) }
}

/** `Total watches:N` from `wchs`. */
export async function totalWatches(host: string, port: number): Promise<number> {
  const text = await fourLetterWord(host, port, 'wchs', { timeoutMs: 2_000 })
  const match = /Total watches:\s*(\d+)/.exec(text)
  if (match === null) throw new Error(`unexpected wchs answer: ${JSON.stringify(text.slice(0, 200))}`)
  return Number(match[1])
}

/** Polls `wchs` about every 5 ms until `ok(total)`; `at` is when the satisfying answer came, or null after `boundMs`. */
export async function pollWatches(host: string, port: number, ok: (total: number) => boolean, boundMs: number): Promise<{ at: number | null; last: number; polls: number }> {
  const deadline = performance.now() + boundMs
  let last = Number.NaN
  let polls = 0
  while (performance.now() < deadline && polls < 100_000) {
    polls++
    last = await totalWatches(host, port)
    if (ok(last)) return { at: performance.now(), last, polls }
    await sleep(5)
  }
  return { at: null, last, polls }
}

/**
 * Resets every connection through `proxy` and refuses new ones until the server holds no more than
 * `base` watches (the old connection's are gone), then lets clients in again. Throws if the server
 * still holds them after 10 s.
 */
export async function cutUntilDropped(proxy: FaultProxy, host: string, port: number, base: number): Promise<void> {
  proxy.refuse(true)
  proxy.cut()
  const dropped = await pollWatches(host, port, (n) => n <= base, 10_000)
  proxy.refuse(false)
  if (dropped.at === null) throw new Error(`the server still holds ${dropped.last - base} watches 10 s after the cut`)
}

/** Printed by a watch-heavy child once its watches are armed; it then waits for {@link REOPENED_LINE} on stdin. */
export const ARMED_LINE = 'ARMED'
export const REOPENED_LINE = 'OPEN'
