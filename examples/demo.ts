/**
 * `npm run demo`: service registry, discovery and leader election surviving a crash.
 *
 * Starts a local ZooKeeper (unless ZK_CONNECT names one), launches three worker processes that
 * register themselves and elect a leader, shows the registry and the leader as they change,
 * kills the leader with SIGKILL (no clean close), shows the failover, and stops everything.
 */
import { type ChildProcess, fork } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { LeaderElection, ServiceDiscovery, type ServiceInstance, createClient } from '../src/index.js'
import { TestingServer } from '../src/testing/index.js'
import type { WorkerMessage } from './worker.js'

const WORKERS = ['worker-1', 'worker-2', 'worker-3']
const SESSION_TIMEOUT_MS = 3_000
const started = performance.now()

const log = (who: string, text: string): void => {
  const seconds = ((performance.now() - started) / 1000).toFixed(1).padStart(5)
  console.log(`${seconds}s  ${`[${who}]`.padEnd(10)} ${text}`)
}

// Bounded in time whatever happens: a stuck step fails the demo instead of hanging it.
const deadline = setTimeout(() => {
  log('demo', 'FAILED: did not finish within 45 s')
  for (const w of workers.values()) w.process.kill('SIGKILL')
  process.exit(1)
}, 45_000)
deadline.unref()

interface Worker {
  name: string
  process: ChildProcess
  exited: Promise<void>
}
const workers = new Map<string, Worker>()
const leaders: Array<{ name: string; token: string; at: number }> = []
const listeners = new Set<(m: WorkerMessage) => void>()

/** Resolves with the first worker message that matches. */
function nextMessage(match: (m: WorkerMessage) => boolean): Promise<WorkerMessage> {
  return new Promise((resolve) => {
    const listener = (m: WorkerMessage): void => {
      if (!match(m)) return
      listeners.delete(listener)
      resolve(m)
    }
    listeners.add(listener)
  })
}

let server: TestingServer | undefined
let connectString = process.env.ZK_CONNECT || undefined
if (connectString === undefined) {
  log('demo', 'starting a local ZooKeeper (zkwire/testing)...')
  server = await TestingServer.start()
  connectString = server.connectString
  log('demo', `ZooKeeper is up on ${connectString}`)
} else {
  log('demo', `using ZooKeeper at ${connectString} (ZK_CONNECT)`)
}

// The demo's own view of the registry: a discovery kept current by watches.
const zk = createClient(connectString, { sessionTimeout: 10_000 })
await zk.connected({ timeout: 10_000 })
const discovery = new ServiceDiscovery(zk, 'demo-api', { basePath: '/zkwire-demo/services' })
const describe = (instances: ServiceInstance[]): string => (instances.length === 0 ? '(none)' : instances.map((i) => `${i.id} ${i.address}:${i.port}`).join(', '))
discovery.on('change', ({ instances, added, removed }) => {
  const what = [...added.map((i) => `+${i.id}`), ...removed.map((i) => `-${i.id}`)].join(' ')
  log('registry', `demo-api ${what.padEnd(10)} now: ${describe(instances)}`)
})
await discovery.start()

const workerScript = fileURLToPath(new URL('./worker.ts', import.meta.url))
const tsx = import.meta.resolve('tsx')
log('demo', `launching ${WORKERS.length} workers (session timeout ${SESSION_TIMEOUT_MS / 1000} s)`)
for (const [i, name] of WORKERS.entries()) {
  const child = fork(workerScript, [connectString, name, String(7101 + i)], { execArgv: ['--import', tsx], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  child.on('message', (m: WorkerMessage) => {
    if (m.type === 'joined') log('election', `${m.name} joined as ${m.path.slice(m.path.lastIndexOf('/') + 1)}`)
    if (m.type === 'leader') {
      leaders.push({ name: m.name, token: m.token, at: performance.now() })
      log('election', `${m.name} is the leader, fencing token ${m.token}`)
    } else if (m.type === 'notLeader') {
      log('election', `${m.name} is no longer the leader (${m.reason})`)
    }
    for (const l of [...listeners]) l(m)
  })
  workers.set(name, { name, process: child, exited })
}

const joined = new Set<string>()
await new Promise<void>((resolve) => {
  const listener = (m: WorkerMessage): void => {
    if (m.type === 'joined') joined.add(m.name)
    if (joined.size === WORKERS.length && leaders.length > 0) {
      listeners.delete(listener)
      resolve()
    }
  }
  listeners.add(listener)
})
await waitUntil(() => discovery.instances.length === WORKERS.length)
const lineUp = await LeaderElection.participants(zk, '/zkwire-demo/leader')
log('election', `line-up in ZooKeeper: ${lineUp.map((p) => `${p.id}${p.isLeader ? ' (leader)' : ''}`).join(', ')}; each watches only the one before it`)
const leaderName = leaders[0]!.name

const victim = workers.get(leaderName)!
log('demo', `kill -9 ${leaderName} (pid ${victim.process.pid}), the leader: no goodbye, its session lingers until the server expires it`)
const newLeader = nextMessage((m) => m.type === 'leader' && m.name !== leaderName)
const gone = new Promise<void>((resolve) => discovery.on('change', ({ removed }) => removed.some((i) => i.id === leaderName) && resolve()))
const killedAt = performance.now()
victim.process.kill('SIGKILL')
await victim.exited
workers.delete(leaderName)

const next = (await newLeader) as Extract<WorkerMessage, { type: 'leader' }>
log('demo', `failover: ${next.name} took over ${((performance.now() - killedAt) / 1000).toFixed(1)} s after the kill`)
await gone
log('demo', `${leaderName} left the registry ${((performance.now() - killedAt) / 1000).toFixed(1)} s after the kill`)
const oldToken = BigInt(leaders.find((l) => l.name === leaderName)!.token)
const newToken = BigInt(next.token)
log('demo', `fencing tokens: ${leaderName} 0x${oldToken.toString(16)} < ${next.name} 0x${newToken.toString(16)}: ${newToken > oldToken ? 'a store that keeps the highest token seen refuses the old leader' : 'NOT INCREASING'}`)

log('demo', 'stopping the workers')
// Followers first, so the shutdown does not hand the lead around.
const stopping = [...workers.values()].sort((a, b) => Number(a.name === next.name) - Number(b.name === next.name))
for (const w of stopping) {
  w.process.send('stop')
  await Promise.race([w.exited, new Promise<void>((resolve) => setTimeout(resolve, 5_000).unref())])
}
await Promise.all(
  stopping.map((w) =>
    Promise.race([w.exited, new Promise<void>((resolve) => setTimeout(resolve, 5_000).unref())]).then(() => {
      if (w.process.exitCode === null && w.process.signalCode === null) w.process.kill('SIGKILL')
    }),
  ),
)
await discovery.close()
await zk.close()
if (server !== undefined) {
  await server.close()
  log('demo', 'ZooKeeper stopped')
}
log('demo', `done in ${((performance.now() - started) / 1000).toFixed(1)} s`)
process.exit(newToken > oldToken ? 0 : 1)

/** Resolves once `condition()` holds, checked at every registry change. */
function waitUntil(condition: () => boolean): Promise<void> {
  if (condition()) return Promise.resolve()
  return new Promise((resolve) => {
    const check = (): void => {
      if (!condition()) return
      discovery.off('change', check)
      resolve()
    }
    discovery.on('change', check)
  })
}
