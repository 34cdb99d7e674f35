/**
 * W2: 100,000 getData of one 100-byte node with a window of 1,000 in flight (the next one issued
 * as each completes). Figures: ops/s, client CPU µs per op (and, pinned, each side's CPU share).
 */
import { scaled } from '../lib/args.js'
import { CLIENTS } from '../lib/clients.js'
import { PAYLOAD, pipelined } from '../lib/measure.js'
import { ensureNode } from '../lib/server.js'
import { type Workload, runIfMain, throughput } from '../lib/workload.js'
import { dataNode } from './w1.js'

export const WINDOW = 1_000

export const w2: Workload = {
  id: 'W2',
  title: '100,000 pipelined getData (window 1,000)',
  clients: CLIENTS,
  setup: (zk, { root }) => ensureNode(zk, dataNode(root), PAYLOAD),
  async run(ctx) {
    const client = await ctx.connect()
    const path = dataNode(ctx.root)
    const count = scaled(100_000, ctx.scale, 1_000)
    const read = (_: number, done: (e: Error | null) => void): void => client.getData(path, done)
    await pipelined(scaled(20_000, ctx.scale, 1_000), WINDOW, read, 60_000, 'W2 warm-up')
    const m = await ctx.measure(() => pipelined(count, WINDOW, read, 120_000, 'W2'))
    await client.close()
    return throughput(count, m)
  },
}

runIfMain(import.meta, w2)
