/**
 * 1,000,000 pipelined getData (window 1,000) of the 100-byte node, with heapUsed after GC before
 * and after: a client that keeps nothing per finished request ends where it started.
 */
import { scaled } from '../lib/args.js'
import { NODE_CLIENTS } from '../lib/clients.js'
import { PAYLOAD, hasGc, heapAfterGc, pipelined } from '../lib/measure.js'
import { ensureNode } from '../lib/server.js'
import { type Workload, runIfMain } from '../lib/workload.js'
import { dataNode } from './w1.js'
import { WINDOW } from './w2.js'

export const reads: Workload = {
  id: 'reads',
  title: '1,000,000 pipelined getData (window 1,000), heap after GC before and after',
  clients: NODE_CLIENTS,
  setup: (zk, { root }) => ensureNode(zk, dataNode(root), PAYLOAD),
  async run(ctx) {
    if (!hasGc()) throw new Error('run with node --expose-gc (bench/run.ts does) to measure the heap')
    const client = await ctx.connect()
    const path = dataNode(ctx.root)
    const count = scaled(1_000_000, ctx.scale, 10_000)
    const read = (_: number, done: (e: Error | null) => void): void => client.getData(path, done)
    await pipelined(20_000, WINDOW, read, 60_000, 'reads warm-up')
    const heapBefore = heapAfterGc()
    const m = await ctx.measure(() => pipelined(count, WINDOW, read, 300_000, `${count} reads`))
    const heapAfter = heapAfterGc()
    await client.close()
    return {
      ops: count,
      opsPerSec: count / (m.wallMs / 1000),
      cpuUsPerOp: m.cpuUs / count,
      systemUsPerOp: m.systemUs / count,
      heapBeforeMb: heapBefore / 2 ** 20,
      heapAfterMb: heapAfter / 2 ** 20,
      heapGrowthKb: (heapAfter - heapBefore) / 1024,
      heapGrowthBytesPerOp: (heapAfter - heapBefore) / count,
    }
  },
}

runIfMain(import.meta, reads)
