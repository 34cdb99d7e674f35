/**
 * The tables: each figure's median for zkwire and both peers, the best peer, zkwire's ratio to it,
 * and the target of issue 14 with whether it is met.
 */
import { CLIENT_TITLES } from './clients.js'
import { median } from './measure.js'
import type { ChildResult, Figure } from './workload.js'

type Get = (r: ChildResult) => number | null

/** A figure's target: `check` gets zkwire's median and the best peer's (NaN when there is none). */
interface Target {
  text: string
  check: (z: number, best: number) => boolean | null
  /** The check compares with the best peer, so it needs one. */
  needsPeer?: boolean
}

export interface Row {
  label: string
  workload: string
  get: Get
  digits: number
  /** Which way is better, to pick the best peer; null for figures that are not a score. */
  better: 'higher' | 'lower' | null
  target?: Target
  /** Shown as the status when no client measured the figure (e.g. a workload not built yet). */
  pending?: string
}

const fig =
  (key: string): Get =>
  (r) => {
    const v: Figure | undefined = r.figures[key]
    return typeof v === 'number' ? v : null
  }
const rss: Get = (r) => r.peakRssMb
const vsBest = (text: string, ok: (ratio: number) => boolean | null): Target => ({ text, needsPeer: true, check: (z, best) => ok(z / best) })
const atMost = (text: string, max: number): Target => ({ text, check: (z) => z <= max })
const below = (text: string, max: number): Target => ({ text, check: (z) => z < max })

/** W1–W5 (and the TLS W2), for the given mode. */
export function mainRows(pinned: boolean): Row[] {
  const pinnedOnly = (text: string, check: (z: number) => boolean): Target => ({ text: pinned ? text : `${text} when pinned`, check: (z) => (pinned ? check(z) : null) })
  return [
    { label: 'W1 getData one at a time, ops/s', workload: 'W1', get: fig('opsPerSec'), digits: 0, better: 'higher' },
    { label: 'W1 p50 latency, µs', workload: 'W1', get: fig('p50Us'), digits: 0, better: 'lower', target: vsBest('≤ 0.9 × best peer', (r) => r <= 0.9) },
    { label: 'W1 p99 latency, µs', workload: 'W1', get: fig('p99Us'), digits: 0, better: 'lower', target: vsBest('≤ best peer', (r) => r <= 1) },
    { label: 'W2 getData window 1,000, ops/s', workload: 'W2', get: fig('opsPerSec'), digits: 0, better: 'higher', target: vsBest('≥ 1.15 × best peer', (r) => r >= 1.15) },
    { label: 'W2 client CPU, µs/op', workload: 'W2', get: fig('cpuUsPerOp'), digits: 1, better: 'lower', target: atMost('≤ 5 µs', 5) },
    { label: 'W2 of which kernel (syscalls), µs/op', workload: 'W2', get: fig('systemUsPerOp'), digits: 1, better: 'lower' },
    { label: 'W2 client CPU, % of a core', workload: 'W2', get: fig('clientCpuPct'), digits: 0, better: null, target: pinnedOnly('≤ 20%', (z) => z <= 20) },
    { label: 'W2 server JVM CPU, % of a core', workload: 'W2', get: fig('serverCpuPct'), digits: 0, better: null, target: pinnedOnly('≥ 95%', (z) => z >= 95) },
    { label: 'W2 server: JVM CPU per read, µs', workload: 'W2', get: fig('serverCpuUsPerOp'), digits: 1, better: 'lower' },
    { label: 'W2 server: mean requests queued in its pipeline', workload: 'W2', get: fig('serverQueueMean'), digits: 1, better: null },
    { label: 'W2 peak RSS, MB', workload: 'W2', get: rss, digits: 0, better: 'lower', target: atMost('≤ 64 MB', 64) },
    { label: 'W2 over TLS, client CPU µs/op', workload: 'W2-TLS', get: fig('cpuUsPerOp'), digits: 1, better: 'lower', target: vsBest('beside the Java client over TLS', () => null), pending: 'TLS: not run (--only without W2-TLS)' },
    { label: 'W2 over TLS, ops/s', workload: 'W2-TLS', get: fig('opsPerSec'), digits: 0, better: 'higher' },
    { label: 'W3 creates, ops/s', workload: 'W3', get: fig('createOpsPerSec'), digits: 0, better: 'higher', target: vsBest('≥ 1.1 × best peer', (r) => r >= 1.1) },
    { label: 'W3 creates, client CPU µs/op', workload: 'W3', get: fig('createCpuUsPerOp'), digits: 1, better: 'lower' },
    { label: 'W3 creates, server: txns per group commit', workload: 'W3', get: fig('createServerGroupCommitMean'), digits: 1, better: 'higher' },
    { label: 'W3 creates, server: mean fsync, ms', workload: 'W3', get: fig('createServerFsyncMsMean'), digits: 2, better: null },
    { label: 'W3 creates, server: mean requests queued', workload: 'W3', get: fig('createServerQueueMean'), digits: 1, better: null },
    { label: 'W3 deletes, ops/s', workload: 'W3', get: fig('deleteOpsPerSec'), digits: 0, better: 'higher', target: vsBest('≥ 1.1 × best peer', (r) => r >= 1.1) },
    { label: 'W3 deletes, server: txns per group commit', workload: 'W3', get: fig('deleteServerGroupCommitMean'), digits: 1, better: 'higher' },
    { label: 'W4 getChildren of 10,000, ops/s', workload: 'W4', get: fig('opsPerSec'), digits: 0, better: 'higher', target: vsBest('≥ 2 × best peer', (r) => r >= 2) },
    { label: 'W5 fan-out of 1,000 watches, ms', workload: 'W5', get: fig('fanOutMs'), digits: 1, better: 'lower', target: vsBest('≤ 0.8 × best peer', (r) => r <= 0.8) },
    { label: 'W5 first setData → first notification, ms', workload: 'W5', get: fig('firstNotificationMs'), digits: 1, better: 'lower' },
    { label: 'W5 first setData → last setData reply, ms', workload: 'W5', get: fig('lastSetDataReplyMs'), digits: 1, better: 'lower' },
    { label: 'W1 peak RSS, MB', workload: 'W1', get: rss, digits: 0, better: 'lower' },
    { label: 'W3 peak RSS, MB', workload: 'W3', get: rss, digits: 0, better: 'lower' },
    { label: 'W4 peak RSS, MB', workload: 'W4', get: rss, digits: 0, better: 'lower' },
    { label: 'W5 peak RSS, MB', workload: 'W5', get: rss, digits: 0, better: 'lower' },
  ]
}

/** The workloads run once: large payloads, watch-heavy, and the opt-in ones. */
export function extraRows(): Row[] {
  return [
    { label: 'large: 1,000 setData of 500 kB, ops/s', workload: 'large', get: fig('opsPerSec'), digits: 0, better: 'higher' },
    { label: 'large: MB/s', workload: 'large', get: fig('mbPerSec'), digits: 0, better: 'higher' },
    { label: 'large: longest event-loop stall, ms', workload: 'large', get: fig('stallMaxMs'), digits: 1, better: 'lower', target: below('< 50 ms', 50) },
    { label: 'large: client CPU, µs/op', workload: 'large', get: fig('cpuUsPerOp'), digits: 0, better: 'lower' },
    { label: 'large: peak RSS, MB', workload: 'large', get: rss, digits: 0, better: 'lower' },
    { label: 'watches: 100k re-armed after reconnect, ms', workload: 'rearm', get: fig('rearmMs'), digits: 0, better: 'lower', target: atMost('≤ 1,000 ms (earlier issue)', 1000) },
    { label: 'watches: heap per armed watch, bytes', workload: 'rearm', get: fig('heapBytesPerWatch'), digits: 0, better: 'lower', target: atMost('≤ 300 B (earlier issue)', 300) },
    { label: 'watches: first reply after reconnect, ms', workload: 'rearm', get: fig('firstReplyMs'), digits: 0, better: 'lower' },
    { label: 'watches: arming 100k exists watches, ms', workload: 'rearm', get: fig('armMs'), digits: 0, better: 'lower' },
    { label: 'watches: peak RSS, MB', workload: 'rearm', get: rss, digits: 0, better: 'lower' },
    { label: 'reads: 1M getData window 1,000, ops/s', workload: 'reads', get: fig('opsPerSec'), digits: 0, better: 'higher' },
    { label: 'reads: client CPU, µs/op', workload: 'reads', get: fig('cpuUsPerOp'), digits: 1, better: 'lower' },
    { label: 'reads: heap growth, KB', workload: 'reads', get: fig('heapGrowthKb'), digits: 0, better: null, target: { text: '≈ 0 (within 512 KB)', check: (z) => Math.abs(z) <= 512 } },
    { label: 'election: LeaderElection handover, median ms', workload: 'election', get: fig('handoverMs'), digits: 1, better: 'lower' },
    { label: 'election: LeaderElection handover, p99 ms', workload: 'election', get: fig('handoverP99Ms'), digits: 1, better: 'lower' },
    { label: 'election: raw-client handover, median ms', workload: 'election', get: fig('rawHandoverMs'), digits: 1, better: 'lower' },
  ]
}

export interface TableLine {
  label: string
  zkwire: number | null
  nzc: number | null
  java: number | null
  best: number | null
  ratio: number | null
  target: string
  status: string
  n: string
}

/** Medians per row over the rounds (failed children are left out and counted). */
export function buildTable(rows: readonly Row[], results: readonly ChildResult[], workloadsRun: ReadonlySet<string>): TableLine[] {
  const lines: TableLine[] = []
  for (const row of rows) {
    const of = (client: string): { value: number | null; n: number; failed: number } => {
      const mine = results.filter((r) => r.workload === row.workload && r.client === client)
      const values = mine.filter((r) => r.error === undefined).map(row.get).filter((v): v is number => v !== null && Number.isFinite(v))
      return { value: values.length === 0 ? null : median(values), n: values.length, failed: mine.filter((r) => r.error !== undefined).length }
    }
    const z = of('zkwire')
    const n = of('nzc')
    const j = of('java')
    const nothing = z.n + n.n + j.n + z.failed + n.failed + j.failed === 0
    if (nothing && !(row.pending !== undefined && workloadsRun.has('W2'))) continue
    if (nothing) {
      lines.push({ label: row.label, zkwire: null, nzc: null, java: null, best: null, ratio: null, target: row.target?.text ?? '', status: row.pending!, n: '' })
      continue
    }
    const peers = [n.value, j.value].filter((v): v is number => v !== null)
    const best = row.better === null || peers.length === 0 ? null : row.better === 'higher' ? Math.max(...peers) : Math.min(...peers)
    const ratio = z.value !== null && best !== null && best !== 0 ? z.value / best : null
    let status = ''
    if (row.target !== undefined) {
      if (z.value === null || (row.target.needsPeer === true && best === null)) status = 'n/a'
      else {
        const ok = row.target.check(z.value, best ?? Number.NaN)
        status = ok === null ? 'n/a' : ok ? 'met' : 'NOT met'
      }
    }
    const failures = z.failed + n.failed + j.failed > 0 ? ` (failed ${z.failed}/${n.failed}/${j.failed})` : ''
    lines.push({ label: row.label, zkwire: z.value, nzc: n.value, java: j.value, best, ratio, target: row.target?.text ?? '', status, n: `${z.n}/${n.n}/${j.n}${failures}` })
  }
  return lines
}

export function formatTable(title: string, lines: readonly TableLine[], digitsOf: (label: string) => number): string {
  const header = ['figure', 'zkwire', 'NZC', 'Java', 'best peer', 'zkwire/best', 'target', 'status', 'rounds z/N/J']
  const body = lines.map((l) => {
    const d = digitsOf(l.label)
    return [l.label, num(l.zkwire, d), num(l.nzc, d), num(l.java, d), num(l.best, d), l.ratio === null ? '—' : `${l.ratio.toFixed(2)}×`, l.target, l.status, l.n]
  })
  const widths = header.map((h, c) => Math.max(h.length, ...body.map((b) => b[c]!.length)))
  const right = new Set([1, 2, 3, 4, 5])
  const fmt = (cells: string[]): string => '| ' + cells.map((c, k) => (right.has(k) ? c.padStart(widths[k]!) : c.padEnd(widths[k]!))).join(' | ') + ' |'
  const rule = '|' + widths.map((w, k) => (right.has(k) ? '-'.repeat(w + 1) + ':' : '-'.repeat(w + 2))).join('|') + '|'
  const legend = `NZC = ${CLIENT_TITLES.nzc}, Java = ${CLIENT_TITLES.java}; best peer = the better of the two for that figure.`
  return [title, legend, '', fmt(header), rule, ...body.map(fmt)].join('\n')
}

/** One line per target not met, for the closing summary. */
export function unmet(lines: readonly TableLine[], digitsOf: (label: string) => number): string[] {
  return lines
    .filter((l) => l.status === 'NOT met')
    .map((l) => `${l.label}: zkwire ${num(l.zkwire, digitsOf(l.label))}${l.best === null ? '' : `, best peer ${num(l.best, digitsOf(l.label))} (${l.ratio?.toFixed(2)}×)`}; target ${l.target}`)
}

function num(v: number | null, digits: number): string {
  if (v === null) return '—'
  return v.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits })
}

export function digitsFor(rows: readonly Row[]): (label: string) => number {
  const map = new Map(rows.map((r) => [r.label, r.digits]))
  return (label) => map.get(label) ?? 1
}
