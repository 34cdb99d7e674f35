/**
 * W1: 5,000 getData of one 100-byte node, one at a time (each awaited before the next).
 * Figures: ops/s, p50 and p99 latency (µs).
 */
import { scaled } from '../lib/args.js'
import { CLIENTS } from '../lib/clients.js'
import { PAYLOAD, quantile, sequentialTimed } from '../lib/measure.js'
import { ensureNode } from '../lib/server.js'
import { type Workload, runIfMain, throughput } from '../lib/workload.js'

export const dataNode = (root: string): string => `${root}/data`

export const w1: Workload = {
  id: 'W1',
  title: '5,000 sequential getData of a 100-byte node',
  clients: CLIENTS,
  setup: (zk, { root }) => ensureNode(zk, dataNode(root), PAYLOAD),
  async run(ctx) {
    const client = await ctx.connect()
    const path = dataNode(ctx.root)
    const count = scaled(5_000, ctx.scale, 50)
    const read = (_: number, done: (e: Error | null) => void): void => client.getData(path, done)
    await sequentialTimed(scaled(1_000, ctx.scale, 20), read, 60_000, 'W1 warm-up')
    const m = await ctx.measure(() => sequentialTimed(count, read, 120_000, 'W1'))
    await client.close()
    return { ...throughput(count, m), p50Us: quantile(m.value, 0.5), p99Us: quantile(m.value, 0.99) }
  },
}

runIfMain(import.meta, w1)
