// A separate Node process holding one ZooKeeper session, for tests that kill it with SIGKILL.
// Config: JSON in argv[2]. Reports JSON lines on stdout; "close" on stdin closes cleanly.
import { createInterface } from 'node:readline'
import { LeaderElection, ServiceRegistry, createClient } from '../../../src/index.js'

interface Config {
  connect: string
  sessionTimeout: number
  register?: { service: string; id: string; basePath?: string }
  elect?: { path: string; id: string }
}

const config = JSON.parse(process.argv[2] ?? '{}') as Config
const report = (event: Record<string, unknown>): void => {
  process.stdout.write(`${JSON.stringify({ ...event, at: Date.now() }, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v))}\n`)
}

const zk = createClient(config.connect, { sessionTimeout: config.sessionTimeout })
await zk.connected({ timeout: 20_000 })
report({ event: 'connected', sessionId: zk.sessionId })

let registry: ServiceRegistry | undefined
if (config.register) {
  registry = new ServiceRegistry(zk, { basePath: config.register.basePath })
  await registry.register(config.register.service, { id: config.register.id, address: '127.0.0.1', port: 9000 })
  report({ event: 'registered', path: registry.pathOf(config.register.service, config.register.id) })
}

let election: LeaderElection | undefined
if (config.elect) {
  election = new LeaderElection(zk, config.elect.path, { id: config.elect.id })
  election.on('leader', (l) => report({ event: 'leader', token: l.token, path: l.path }))
  election.on('notLeader', (d) => report({ event: 'notLeader', reason: d.reason }))
  await election.start()
  report({ event: 'joined', path: election.candidatePath })
}

const stdin = createInterface({ input: process.stdin })
stdin.on('line', (line) => {
  if (line.trim() !== 'close') return
  void (async () => {
    await election?.close()
    await registry?.close()
    await zk.close()
    report({ event: 'closed' })
    process.exit(0)
  })()
})
// The test runner went away: do not outlive it.
stdin.on('close', () => process.exit(0))
