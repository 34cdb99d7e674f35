/**
 * The table of medians: each figure for zkwire and the incumbent, their ratio, and the target
 * from the performance issue with whether it is met.
 */
import { median } from './measure.js'
import type { ChildResult, Figure } from './workload.js'

type Get = (r: ChildResult) => number | null

interface Row {
  label: string
  workload: string
  get: Get
  digits: number
  /** Target as text, and the check (given both medians); absent when there is none. */
  target?: { text: string; check: (z: number, i: number) => boolean | null }
}

const fig =
  (key: string): Get =>
  (r) => {
    const v: Figure | undefined = r.figures[key]
    return typeof v === 'number' ? v : null
  }
const rss: Get = (r) => r.peakRssMb
const ratioAtMost = (max: number) => (z: number, i: number) => z / i <= max
const ratioAtLeast = (min: number) => (z: number, i: number) => z / i >= min

export function mainRows(pinned: boolean): Row[] {
  const pinnedOnly = (check: (z: number) => boolean) => (z: number) => (pinned ? check(z) : null)
  return [
    { label: 'W1 getData sequential, ops/s', workload: 'W1', get: fig('opsPerSec'), digits: 0 },
    { label: 'W1 p50 latency, µs', workload: 'W1', get: fig('p50Us'), digits: 0, target: { text: '≤ 0.9 × incumbent', check: ratioAtMost(0.9) } },
    { label: 'W1 p99 latency, µs', workload: 'W1', get: fig('p99Us'), digits: 0, target: { text: '≤ incumbent', check: ratioAtMost(1) } },
    { label: 'W2 getData window 1,000, ops/s', workload: 'W2', get: fig('opsPerSec'), digits: 0, target: { text: '≥ 1.25 × incumbent', check: ratioAtLeast(1.25) } },
    { label: 'W2 client CPU, µs/op', workload: 'W2', get: fig('cpuUsPerOp'), digits: 1, target: { text: '≤ 8 µs (incumbent 44)', check: (z) => z <= 8 } },
    { label: 'W2 of which kernel (syscalls), µs/op', workload: 'W2', get: fig('systemUsPerOp'), digits: 1 },
    { label: 'W2 server JVM CPU, % of a core', workload: 'W2', get: fig('serverCpuPct'), digits: 0, target: { text: pinned ? '≥ 95% (pinned)' : '≥ 95% when --pin', check: pinnedOnly((z) => z >= 95) } },
    { label: 'W2 client CPU, % of a core', workload: 'W2', get: fig('clientCpuPct'), digits: 0, target: { text: pinned ? '≤ 30% (pinned)' : '≤ 30% when --pin', check: pinnedOnly((z) => z <= 30) } },
    { label: 'W3 creates, ops/s', workload: 'W3', get: fig('createOpsPerSec'), digits: 0, target: { text: '≥ 1.1 × incumbent', check: ratioAtLeast(1.1) } },
    { label: 'W3 deletes, ops/s', workload: 'W3', get: fig('deleteOpsPerSec'), digits: 0, target: { text: '≥ 1.1 × incumbent', check: ratioAtLeast(1.1) } },
    { label: 'W4 getChildren of 10,000, ops/s', workload: 'W4', get: fig('opsPerSec'), digits: 0, target: { text: '≥ 1.3 × incumbent', check: ratioAtLeast(1.3) } },
    { label: 'W5 fan-out of 1,000 watches, ms', workload: 'W5', get: fig('fanOutMs'), digits: 1, target: { text: '≤ 0.6 × incumbent', check: ratioAtMost(0.6) } },
    { label: 'W5 first setData → first notification, ms', workload: 'W5', get: fig('firstNotificationMs'), digits: 1 },
    { label: 'W5 first setData → last setData reply, ms', workload: 'W5', get: fig('lastSetDataReplyMs'), digits: 1 },
    { label: 'W1 peak RSS, MB', workload: 'W1', get: rss, digits: 0 },
    { label: 'W2 peak RSS, MB', workload: 'W2', get: rss, digits: 0, target: { text: '≤ 80 MB (incumbent 146)', check: (z) => z <= 80 } },
    { label: 'W3 peak RSS, MB', workload: 'W3', get: rss, digits: 0 },
    { label: 'W4 peak RSS, MB', workload: 'W4', get: rss, digits: 0 },
    { label: 'W5 peak RSS, MB', workload: 'W5', get: rss, digits: 0 },
  ]
}

export function extraRows(): Row[] {
  return [
    { label: 'rearm: 100k watches re-armed after reconnect, ms', workload: 'rearm', get: fig('rearmMs'), digits: 0, target: { text: '≤ 1,000 ms', check: (z) => z <= 1000 } },
    { label: 'rearm: heap per armed watch, bytes', workload: 'rearm', get: fig('heapBytesPerWatch'), digits: 0, target: { text: '≤ 300 B', check: (z) => z <= 300 } },
    { label: 'rearm: first reply after reconnect, ms', workload: 'rearm', get: fig('firstReplyMs'), digits: 0 },
    { label: 'rearm: arming 100k exists watches, ms', workload: 'rearm', get: fig('armMs'), digits: 0 },
    { label: 'rearm: peak RSS, MB', workload: 'rearm', get: rss, digits: 0 },
    { label: 'reads: 1M getData window 1,000, ops/s', workload: 'reads', get: fig('opsPerSec'), digits: 0 },
    { label: 'reads: client CPU, µs/op', workload: 'reads', get: fig('cpuUsPerOp'), digits: 1 },
    { label: 'reads: heapUsed after GC before, MB', workload: 'reads', get: fig('heapBeforeMb'), digits: 2 },
    { label: 'reads: heapUsed after GC after, MB', workload: 'reads', get: fig('heapAfterMb'), digits: 2 },
    { label: 'reads: heap growth, KB', workload: 'reads', get: fig('heapGrowthKb'), digits: 0, target: { text: '≈ 0 (within noise)', check: (z) => Math.abs(z) <= 512 } },
    { label: 'reads: peak RSS, MB', workload: 'reads', get: rss, digits: 0 },
    { label: 'election: LeaderElection handover, median ms', workload: 'election', get: fig('handoverMs'), digits: 1 },
    { label: 'election: LeaderElection handover, p99 ms', workload: 'election', get: fig('handoverP99Ms'), digits: 1 },
    { label: 'election: raw-client handover, median ms', workload: 'election', get: fig('rawHandoverMs'), digits: 1 },
    { label: 'election: raw-client handover, p99 ms', workload: 'election', get: fig('rawHandoverP99Ms'), digits: 1 },
  ]
}

export interface TableLine {
  label: string
  zkwire: number | null
  incumbent: number | null
  ratio: number | null
  target: string
  status: string
  n: string
}

/** Medians per row over the rounds (failed children are left out and counted). */
export function buildTable(rows: Row[], results: readonly ChildResult[]): TableLine[] {
  const lines: TableLine[] = []
  for (const row of rows) {
    const of = (client: string): { value: number | null; n: number; failed: number } => {
      const mine = results.filter((r) => r.workload === row.workload && r.client === client)
      const values = mine.filter((r) => r.error === undefined).map(row.get).filter((v): v is number => v !== null && Number.isFinite(v))
      return { value: values.length === 0 ? null : median(values), n: values.length, failed: mine.filter((r) => r.error !== undefined).length }
    }
    const z = of('zkwire')
    const i = of('incumbent')
    if (z.n + i.n + z.failed + i.failed === 0) continue
    const ratio = z.value !== null && i.value !== null && i.value !== 0 ? z.value / i.value : null
    let status = ''
    if (row.target !== undefined) {
      const needsIncumbent = row.target.text.includes('incumbent') && !row.target.text.includes('(incumbent')
      if (z.value === null || (needsIncumbent && i.value === null)) status = 'n/a'
      else {
        const ok = row.target.check(z.value, i.value ?? Number.NaN)
        status = ok === null ? 'n/a' : ok ? 'met' : 'NOT met'
      }
    }
    const failures = z.failed + i.failed > 0 ? ` (${z.failed}+${i.failed} failed)` : ''
    lines.push({ label: row.label, zkwire: z.value, incumbent: i.value, ratio, target: row.target?.text ?? '', status, n: `${z.n}/${i.n}${failures}` })
  }
  return lines
}

export function formatTable(title: string, lines: readonly TableLine[], digitsOf: (label: string) => number): string {
  const header = ['figure', 'zkwire', 'incumbent', 'ratio z/i', 'target', 'status', 'rounds z/i']
  const body = lines.map((l) => {
    const d = digitsOf(l.label)
    return [l.label, num(l.zkwire, d), num(l.incumbent, d), l.ratio === null ? '—' : l.ratio.toFixed(3), l.target, l.status, l.n]
  })
  const widths = header.map((h, c) => Math.max(h.length, ...body.map((b) => b[c]!.length)))
  const right = new Set([1, 2, 3])
  const fmt = (cells: string[]): string => '| ' + cells.map((c, k) => (right.has(k) ? c.padStart(widths[k]!) : c.padEnd(widths[k]!))).join(' | ') + ' |'
  const rule = '|' + widths.map((w, k) => (right.has(k) ? '-'.repeat(w + 1) + ':' : '-'.repeat(w + 2))).join('|') + '|'
  return [title, '', fmt(header), rule, ...body.map(fmt)].join('\n')
}

function num(v: number | null, digits: number): string {
  if (v === null) return '—'
  return v.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits })
}

export function digitsFor(rows: Row[]): (label: string) => number {
  const map = new Map(rows.map((r) => [r.label, r.digits]))
  return (label) => map.get(label) ?? 1
}
