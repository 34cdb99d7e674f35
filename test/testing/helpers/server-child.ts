// Run by orphans.test.ts in a separate Node process: starts a server, reports it, then exits
// without closing it when told to on stdin ("exit"), unless it is killed first.
import { createInterface } from 'node:readline'
import { TestingServer } from '../../../src/testing/index.js'

const server = await TestingServer.start()
process.stdout.write(`${JSON.stringify({ pid: server.pid, dir: server.dir })}\n`)
createInterface({ input: process.stdin }).on('line', (line) => {
  if (line === 'exit') process.exit(0)
})
