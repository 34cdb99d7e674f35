/**
 * Large payloads: 1,000 setData of 500 kB (500,000 bytes) on one node, 10 in flight (5 MB on the
 * wire at once), after 50 for warm-up. Figures: ops/s and MB/s, the client's peak RSS, and the
 * longest event-loop stall over the phase, which must stay under 50 ms: a client that copies or
 * encodes big frames in one go holds up every other callback of the application meanwhile.
 *
 * The stall is measured with `perf_hooks.monitorEventLoopDelay` at a 2 ms resolution: it records
 * the time between consecutive ticks of a 2 ms timer, so an idle loop reads 2 ms and a blocked one
 * reads the blockage plus up to 2 ms (an upper bound). Own flag: --window N (default 10).
 */
import { monitorEventLoopDelay } from 'node:perf_hooks'
import { flagNumber, scaled } from '../lib/args.js'
import { CLIENTS } from '../lib/clients.js'
import { pipelined } from '../lib/measure.js'
import { ensureNode } from '../lib/server.js'
import { type Workload, runIfMain, serverFigures } from '../lib/workload.js'

export const LARGE_BYTES = 500_000
export const LARGE_WINDOW = 10
export const STALL_LIMIT_MS = 50
const nodeOf = (root: string): string => `${root}/large`

export const large: Workload = {
  id: 'large',
  title: '1,000 setData of 500 kB (10 in flight)',
  clients: CLIENTS,
  // ZooKeeper keeps its last 500 committed proposals in memory (ZKDatabase.committedLog; the
  // zookeeper.commitLogCount property cannot go below 500): at 500 kB each that is about 500 MB
  // before the request copies, and a 256 MB server dies of OutOfMemoryError whichever client writes.
  serverHeapMb: 2_048,
  serverWhy: 'a server of its own with a 2 GB heap: ZooKeeper keeps its last 500 committed proposals (500 kB each here) in memory, more than the baseline 256 MB heap holds',
  async setup(zk, { root }) {
    await ensureNode(zk, nodeOf(root))
    // Brings the server to its steady state before any client is measured: its committed log
    // full (500 proposals of 500 kB) and its JIT warm. On a fresh server the first client measured
    // ran at a third of the speed of the next, whichever client it was (measured: 141 against 337
    // writes/s for the same client).
    const payload = Buffer.alloc(LARGE_BYTES, 0x62)
    await pipelined(600, LARGE_WINDOW, (_, done) => {
      zk.setData(nodeOf(root), payload).then(() => done(null), done)
    }, 240_000, 'large: priming the server')
  },
  async run(ctx) {
    const window = flagNumber(ctx.flags, 'window', LARGE_WINDOW, (n) => Number.isInteger(n) && n >= 1 && n <= 1_000)
    const count = scaled(1_000, ctx.scale, 50)
    const client = await ctx.connect()
    const path = nodeOf(ctx.root)
    // One buffer for every call: what is measured is the client's own copying, not the caller's.
    const payload = Buffer.alloc(LARGE_BYTES, 0x61)
    const write = (_: number, done: (e: Error | null) => void): void => client.setData(path, payload, done)
    await pipelined(scaled(50, ctx.scale, 10), window, write, 60_000, 'large warm-up')
    const delay = monitorEventLoopDelay({ resolution: 2 })
    const m = await ctx.measure(async () => {
      delay.enable()
      try {
        await pipelined(count, window, write, 240_000, 'large setData')
      } finally {
        delay.disable()
      }
    })
    await client.close()
    return {
      ops: count,
      window,
      opsPerSec: count / (m.wallMs / 1000),
      mbPerSec: (count * LARGE_BYTES) / 1e6 / (m.wallMs / 1000),
      cpuUsPerOp: m.cpuUs / count,
      // Time between consecutive 2 ms ticks: the longest is an upper bound of the longest stall.
      stallMaxMs: delay.max / 1e6,
      stallP99Ms: delay.percentile(99) / 1e6,
      serverCpuPct: m.serverCpuPct,
      ...serverFigures(count, m),
    }
  },
}

runIfMain(import.meta, large)
