/**
 * What a workload is, and the child-process side of running one: each workload module is also a
 * program (`tsx bench/workloads/w2.ts --client zkwire [--profile]`) that runs that workload once
 * for one client and prints its figures.
 *
 * Flags of a workload program:
 *   --client zkwire|nzc         which client (default zkwire)
 *   --connect host:port         server (default: $ZK_CONNECT, else a server is started for the run)
 *   --root /path                bench root whose nodes the orchestrator already created; without
 *                               it the program creates (and afterwards removes) its own
 *   --scale F                   multiply operation counts (default 1)
 *   --round N                   round number, for the record
 *   --server-pid PID            the server JVM, to report its CPU use over the measured phase
 *   --clk-tck N                 clock ticks per second for /proc figures (default 100)
 *   --profile                   CPU-profile the measured phase; writes bench/results/profiles/
 *                               and prints the top self-time functions
 *   --top N                     rows in the profile summary (default 30)
 * plus the workload's own flags (see each workload).
 */
import { realpathSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import type { ZooKeeperClient } from '../../src/index.js'
import type { TestingServer } from '../../src/testing/index.js'
import { type Flags, flagBool, flagNumber, flagString, parseFlags } from './args.js'
import { type BenchClient, type ClientName, NODE_CLIENTS, type NodeClientName, connectClient } from './clients.js'
import { peakRssMb, processTicks } from './measure.js'
import { Profiler, formatSummary, summarize, writeProfile } from './profile.js'
import { adminClient, deleteTree, ensureNode, startBenchServer } from './server.js'
import { mntr, type ServerView, serverView } from './server-view.js'

export type Figure = number | string | boolean | null
export type Figures = Record<string, Figure>

export interface SetupEnv {
  root: string
  scale: number
}

/** One measured phase. */
export interface Measured<T> {
  value: T
  wallMs: number
  /** Client process CPU (user + system) over the phase, µs. */
  cpuUs: number
  /** Of which in the kernel (system time), µs: mostly socket syscalls. */
  systemUs: number
  /** Client CPU as % of one core over the phase. */
  clientCpuPct: number
  /** Server JVM CPU as % of one core over the phase, when its pid is known. */
  serverCpuPct: number | null
  /** The phase as the server's `mntr` counters saw it (null if it did not answer). */
  server: ServerView | null
}

/** The figures every throughput workload reports for `ops` operations measured as `m`. */
export function throughput(ops: number, m: Measured<unknown>): Figures {
  return {
    ops,
    opsPerSec: ops / (m.wallMs / 1000),
    cpuUsPerOp: m.cpuUs / ops,
    systemUsPerOp: m.systemUs / ops,
    clientCpuPct: m.clientCpuPct,
    serverCpuPct: m.serverCpuPct,
    ...serverFigures(ops, m),
  }
}

/**
 * The server's side of a phase of `ops` operations, as figures: its CPU per operation (all JVM
 * threads), the mean queue in its pipeline, group commit size, fsync time and its own latency.
 * `prefix` names them for workloads with several phases (W3: `create`, `delete`).
 */
export function serverFigures(ops: number, m: Measured<unknown>, prefix = ''): Figures {
  const name = (key: string): string => (prefix === '' ? key : `${prefix}${key[0]!.toUpperCase()}${key.slice(1)}`)
  const v = m.server
  const figures: Figures = {
    [name('serverCpuUsPerOp')]: m.serverCpuPct === null ? null : (m.serverCpuPct / 100) * m.wallMs * 1000 / ops,
  }
  if (v === null) return figures
  figures[name('serverQueueMean')] = v.prepQueueMean
  figures[name('serverGroupCommitMean')] = v.groupCommitMean
  figures[name('serverFsyncs')] = v.fsyncs
  figures[name('serverFsyncMsMean')] = v.fsyncMsMean
  figures[name('serverReadLatencyMs')] = v.readLatencyMsMean
  figures[name('serverUpdateLatencyMs')] = v.updateLatencyMsMean
  return figures
}

export interface RunContext {
  client: NodeClientName
  connectString: string
  root: string
  scale: number
  round: number
  flags: Flags
  /** Connects a client of the kind under test (bounded). */
  connect(): Promise<BenchClient>
  /** Runs `fn` as a measured phase: wall time, client CPU, server CPU; profiled with --profile. */
  measure<T>(fn: () => Promise<T>): Promise<Measured<T>>
  log(message: string): void
}

export interface Workload {
  /** Short id: W1…W5, rearm, reads, election. */
  id: string
  title: string
  /** Clients it runs for ('java' is run by bench/run.ts through bench/java). */
  clients: readonly ClientName[]
  /**
   * A server heap (MB) other than the baseline's 256: the workload then gets a server of its own,
   * and says why in `serverWhy`.
   */
  serverHeapMb?: number
  serverWhy?: string
  /** Runs on a TLS server of its own (mutual TLS); the child gets the PEM files with --tls-dir. */
  tls?: boolean
  /** Creates the nodes the children read; run once per bench run, before any child. */
  setup?(zk: ZooKeeperClient, env: SetupEnv): Promise<void>
  run(ctx: RunContext): Promise<Figures>
}

/** What a child prints (one line, after {@link RESULT_MARK}). */
export interface ChildResult {
  workload: string
  client: ClientName
  round: number
  scale: number
  profiled: boolean
  figures: Figures
  peakRssMb: number
  error?: string
}

export const RESULT_MARK = 'BENCH_RESULT '
/** Printed (followed by `start` or `end`) around each measured phase. */
export const PHASE_MARK = 'BENCH_PHASE '

/** Runs the workload as a program when its module is the entry point. */
export function runIfMain(meta: ImportMeta, workload: Workload): void {
  const entry = process.argv[1]
  if (entry === undefined) return
  let entryUrl: string
  try {
    entryUrl = pathToFileURL(realpathSync(entry)).href
  } catch {
    return
  }
  if (entryUrl !== meta.url) return
  main(workload).then(
    (code) => process.exit(code),
    (error: unknown) => {
      console.error(error)
      process.exit(1)
    },
  )
}

async function main(workload: Workload): Promise<number> {
  const flags = parseFlags(process.argv.slice(2))
  const client = (flagString(flags, 'client') ?? 'zkwire') as NodeClientName
  if (!NODE_CLIENTS.includes(client)) throw new Error(`--client must be one of ${NODE_CLIENTS.join(', ')} (the Java peer is bench/java/ZkBench.java, run by bench/run.ts)`)
  const scale = flagNumber(flags, 'scale', 1)
  const round = flagNumber(flags, 'round', 1, (n) => Number.isInteger(n) && n >= 0)
  const clkTck = flagNumber(flags, 'clk-tck', 100)
  const profiling = flagBool(flags, 'profile')
  let connectString = flagString(flags, 'connect') ?? process.env.ZK_CONNECT
  let serverPid: number | null = flags.has('server-pid') ? flagNumber(flags, 'server-pid', 0) : process.env.ZK_SERVER_PID ? Number(process.env.ZK_SERVER_PID) : null
  let root = flagString(flags, 'root')
  const ownsRoot = root === undefined
  let server: TestingServer | null = null
  const log = (message: string): void => void process.stderr.write(`[${workload.id} ${client}] ${message}\n`)
  if (!workload.clients.includes(client)) throw new Error(`${workload.id} runs only for ${workload.clients.join(', ')}`)

  try {
    if (connectString === undefined) {
      log('starting a ZooKeeper server (forceSync=yes, 256 MB heap) for this run')
      server = await startBenchServer(workload.serverHeapMb)
      connectString = server.connectString
      serverPid = server.pid
    }
    if (root === undefined) {
      root = `/zkbench-solo-${process.pid}-${Date.now().toString(36)}`
      const admin = await adminClient(connectString)
      try {
        await ensureNode(admin, root)
        if (workload.setup !== undefined) {
          log(`setting up ${root}`)
          await workload.setup(admin, { root, scale })
        }
      } finally {
        await admin.close()
      }
    }

    const profiler = profiling ? new Profiler() : null
    const connect = connectString
    const ctx: RunContext = {
      client,
      connectString: connect,
      root,
      scale,
      round,
      flags,
      connect: () => connectClient(client, connect),
      log,
      async measure<T>(fn: () => Promise<T>): Promise<Measured<T>> {
        // Warm-up garbage is not charged to the phase; once profiling, forced GCs would only pollute the profile.
        const gc = (globalThis as { gc?: () => void }).gc
        if (gc !== undefined && !(profiler?.started ?? false)) gc()
        const mntrBefore = await mntr(connect)
        if (profiler !== null && !profiler.started) await profiler.start()
        // Tells an observer of the server (the orchestrator's server view) when the phase runs.
        process.stdout.write(`${PHASE_MARK}start\n`)
        const serverBefore = serverPid === null ? Number.NaN : processTicks(serverPid)
        const cpuBefore = process.cpuUsage()
        const t0 = performance.now()
        const value = await fn()
        const wallMs = performance.now() - t0
        const cpu = process.cpuUsage(cpuBefore)
        const serverAfter = serverPid === null ? Number.NaN : processTicks(serverPid)
        process.stdout.write(`${PHASE_MARK}end\n`)
        const mntrAfter = mntrBefore === null ? null : await mntr(connect)
        const cpuUs = cpu.user + cpu.system
        const serverCpuPct = Number.isFinite(serverAfter - serverBefore) ? ((serverAfter - serverBefore) / clkTck / (wallMs / 1000)) * 100 : null
        const server = mntrBefore !== null && mntrAfter !== null ? serverView(mntrBefore, mntrAfter) : null
        return { value, wallMs, cpuUs, systemUs: cpu.system, clientCpuPct: (cpuUs / 1000 / wallMs) * 100, serverCpuPct, server }
      },
    }

    let result: ChildResult
    try {
      const figures = await workload.run(ctx)
      result = { workload: workload.id, client, round, scale, profiled: profiling, figures, peakRssMb: peakRssMb() }
    } catch (error) {
      result = { workload: workload.id, client, round, scale, profiled: profiling, figures: {}, peakRssMb: peakRssMb(), error: error instanceof Error ? error.message : String(error) }
    }

    if (profiler?.started) {
      const profile = await profiler.stop()
      const resultsDir = fileURLToPath(new URL('../results/profiles/', import.meta.url)).replace('/node_modules/.cache/zkwire-bench/bench/', '/bench/')
      const file = writeProfile(profile, join(resultsDir, `${workload.id}-${client}-${new Date().toISOString().replace(/[:.]/g, '-')}.cpuprofile`))
      process.stdout.write(`\nCPU profile of the measured phase: ${file}\n${formatSummary(summarize(profile, flagNumber(flags, 'top', 30)))}\n\n`)
    }

    process.stdout.write(`${RESULT_MARK}${JSON.stringify(result)}\n`)
    if (result.error !== undefined) log(`failed: ${result.error}`)
    else log(Object.entries(result.figures).map(([k, v]) => `${k}=${typeof v === 'number' ? round2(v) : String(v)}`).join(' ') + ` peakRssMb=${round2(result.peakRssMb)}`)

    if (ownsRoot && server === null) {
      const admin = await adminClient(connect)
      await deleteTree(admin, root).finally(() => admin.close())
    }
    return result.error === undefined ? 0 : 1
  } finally {
    await server?.close()
  }
}

function round2(v: number): string {
  return Number.isInteger(v) ? String(v) : v.toFixed(2)
}
