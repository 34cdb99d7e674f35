/**
 * CPU profiles of the measured phase: V8's sampling profiler (the one `node --cpu-prof` uses),
 * started through the inspector so set-up and warm-up stay out of it, and a summary of self time
 * by function with positions mapped back to the TypeScript sources.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { Session } from 'node:inspector'
import { SourceMap, findSourceMap } from 'node:module'
import { dirname, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

interface CallFrame {
  functionName: string
  url: string
  lineNumber: number
  columnNumber: number
}
interface ProfileNode {
  id: number
  callFrame: CallFrame
  children?: number[]
}
/** The `.cpuprofile` format (Chrome DevTools). */
export interface CpuProfile {
  nodes: ProfileNode[]
  startTime: number
  endTime: number
  samples: number[]
  timeDeltas: number[]
}

export class Profiler {
  private readonly session = new Session()
  private running = false

  constructor(private readonly intervalUs = 100) {}

  async start(): Promise<void> {
    if (this.running) return
    this.session.connect()
    await this.post('Profiler.enable')
    await this.post('Profiler.setSamplingInterval', { interval: this.intervalUs })
    await this.post('Profiler.start')
    this.running = true
  }

  get started(): boolean {
    return this.running
  }

  async stop(): Promise<CpuProfile> {
    const { profile } = (await this.post('Profiler.stop')) as { profile: CpuProfile }
    this.running = false
    this.session.disconnect()
    return profile
  }

  private post(method: string, params?: object): Promise<unknown> {
    return new Promise((resolve, reject) => {
      this.session.post(method, params ?? {}, (error, result) => (error ? reject(error) : resolve(result)))
    })
  }
}

export interface SelfTimeRow {
  functionName: string
  location: string
  selfMs: number
  percent: number
}

export interface ProfileSummary {
  totalMs: number
  functions: SelfTimeRow[]
  files: { file: string; selfMs: number; percent: number }[]
}

// The repository, also when this runs compiled from node_modules/.cache/zkwire-bench/bench/lib.
const repoRoot = fileURLToPath(new URL('../../', import.meta.url)).replace(/node_modules\/\.cache\/zkwire-bench\/$/, '')

/** Self time per function (and per source file), largest first. */
export function summarize(profile: CpuProfile, top = 30): ProfileSummary {
  const byId = new Map<number, ProfileNode>()
  for (const node of profile.nodes) byId.set(node.id, node)
  const selfUs = new Map<number, number>()
  // timeDeltas[i] is the time before sample i; charge each sample the time until the next one.
  for (let i = 0; i < profile.samples.length; i++) {
    const dt = profile.timeDeltas[i + 1] ?? 0
    const id = profile.samples[i]!
    selfUs.set(id, (selfUs.get(id) ?? 0) + Math.max(0, dt))
  }
  const totalUs = [...selfUs.values()].reduce((a, b) => a + b, 0)
  const rows = new Map<string, SelfTimeRow>()
  const files = new Map<string, number>()
  const mapper = new PositionMapper()
  for (const [id, us] of selfUs) {
    const frame = byId.get(id)!.callFrame
    const { file, line } = mapper.map(frame)
    const name = frame.functionName || (frame.url === '' ? frame.functionName : '(anonymous)')
    const location = file === '' ? '' : `${file}:${line}`
    const key = `${name}@${location}`
    const row = rows.get(key) ?? { functionName: name || '(root)', location, selfMs: 0, percent: 0 }
    row.selfMs += us / 1000
    rows.set(key, row)
    const fileKey = file === '' ? name : file
    files.set(fileKey, (files.get(fileKey) ?? 0) + us / 1000)
  }
  const pct = (ms: number): number => (totalUs === 0 ? 0 : (100 * ms * 1000) / totalUs)
  const functions = [...rows.values()].sort((a, b) => b.selfMs - a.selfMs).slice(0, top)
  for (const row of functions) row.percent = pct(row.selfMs)
  return {
    totalMs: totalUs / 1000,
    functions,
    files: [...files.entries()].map(([file, selfMs]) => ({ file, selfMs, percent: pct(selfMs) })).sort((a, b) => b.selfMs - a.selfMs).slice(0, 15),
  }
}

export function formatSummary(summary: ProfileSummary): string {
  const lines = [`self time over ${summary.totalMs.toFixed(0)} ms of samples`, '', '  self ms      %  function  (source)']
  for (const r of summary.functions) lines.push(`${r.selfMs.toFixed(1).padStart(8)} ${r.percent.toFixed(1).padStart(6)}  ${r.functionName}  ${r.location}`)
  lines.push('', '  by file:')
  for (const f of summary.files) lines.push(`${f.selfMs.toFixed(1).padStart(8)} ${f.percent.toFixed(1).padStart(6)}  ${f.file}`)
  return lines.join('\n')
}

/** Writes the profile (open it in Chrome DevTools or speedscope) and returns its path. */
export function writeProfile(profile: CpuProfile, path: string): string {
  mkdirSync(dirname(path), { recursive: true })
  writeFileSync(path, JSON.stringify(profile))
  return path
}

/** Maps generated positions to sources through the source maps Node or tsc left behind. */
class PositionMapper {
  private readonly maps = new Map<string, SourceMap | null>()

  map(frame: CallFrame): { file: string; line: number } {
    if (frame.url === '' || frame.url.startsWith('node:')) return { file: frame.url, line: frame.lineNumber + 1 }
    const sourceMap = this.sourceMapOf(frame.url)
    if (sourceMap !== null) {
      const entry = sourceMap.findEntry(frame.lineNumber, frame.columnNumber) as { originalSource?: string; originalLine?: number }
      if (entry.originalSource !== undefined && entry.originalLine !== undefined) {
        return { file: shorten(entry.originalSource), line: entry.originalLine + 1 }
      }
    }
    return { file: shorten(frame.url), line: frame.lineNumber + 1 }
  }

  private sourceMapOf(url: string): SourceMap | null {
    let map = this.maps.get(url)
    if (map !== undefined) return map
    map = findSourceMap(url) ?? null
    if (map === null && url.startsWith('file:')) {
      try {
        map = new SourceMap(JSON.parse(readFileSync(`${fileURLToPath(url)}.map`, 'utf8')))
      } catch {
        map = null
      }
    }
    // Source paths in tsc's maps are relative to the map file.
    if (map !== null && url.startsWith('file:')) map = new RebasedMap(map, dirname(fileURLToPath(url))) as unknown as SourceMap
    this.maps.set(url, map)
    return map
  }
}

/** Resolves a map's relative `originalSource` against the generated file's directory. */
class RebasedMap {
  constructor(
    private readonly inner: SourceMap,
    private readonly dir: string,
  ) {}

  findEntry(line: number, column: number): object {
    const entry = this.inner.findEntry(line, column) as { originalSource?: string }
    if (entry.originalSource !== undefined && !entry.originalSource.includes('://') && !entry.originalSource.startsWith('/')) {
      return { ...entry, originalSource: resolve(this.dir, entry.originalSource) }
    }
    return entry
  }
}

function shorten(source: string): string {
  const path = source.startsWith('file://') ? fileURLToPath(source) : source
  if (path.includes('/node_modules/')) return path.slice(path.indexOf('/node_modules/') + 1).replace(/^node_modules\/\.cache\/zkwire-bench\//, '')
  const rel = relative(repoRoot, path)
  return rel.startsWith('..') ? path : rel
}
