/**
 * `npm run bench`: zkwire against node-zookeeper-client on a real ZooKeeper, as BASELINE.md
 * measures them. See bench/README.md.
 *
 *   --rounds N      rounds of W1–W5 (default 3); each round runs every workload once per client
 *   --scale F       multiply operation counts (e.g. 0.1 for a quick run)
 *   --only LIST     e.g. W2,W4 or rearm,reads (W1–W5, rearm, reads, election)
 *   --no-extras     skip rearm, reads and election
 *   --pin           server JVM on CPU 0, clients on CPU 1 (taskset); adds the pinned targets
 *   --alternate     run the incumbent first in even rounds (zkwire first in odd ones)
 *   --child-timeout S   bound on each child process (default 300 s)
 *
 * Environment: ZK_CONNECT=host:port uses that server instead of starting one (ZK_SERVER_PID=pid
 * of its JVM adds its CPU figures).
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process'
import { appendFileSync, existsSync, mkdirSync } from 'node:fs'
import { cpus, loadavg } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { ZooKeeperClient } from '../src/index.js'
import type { TestingServer } from '../src/testing/index.js'
import { flagBool, flagNumber, flagString, parseFlags } from './lib/args.js'
import { type ClientName } from './lib/clients.js'
import { buildTable, digitsFor, extraRows, formatTable, mainRows } from './lib/report.js'
import { adminClient, clockTicks, deleteTree, ensureNode, hasTaskset, pinProcess, startBenchServer } from './lib/server.js'
import { type ChildResult, RESULT_MARK, type Workload } from './lib/workload.js'
import { election } from './workloads/election.js'
import { reads } from './workloads/reads.js'
import { rearm } from './workloads/rearm.js'
import { w1 } from './workloads/w1.js'
import { w2 } from './workloads/w2.js'
import { w3 } from './workloads/w3.js'
import { w4 } from './workloads/w4.js'
import { w5 } from './workloads/w5.js'

const benchDir = dirname(fileURLToPath(import.meta.url))
const repoDir = dirname(benchDir)
const buildDir = join(repoDir, 'node_modules', '.cache', 'zkwire-bench')
const MAIN: readonly Workload[] = [w1, w2, w3, w4, w5]
const EXTRAS: readonly Workload[] = [rearm, reads, election]

const flags = parseFlags(process.argv.slice(2))
const rounds = flagNumber(flags, 'rounds', 3, (n) => Number.isInteger(n) && n >= 1 && n <= 50)
const scale = flagNumber(flags, 'scale', 1)
const childTimeoutMs = flagNumber(flags, 'child-timeout', 300) * 1000
let pin = flagBool(flags, 'pin')
const alternate = flagBool(flags, 'alternate')
const only = flagString(flags, 'only')
  ?.split(',')
  .map((s) => s.trim().toLowerCase())
  .filter((s) => s !== '')
const selected = (w: Workload): boolean => (only === undefined ? !(flagBool(flags, 'no-extras') && EXTRAS.includes(w)) : only.includes(w.id.toLowerCase()))
if (only !== undefined) {
  const known = [...MAIN, ...EXTRAS].map((w) => w.id.toLowerCase())
  const unknown = only.filter((o) => !known.includes(o))
  if (unknown.length > 0) throw new Error(`--only: unknown workload(s) ${unknown.join(', ')}; known: ${known.join(', ')}`)
}

const stamp = new Date().toISOString().replace(/[:.]/g, '-')
const resultsFile = join(benchDir, 'results', `${stamp}.jsonl`)
const results: ChildResult[] = []
let currentChild: ChildProcess | null = null

function record(line: object): void {
  appendFileSync(resultsFile, `${JSON.stringify(line, (_, v: unknown) => (typeof v === 'bigint' ? v.toString() : v))}\n`)
}

function say(message: string): void {
  process.stdout.write(`${message}\n`)
}

/** Compiles the workload programs and the client to plain JS (see bench/tsconfig.json). */
function build(): void {
  const t0 = performance.now()
  const tsc = join(repoDir, 'node_modules', 'typescript', 'bin', 'tsc')
  const out = spawnSync(process.execPath, [tsc, '-p', join(benchDir, 'tsconfig.json')], { encoding: 'utf8', timeout: 240_000 })
  const expected = join(buildDir, 'bench', 'workloads', 'w1.js')
  if (out.status !== 0) {
    // Type errors elsewhere in the tree (work in progress) do not stop the emit.
    const errors = (out.stdout + out.stderr).split('\n').filter((l) => l.includes('error TS'))
    if (!existsSync(expected) || out.error !== undefined) throw new Error(`could not compile the benchmark:\n${out.stdout}${out.stderr}${out.error?.message ?? ''}`)
    say(`note: tsc reported ${errors.length} type error(s); the emitted JavaScript is used anyway. First: ${errors[0] ?? ''}`)
  }
  say(`compiled the client and workloads in ${((performance.now() - t0) / 1000).toFixed(1)} s`)
}

interface ChildSpec {
  workload: Workload
  client: ClientName
  round: number
  connectString: string
  root: string
  serverPid: number | null
  clkTck: number
}

/** Runs one workload for one client in a fresh process and returns what it printed. */
function runChild(spec: ChildSpec): Promise<ChildResult> {
  const script = join(buildDir, 'bench', 'workloads', `${spec.workload.id.toLowerCase()}.js`)
  const args = ['--expose-gc', script, '--client', spec.client, '--connect', spec.connectString, '--root', spec.root, '--scale', String(scale), '--round', String(spec.round), '--clk-tck', String(spec.clkTck)]
  if (spec.serverPid !== null) args.push('--server-pid', String(spec.serverPid))
  const [command, argv] = pin ? ['taskset', ['-c', '1', process.execPath, ...args]] : [process.execPath, args]
  const failed = (error: string): ChildResult => ({ workload: spec.workload.id, client: spec.client, round: spec.round, scale, profiled: false, figures: {}, peakRssMb: Number.NaN, error })
  return new Promise((resolve) => {
    const child = spawn(command, argv as string[], { stdio: ['ignore', 'pipe', 'pipe'], cwd: repoDir })
    currentChild = child
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    const timer = setTimeout(() => {
      stderr += `\nkilled after ${childTimeoutMs / 1000} s`
      child.kill('SIGKILL')
    }, childTimeoutMs)
    child.on('error', (error) => {
      clearTimeout(timer)
      currentChild = null
      resolve(failed(`could not start ${command}: ${error.message}`))
    })
    child.on('close', (code, signal) => {
      clearTimeout(timer)
      currentChild = null
      const line = stdout.split('\n').find((l) => l.startsWith(RESULT_MARK))
      if (line === undefined) {
        resolve(failed(`exited with ${signal ?? code} and no result: ${stderr.trim().split('\n').slice(-8).join(' / ')}`))
        return
      }
      resolve(JSON.parse(line.slice(RESULT_MARK.length)) as ChildResult)
    })
  })
}

function brief(r: ChildResult): string {
  if (r.error !== undefined) return `FAILED: ${r.error}`
  const shown = Object.entries(r.figures)
    .filter(([, v]) => typeof v === 'number' || (typeof v === 'string' && v !== ''))
    .map(([k, v]) => `${k}=${typeof v === 'number' ? (Number.isInteger(v) ? v : v.toFixed(1)) : v}`)
  return `${shown.join(' ')} rss=${r.peakRssMb.toFixed(0)}MB`
}

async function main(): Promise<void> {
  const started = performance.now()
  mkdirSync(dirname(resultsFile), { recursive: true })
  const loadAtStart = loadavg()[0]!
  // Client and server share the CPUs with whatever else runs: say so when something else does.
  if (loadAtStart > 1) say(`note: load average ${loadAtStart.toFixed(1)} before starting: other processes are using the CPUs, so the figures will be noisier`)
  build()
  let server: TestingServer | null = null
  let admin: ZooKeeperClient | null = null
  let root = ''
  const external = process.env.ZK_CONNECT
  try {
    let connectString: string
    let serverPid: number | null = null
    if (external !== undefined && external !== '') {
      connectString = external
      serverPid = process.env.ZK_SERVER_PID ? Number(process.env.ZK_SERVER_PID) : null
      say(`server: ${connectString} (ZK_CONNECT)${serverPid === null ? '; set ZK_SERVER_PID for its CPU figures' : ''}`)
    } else {
      server = await startBenchServer()
      connectString = server.connectString
      serverPid = server.pid
      say(`server: ZooKeeper on ${connectString}, pid ${serverPid} (forceSync=yes, 256 MB heap, default JVM flags)`)
    }

    if (pin) {
      if (cpus().length < 2) {
        say('--pin ignored: it needs 2 CPUs (server on 0, clients on 1) and this machine has 1')
        pin = false
      } else if (!hasTaskset()) {
        say('--pin ignored: `taskset` was not found; it is in util-linux (apt-get install util-linux)')
        pin = false
      } else if (serverPid === null) {
        say('--pin: the server JVM pid is unknown (set ZK_SERVER_PID); only the clients are pinned, to CPU 1')
      } else {
        pinProcess(serverPid, 0)
        say(`pinned: server JVM ${serverPid} on CPU 0, benchmark and clients on CPU 1`)
      }
      if (pin) pinProcess(process.pid, 1)
    }

    const clkTck = clockTicks()
    root = `/zkbench-${stamp.toLowerCase()}`
    admin = await adminClient(connectString)
    await ensureNode(admin, root)
    const mains = MAIN.filter(selected)
    const extras = EXTRAS.filter(selected)
    for (const w of [...mains, ...extras]) {
      if (w.setup === undefined) continue
      const t0 = performance.now()
      await w.setup(admin, { root, scale })
      say(`set up ${w.id} in ${((performance.now() - t0) / 1000).toFixed(1)} s`)
    }
    record({ kind: 'run', stamp, rounds, scale, pinned: pin, alternate, connectString, serverPid, node: process.version, cpus: cpus().length, cpuModel: cpus()[0]?.model ?? '', loadAverageAtStart: loadAtStart })

    const spec = (workload: Workload, client: ClientName, round: number): ChildSpec => ({ workload, client, round, connectString, root, serverPid, clkTck })
    const runOne = async (workload: Workload, client: ClientName, round: number): Promise<void> => {
      const t0 = performance.now()
      const result = await runChild(spec(workload, client, round))
      results.push(result)
      record({ kind: 'result', ...result, pinned: pin, stamp })
      say(`  ${workload.id.padEnd(8)} ${client.padEnd(9)} ${((performance.now() - t0) / 1000).toFixed(1).padStart(5)} s  ${brief(result)}`)
    }

    for (let round = 1; round <= rounds && mains.length > 0; round++) {
      say(`round ${round} of ${rounds}`)
      for (const workload of mains) {
        const clients = alternate && round % 2 === 0 ? [...workload.clients].reverse() : workload.clients
        for (const client of clients) await runOne(workload, client, round)
      }
    }
    if (extras.length > 0) say('extra workloads')
    for (const workload of extras) for (const client of workload.clients) await runOne(workload, client, 1)

    const elapsed = (performance.now() - started) / 1000
    const rowsMain = mainRows(pin)
    const rowsExtra = extraRows()
    const tableMain = buildTable(rowsMain, results)
    const tableExtra = buildTable(rowsExtra, results)
    say('')
    if (tableMain.length > 0) {
      say(formatTable(`Medians of ${rounds} round(s), scale ${scale}${pin ? ', pinned (server CPU 0, client CPU 1)' : ''}: zkwire vs node-zookeeper-client 1.1.3`, tableMain, digitsFor(rowsMain)))
      say('')
    }
    if (tableExtra.length > 0) {
      say(formatTable('Extra workloads (one run each; incumbent where it can do them)', tableExtra, digitsFor(rowsExtra)))
      for (const r of results.filter((x) => x.workload === 'rearm' || x.workload === 'election')) {
        const note = r.figures.note
        if (typeof note === 'string' && note !== '') say(`  ${r.workload} ${r.client}: ${note}`)
      }
      say('')
    }
    say(`total ${elapsed.toFixed(0)} s; load average ${loadAtStart.toFixed(1)} at the start, ${loadavg()[0]!.toFixed(1)} at the end (this run included); raw figures: ${resultsFile}`)
    record({ kind: 'summary', stamp, elapsedSeconds: elapsed, loadAverageAtEnd: loadavg()[0], main: tableMain, extra: tableExtra })
  } finally {
    if (admin !== null) {
      // A server of our own goes away with its data; on someone else's, remove what we made.
      if (server === null && root !== '') await deleteTree(admin, root).catch(() => {})
      await admin.close().catch(() => {})
    }
    await server?.close()
  }
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    // The server JVM is killed by zkwire/testing's own exit hooks; the running child is ours to stop.
    currentChild?.kill('SIGKILL')
    process.exit(130)
  })
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    currentChild?.kill('SIGKILL')
    console.error(error)
    process.exit(1)
  },
)
