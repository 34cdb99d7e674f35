/**
 * W3: 20,000 creates of persistent 100-byte nodes under one parent with a window of 1,000, then
 * 20,000 deletes of them, same window. Figures: create ops/s, delete ops/s.
 */
import { scaled } from '../lib/args.js'
import { type BenchClient, CLIENTS } from '../lib/clients.js'
import { PAYLOAD, pipelined } from '../lib/measure.js'
import { type Workload, runIfMain, serverFigures } from '../lib/workload.js'

const WINDOW = 1_000

function childPath(parent: string, i: number): string {
  return `${parent}/n${String(i).padStart(6, '0')}`
}

function createAll(client: BenchClient, parent: string, count: number, what: string): Promise<void> {
  return pipelined(count, WINDOW, (i, done) => client.create(childPath(parent, i), PAYLOAD, done), 180_000, what)
}

function deleteAll(client: BenchClient, parent: string, count: number, what: string): Promise<void> {
  return pipelined(count, WINDOW, (i, done) => client.remove(childPath(parent, i), done), 180_000, what)
}

function call(fn: (done: (e: Error | null) => void) => void): Promise<void> {
  return new Promise((resolve, reject) => fn((e) => (e ? reject(e) : resolve())))
}

export const w3: Workload = {
  id: 'W3',
  title: '20,000 pipelined creates, then 20,000 deletes (window 1,000)',
  clients: CLIENTS,
  async run(ctx) {
    const client = await ctx.connect()
    const count = scaled(20_000, ctx.scale, 1_000)
    const tag = `${ctx.client}-r${ctx.round}-${process.pid}`
    const warm = `${ctx.root}/w3-warm-${tag}`
    const parent = `${ctx.root}/w3-${tag}`
    await call((done) => client.create(warm, PAYLOAD, done))
    const warmCount = scaled(2_000, ctx.scale, 200)
    await createAll(client, warm, warmCount, 'W3 warm-up creates')
    await deleteAll(client, warm, warmCount, 'W3 warm-up deletes')
    await call((done) => client.remove(warm, done))
    await call((done) => client.create(parent, PAYLOAD, done))
    const creates = await ctx.measure(() => createAll(client, parent, count, 'W3 creates'))
    const deletes = await ctx.measure(() => deleteAll(client, parent, count, 'W3 deletes'))
    await call((done) => client.remove(parent, done))
    await client.close()
    return {
      ops: count,
      createOpsPerSec: count / (creates.wallMs / 1000),
      deleteOpsPerSec: count / (deletes.wallMs / 1000),
      createCpuUsPerOp: creates.cpuUs / count,
      deleteCpuUsPerOp: deletes.cpuUs / count,
      serverCpuPct: creates.serverCpuPct,
      ...serverFigures(count, creates, 'create'),
      ...serverFigures(count, deletes, 'delete'),
    }
  },
}

runIfMain(import.meta, w3)
