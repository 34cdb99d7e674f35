/**
 * One service instance of the demo (started by examples/demo.ts): it registers itself in the
 * service registry, joins the leader election, and reports to the demo over IPC. It runs until
 * the demo says "stop", or until it is killed.
 *
 * Usage: tsx examples/worker.ts <connectString> <name> <port>
 */
import { LeaderElection, ServiceRegistry, createClient } from '../src/index.js'

const [connectString, name, port] = process.argv.slice(2)
if (connectString === undefined || name === undefined || port === undefined) {
  console.error('usage: worker.ts <connectString> <name> <port>')
  process.exit(2)
}

/** Messages a worker sends to the demo. */
export type WorkerMessage =
  | { type: 'registered'; name: string; path: string }
  | { type: 'joined'; name: string; path: string }
  | { type: 'leader'; name: string; token: string }
  | { type: 'notLeader'; name: string; reason: string }

const send = (message: WorkerMessage): void => {
  process.send?.(message)
}

// A short session timeout, so a crashed worker leaves the registry (and the lead) within seconds.
const zk = createClient(connectString, { sessionTimeout: 3_000 })
await zk.connected({ timeout: 10_000 })

const registry = new ServiceRegistry(zk, { basePath: '/zkwire-demo/services' })
await registry.register('demo-api', { id: name, address: '127.0.0.1', port: Number(port), uriSpec: '{scheme}://{address}:{port}' })
send({ type: 'registered', name, path: registry.pathOf('demo-api', name) ?? '' })

const election = new LeaderElection(zk, '/zkwire-demo/leader', { id: name })
election.on('leader', ({ token }) => send({ type: 'leader', name, token: `0x${token.toString(16)}` }))
election.on('notLeader', ({ reason }) => send({ type: 'notLeader', name, reason }))
await election.start()
send({ type: 'joined', name, path: election.candidatePath ?? '' })

process.on('message', (message) => {
  if (message !== 'stop') return
  void (async () => {
    await election.close()
    await registry.close()
    await zk.close()
    process.exit(0)
  })()
})
// The demo went away without a word: do not outlive it.
process.on('disconnect', () => process.exit(0))
