/**
 * `npm run bench`: zkwire beside node-zookeeper-client and the Java client on a real ZooKeeper, as
 * BASELINE.md measures them, with the targets of issue 14. See bench/README.md.
 *
 *   --rounds N        rounds of W1–W5 per mode (default 3); each runs every workload once per client
 *   --scale F         multiply operation counts (e.g. 0.1 for a quick run)
 *   --modes LIST      unpinned, pinned or both (default unpinned); --pin = --modes pinned
 *   --peers LIST      nzc, java (default both)
 *   --extras LIST     large, rearm (the default), reads, election, all, none; --no-extras = none
 *   --only LIST       just these workloads (W1–W5 and extras), e.g. W2,W3
 *   --fixed-order     always zkwire, NZC, Java (default: the order rotates every round)
 *   --child-timeout S bound on each child process (default 300 s)
 *
 * Environment: ZK_CONNECT=host:port uses that server instead of starting one (ZK_SERVER_PID=pid
 * of its JVM adds its CPU figures).
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process'
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs'
import { cpus, loadavg, tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import type { ZooKeeperClient } from '../src/index.js'
import { FaultProxy, TestingServer, createTestCertificates } from '../src/testing/index.js'
import { flagBool, flagNumber, flagString, parseFlags } from './lib/args.js'
import { CLIENT_TITLES, type ClientName } from './lib/clients.js'
import { type JavaPeer, javaTlsProperties, prepareJavaPeer } from './lib/java.js'
import { type Row, type TableLine, buildTable, digitsFor, extraRows, formatTable, mainRows, unmet } from './lib/report.js'
import { adminClient, clockTicks, deleteTree, ensureNode, hasTaskset, pinProcess, startBenchServer } from './lib/server.js'
import { ARMED_LINE, REOPENED_LINE, cutUntilDropped, firstServer, totalWatches } from './lib/watches.js'
import { type ChildResult, RESULT_MARK, type Workload } from './lib/workload.js'
import { bundle } from '../scripts/build.mjs'
import { election } from './workloads/election.js'
import { large } from './workloads/large.js'
import { reads } from './workloads/reads.js'
import { rearm } from './workloads/rearm.js'
import { w1 } from './workloads/w1.js'
import { w2 } from './workloads/w2.js'
import { w2Tls } from './workloads/w2-tls.js'
import { w3 } from './workloads/w3.js'
import { w4 } from './workloads/w4.js'
import { w5 } from './workloads/w5.js'

const benchDir = dirname(fileURLToPath(import.meta.url))
const repoDir = dirname(benchDir)
const buildDir = join(repoDir, 'node_modules', '.cache', 'zkwire-bench')
const MAIN: readonly Workload[] = [w1, w2, w2Tls, w3, w4, w5]
const EXTRAS: readonly Workload[] = [large, rearm, reads, election]
const DEFAULT_EXTRAS = ['large', 'rearm']
type Mode = 'unpinned' | 'pinned'

const flags = parseFlags(process.argv.slice(2))
const rounds = flagNumber(flags, 'rounds', 3, (n) => Number.isInteger(n) && n >= 1 && n <= 50)
const scale = flagNumber(flags, 'scale', 1)
const childTimeoutMs = flagNumber(flags, 'child-timeout', 300) * 1000
const list = (name: string): string[] | undefined =>
  flagString(flags, name)
    ?.split(',')
    .map((s) => s.trim().toLowerCase())
    .filter((s) => s !== '')
const modes: Mode[] = flagBool(flags, 'pin') ? ['pinned'] : ((list('modes') ?? ['unpinned']).flatMap((m) => (m === 'both' ? ['unpinned', 'pinned'] : [m])) as Mode[])
const peers = (list('peers') ?? ['nzc', 'java']) as ClientName[]
const clients: ClientName[] = ['zkwire', ...peers]
const only = list('only')?.map((id) => (id === 'watches' ? 'rearm' : id))
const extrasWanted = flagBool(flags, 'no-extras') ? [] : (list('extras') ?? DEFAULT_EXTRAS).flatMap((e) => (e === 'all' ? EXTRAS.map((w) => w.id) : e === 'none' ? [] : [e === 'watches' ? 'rearm' : e]))
const rotate = !flagBool(flags, 'fixed-order')
{
  const bad = (what: string, given: readonly string[], known: readonly string[]): void => {
    const unknown = given.filter((g) => !known.includes(g))
    if (unknown.length > 0) throw new Error(`${what}: unknown ${unknown.join(', ')}; known: ${known.join(', ')}`)
  }
  bad('--modes', modes, ['unpinned', 'pinned'])
  bad('--peers', peers, ['nzc', 'java'])
  bad('--only', only ?? [], [...MAIN, ...EXTRAS].map((w) => w.id.toLowerCase()))
  bad('--extras', extrasWanted, EXTRAS.map((w) => w.id))
}
const selected = (w: Workload): boolean => (only !== undefined ? only.includes(w.id.toLowerCase()) : MAIN.includes(w) || extrasWanted.includes(w.id))

const stamp = new Date().toISOString().replace(/[:.]/g, '-')
const resultsFile = join(benchDir, 'results', `${stamp}.jsonl`)
let currentChild: ChildProcess | null = null

function record(line: object): void {
  appendFileSync(resultsFile, `${JSON.stringify(line, (_, v: unknown) => (typeof v === 'bigint' ? v.toString() : v))}\n`)
}

function say(message: string): void {
  process.stdout.write(`${message}\n`)
}

/** Compiles the workload programs and the client to plain JS (see bench/tsconfig.json). */
function buildTypeScript(): void {
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

/**
 * Replaces the compiled `src/index.js` and `src/testing/index.js` the workloads import with the
 * bundles `npm run build` ships (one module per entry point, shared chunks), so the children run
 * and are measured as users run zkwire: tsc's 116 modules cost a process about 9 MB more memory.
 */
async function bundleClient(): Promise<void> {
  const t0 = performance.now()
  await bundle(join(buildDir, 'src'), ['index', 'testing/index'])
  say(`bundled the client as the package ships it in ${((performance.now() - t0) / 1000).toFixed(1)} s`)
}

/** Where a workload runs: the main server, or (large) one of its own. */
interface Target {
  connectString: string
  serverPid: number | null
  root: string
  /** A TLS server: the folder with ca.pem, client.pem, client-key.pem and keystore.pem. */
  tlsDir?: string
}

interface ChildSpec {
  workload: Workload
  client: ClientName
  round: number
  target: Target
  pinned: boolean
  clkTck: number
}

/** Runs one workload for one client in a fresh process and returns what it printed. */
async function runChild(spec: ChildSpec, java: JavaPeer | null): Promise<ChildResult> {
  const { workload, client, target } = spec
  const common = ['--connect', target.connectString, '--root', target.root, '--scale', String(scale), '--round', String(spec.round), '--clk-tck', String(spec.clkTck)]
  if (target.serverPid !== null) common.push('--server-pid', String(target.serverPid))
  if (target.tlsDir !== undefined) common.push('--tls-dir', target.tlsDir)
  // The watch-heavy workload goes through a proxy that runs here, the same for every client.
  const proxy = workload === rearm ? await FaultProxy.start({ upstream: target.connectString }) : null
  const { host, port } = firstServer(target.connectString)
  const baseWatches = proxy === null ? 0 : await totalWatches(host, port)
  let command: string
  let argv: string[]
  if (client === 'java') {
    const args = ['--workload', workload.id, ...common]
    if (proxy !== null) args.push('--server', target.connectString, '--connect', proxy.address)
    const tls = target.tlsDir === undefined ? undefined : javaTlsProperties(join(target.tlsDir, 'keystore.pem'), join(target.tlsDir, 'ca.pem'))
    ;[command, argv] = java!.command(args, tls)
  } else {
    command = process.execPath
    argv = ['--expose-gc', join(buildDir, 'bench', 'workloads', `${workload.id.toLowerCase()}.js`), '--client', client, ...common]
    if (proxy !== null) argv.push('--proxy', proxy.address)
  }
  if (spec.pinned) [command, argv] = ['taskset', ['-c', '1', command, ...argv]]
  const failed = (error: string): ChildResult => ({ workload: workload.id, client, round: spec.round, scale, profiled: false, figures: {}, peakRssMb: Number.NaN, error })
  try {
    return await new Promise((resolve) => {
      const child = spawn(command, argv, { stdio: ['pipe', 'pipe', 'pipe'], cwd: repoDir })
      currentChild = child
      let result: ChildResult | null = null
      let stderr = ''
      child.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-20_000)))
      child.stdin.on('error', () => {}) // a child that exits early closes its stdin
      createInterface({ input: child.stdout }).on('line', (line) => {
        if (line.startsWith(RESULT_MARK)) result = JSON.parse(line.slice(RESULT_MARK.length)) as ChildResult
        else if (line === ARMED_LINE && proxy !== null) {
          cutUntilDropped(proxy, host, port, baseWatches).then(
            () => child.stdin.write(`${REOPENED_LINE}\n`),
            (error: Error) => child.stdin.write(`ABORT ${error.message}\n`),
          )
        }
      })
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
        resolve(result ?? failed(`exited with ${signal ?? code} and no result: ${stderr.trim().split('\n').slice(-8).join(' / ')}`))
      })
    })
  } finally {
    await proxy?.close()
  }
}

function brief(r: ChildResult): string {
  if (r.error !== undefined) return `FAILED: ${r.error}`
  const shown = Object.entries(r.figures)
    .filter(([k, v]) => !k.startsWith('server') && (typeof v === 'number' || (typeof v === 'string' && v !== '')))
    .map(([k, v]) => `${k}=${typeof v === 'number' ? (Number.isInteger(v) ? v : v.toFixed(1)) : v}`)
  return `${shown.join(' ')} rss=${r.peakRssMb.toFixed(0)}MB`
}

/** Pins the server(s) to CPU 0 and this process (and so its children) to CPU 1, or undoes it. */
function applyMode(mode: Mode, serverPids: readonly number[]): void {
  const all = `0-${cpus().length - 1}`
  for (const pid of serverPids) pinProcess(pid, mode === 'pinned' ? 0 : all)
  pinProcess(process.pid, mode === 'pinned' ? 1 : all)
}

async function main(): Promise<void> {
  const started = performance.now()
  mkdirSync(dirname(resultsFile), { recursive: true })
  const loadAtStart = loadavg()[0]!
  // Client and server share the CPUs with whatever else runs: say so when something else does.
  if (loadAtStart > 1) say(`note: load average ${loadAtStart.toFixed(1)} before starting: other processes are using the CPUs, so the figures will be noisier`)
  if (modes.includes('pinned') && (cpus().length < 2 || !hasTaskset())) throw new Error(`pinned mode needs 2 CPUs and taskset (util-linux); this machine has ${cpus().length} CPU(s)${hasTaskset() ? '' : ' and no taskset'}`)
  const java = clients.includes('java') ? prepareJavaPeer(join(benchDir, 'java'), buildDir) : null
  if (java !== null) say(`compiled the Java peer against ${java.classpath.split(':').slice(1).join(', ')} (${java.version})`)
  buildTypeScript()
  await bundleClient()
  const servers: TestingServer[] = []
  const admins: ZooKeeperClient[] = []
  const external = process.env.ZK_CONNECT
  let ownRoots: Array<{ admin: ZooKeeperClient; root: string }> = []
  try {
    const root = `/zkbench-${stamp.toLowerCase()}`
    /** A server (ours, or ZK_CONNECT's) with the bench root and the nodes of `workloads` set up. */
    const prepare = async (heapMb: number | undefined, workloads: readonly Workload[], tls = false): Promise<Target> => {
      let target: Target
      let adminAt: string | undefined
      if (tls) {
        // Mutual TLS with throwaway certificates; the admin client uses the plain port of the same server.
        const certs = await createTestCertificates()
        const dir = mkdtempSync(join(tmpdir(), 'zkbench-tls-'))
        writeFileSync(join(dir, 'ca.pem'), certs.ca.cert)
        writeFileSync(join(dir, 'client.pem'), certs.client.cert)
        writeFileSync(join(dir, 'client-key.pem'), certs.client.key)
        writeFileSync(join(dir, 'keystore.pem'), `${certs.client.key}\n${certs.client.cert}`)
        const server = await TestingServer.start({ tls: { certificate: certs.server, clientAuth: 'need' }, forceSync: true, jvmHeapMb: 256, fastJvm: false, tickTime: 2000, config: { preAllocSize: 65536 }, logLevel: 'warn', startTimeoutMs: 60_000 })
        servers.push(server)
        target = { connectString: server.secureConnectString!, serverPid: server.pid, root, tlsDir: dir }
        adminAt = server.connectString
      } else if (external !== undefined && external !== '') {
        target = { connectString: external, serverPid: process.env.ZK_SERVER_PID ? Number(process.env.ZK_SERVER_PID) : null, root }
      } else {
        const server = await startBenchServer(heapMb)
        servers.push(server)
        target = { connectString: server.connectString, serverPid: server.pid, root }
      }
      const admin = await adminClient(adminAt ?? target.connectString)
      admins.push(admin)
      await ensureNode(admin, root)
      if (external !== undefined && external !== '') ownRoots.push({ admin, root })
      for (const w of workloads) {
        if (w.setup === undefined) continue
        const t0 = performance.now()
        await w.setup(admin, { root, scale })
        say(`set up ${w.id} in ${((performance.now() - t0) / 1000).toFixed(1)} s`)
      }
      return target
    }
    const mains = MAIN.filter(selected)
    const extras = EXTRAS.filter(selected)
    const onMain = [...mains.filter((w) => w.tls !== true), ...extras.filter((w) => w.serverHeapMb === undefined)]
    const main = await prepare(undefined, onMain)
    say(`server: ${main.connectString}${main.serverPid === null ? '' : `, pid ${main.serverPid}`} (${external ? 'ZK_CONNECT' : 'forceSync=yes, 256 MB heap, default JVM flags'})`)
    const own = new Map<Workload, Target>()
    for (const w of mains.filter((x) => x.tls === true)) {
      own.set(w, await prepare(undefined, [w], true))
      say(`${w.id}: a TLS server of its own (${own.get(w)!.connectString}, mutual TLS, the baseline's settings otherwise)`)
    }
    for (const w of extras.filter((x) => x.serverHeapMb !== undefined)) {
      own.set(w, await prepare(w.serverHeapMb, [w]))
      say(`${w.id}: ${external ? `uses ZK_CONNECT; it needs ${w.serverHeapMb} MB of server heap: ` : ''}${w.serverWhy ?? ''}`)
    }
    const serverPids = [main, ...own.values()].map((t) => t.serverPid).filter((p): p is number => p !== null)
    const clkTck = clockTicks()
    record({ kind: 'run', stamp, rounds, scale, modes, clients, connectString: main.connectString, serverPid: main.serverPid, node: process.version, java: java?.version ?? null, cpus: cpus().length, cpuModel: cpus()[0]?.model ?? '', loadAverageAtStart: loadAtStart })

    const byMode = new Map<Mode, ChildResult[]>()
    for (const [index, mode] of modes.entries()) {
      applyMode(mode, serverPids)
      const results: ChildResult[] = []
      byMode.set(mode, results)
      const runOne = async (workload: Workload, client: ClientName, round: number): Promise<void> => {
        const t0 = performance.now()
        const result = await runChild({ workload, client, round, target: own.get(workload) ?? main, pinned: mode === 'pinned', clkTck }, java)
        results.push(result)
        record({ kind: 'result', mode, ...result, stamp })
        say(`  ${workload.id.padEnd(8)} ${client.padEnd(6)} ${((performance.now() - t0) / 1000).toFixed(1).padStart(5)} s  ${brief(result)}`)
      }
      say(`${mode}${mode === 'pinned' ? ' (server on CPU 0, benchmark and clients on CPU 1)' : ' (client and server share the CPUs)'}`)
      /** One round: every workload, once per client, the order rotated by round. */
      const runRound = async (workloads: readonly Workload[], round: number): Promise<void> => {
        for (const workload of workloads) {
          const mine = clients.filter((c) => workload.clients.includes(c))
          // Rotating who goes first cancels an advantage of going first (or last) over the rounds.
          const shift = rotate ? (round - 1) % mine.length : 0
          for (const client of [...mine.slice(shift), ...mine.slice(0, shift)]) await runOne(workload, client, round)
        }
      }
      for (let round = 1; round <= rounds && mains.length > 0; round++) {
        say(`round ${round} of ${rounds}`)
        await runRound(mains, round)
      }
      // The extra workloads run in the first mode only, as many rounds as the main ones: measured
      // once, the client that went first on the large server was slower by 20-60% whoever it was.
      for (let round = 1; index === 0 && round <= rounds && extras.length > 0; round++) {
        say(`extra workloads, round ${round} of ${rounds}`)
        await runRound(extras, round)
      }
    }
    if (modes.includes('pinned')) applyMode('unpinned', serverPids)

    const elapsed = (performance.now() - started) / 1000
    const summary: Record<string, TableLine[]> = {}
    const notMet: string[] = []
    const show = (title: string, rows: Row[], results: ChildResult[], key: string): void => {
      const lines = buildTable(rows, results, new Set(results.map((r) => r.workload)))
      if (lines.length === 0) return
      summary[key] = lines
      say('')
      say(formatTable(title, lines, digitsFor(rows)))
      notMet.push(...unmet(lines, digitsFor(rows)).map((l) => `[${key}] ${l}`))
    }
    for (const [mode, results] of byMode) {
      show(`${mode === 'pinned' ? 'Pinned (server CPU 0, client CPU 1)' : 'Unpinned (client and server share the CPUs)'}: medians of ${rounds} round(s), scale ${scale}`, mainRows(mode === 'pinned'), results, mode)
    }
    const first = byMode.get(modes[0]!) ?? []
    show(`Extra workloads (${modes[0]}): medians of ${rounds} round(s)`, extraRows(), first, 'extras')
    const notes = new Set(first.filter((x) => (x.workload === 'rearm' || x.workload === 'election') && typeof x.figures.note === 'string' && x.figures.note !== '').map((r) => `  ${r.workload} ${CLIENT_TITLES[r.client]}: ${String(r.figures.note)}`))
    for (const note of notes) say(note)
    say('')
    say(notMet.length === 0 ? 'Every target judged in this run is met.' : `Targets not met in this run:\n${notMet.map((l) => `  - ${l}`).join('\n')}`)
    say(`total ${elapsed.toFixed(0)} s; load average ${loadAtStart.toFixed(1)} at the start, ${loadavg()[0]!.toFixed(1)} at the end (this run included); raw figures: ${resultsFile}`)
    record({ kind: 'summary', stamp, elapsedSeconds: elapsed, loadAverageAtEnd: loadavg()[0], tables: summary, notMet })
  } finally {
    // A server of our own goes away with its data; on someone else's, remove what we made.
    for (const { admin, root } of ownRoots) await deleteTree(admin, root).catch(() => {})
    ownRoots = []
    for (const admin of admins) await admin.close().catch(() => {})
    for (const server of servers) await server.close()
  }
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    // The server JVMs are killed by zkwire/testing's own exit hooks; the running child is ours to stop.
    currentChild?.kill('SIGKILL')
    process.exit(130)
  })
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    currentChild?.kill('SIGKILL')
    console.error(error instanceof Error ? error.message : error)
    process.exit(1)
  },
)
