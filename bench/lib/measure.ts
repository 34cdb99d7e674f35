/**
 * Measuring tools for the workload children: bounded pipelined windows, CPU and RSS from the
 * process and /proc, heap after GC, and percentiles.
 */
import { readFileSync } from 'node:fs'
import type { Done } from './clients.js'

/** Issues one operation: `i` is its index, call `done` when it completes. */
export type Issue = (i: number, done: Done<unknown>) => void

/**
 * Runs `count` operations with at most `window` in flight, issuing the next one as each completes.
 * Rejects on the first error, or when the whole run takes longer than `timeoutMs`.
 */
export function pipelined(count: number, window: number, issue: Issue, timeoutMs = 120_000, what = 'pipelined run'): Promise<void> {
  return new Promise((resolve, reject) => {
    if (count <= 0) return resolve()
    let issued = 0
    let completed = 0
    let failed = false
    const timer = setTimeout(() => {
      failed = true
      reject(new Error(`${what}: ${completed} of ${count} done after ${timeoutMs} ms; giving up`))
    }, timeoutMs)
    const done: Done<unknown> = (error) => {
      if (failed) return
      if (error) {
        failed = true
        clearTimeout(timer)
        reject(error)
        return
      }
      completed++
      if (issued < count) issue(issued++, done)
      else if (completed === count) {
        clearTimeout(timer)
        resolve()
      }
    }
    const first = Math.min(window, count)
    while (issued < first) issue(issued++, done)
  })
}

/** Like {@link pipelined} with a window of 1, recording each operation's latency in µs. */
export function sequentialTimed(count: number, issue: Issue, timeoutMs = 120_000, what = 'sequential run'): Promise<Float64Array> {
  const latencies = new Float64Array(count)
  let started = 0
  return pipelined(
    count,
    1,
    (i, done) => {
      started = performance.now()
      issue(i, (error, value) => {
        latencies[i] = (performance.now() - started) * 1000
        done(error, value)
      })
    },
    timeoutMs,
    what,
  ).then(() => latencies)
}

/** The q-quantile (0..1) of the values, nearest-rank. */
export function quantile(values: ArrayLike<number>, q: number): number {
  const sorted = Float64Array.from(values).sort()
  if (sorted.length === 0) return Number.NaN
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))
  return sorted[rank]!
}

export function median(values: readonly number[]): number {
  const finite = values.filter((v) => Number.isFinite(v))
  if (finite.length === 0) return Number.NaN
  const s = finite.sort((a, b) => a - b)
  const mid = s.length >> 1
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2
}

/** Peak resident set size of this process in MB (VmHWM), or NaN off Linux. */
export function peakRssMb(): number {
  return procStatusKb('VmHWM') / 1024
}

function procStatusKb(field: string): number {
  try {
    const status = readFileSync('/proc/self/status', 'utf8')
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)
    return match ? Number(match[1]) : Number.NaN
  } catch {
    return Number.NaN
  }
}

/** utime + stime of a process in clock ticks (/proc/<pid>/stat fields 14 and 15), or NaN. */
export function processTicks(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    // The command name (field 2) may hold spaces; fields after it are plain.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    return Number(fields[11]) + Number(fields[12])
  } catch {
    return Number.NaN
  }
}

/** Full garbage collections (needs --expose-gc; a no-op otherwise), then heapUsed in bytes. */
export function heapAfterGc(): number {
  const gc = (globalThis as { gc?: () => void }).gc
  if (gc !== undefined) for (let i = 0; i < 3; i++) gc()
  return process.memoryUsage().heapUsed
}

export function hasGc(): boolean {
  return typeof (globalThis as { gc?: unknown }).gc === 'function'
}

/** Resolves after `ms`. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

/** Resolves with `promise`, or rejects with a clear message after `ms`. */
export async function bounded<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${what}: not done within ${ms} ms`)), ms)
      }),
    ])
  } finally {
    clearTimeout(timer)
  }
}

/** A 100-byte payload, as BASELINE.md prescribes. */
export const PAYLOAD = Buffer.alloc(100, 0x78)
