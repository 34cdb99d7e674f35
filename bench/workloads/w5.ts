/**
 * W5: session A sets getData watches on 1,000 nodes; session B then sets all 1,000 nodes
 * (pipelined). Figure: ms from B's first setData to A's 1,000th notification. Both sessions are
 * clients of the kind under test, in this one process.
 *
 * Own flag: --cycles N (default 5) measures N fan-outs after the warm-up one and reports the
 * median. One fan-out is about 80 ms bound by the server's fsyncs, and single ones ranged from
 * 63 to 127 ms for the same client in one run: 5 make the median worth comparing.
 */
import { flagNumber, scaled } from '../lib/args.js'
import { type BenchClient, CLIENTS } from '../lib/clients.js'
import { PAYLOAD, bounded, median, pipelined } from '../lib/measure.js'
import { createMany, ensureNode } from '../lib/server.js'
import { type Workload, runIfMain } from '../lib/workload.js'

/** Fan-outs measured by default (the Java peer measures as many). */
export const W5_CYCLES = 5
const parentOf = (root: string): string => `${root}/w5`
const nodePath = (parent: string, i: number): string => `${parent}/n${String(i).padStart(4, '0')}`

/** One fan-out: arm every watch at A, then time B's writes until A has heard of every one. */
interface FanOut {
  /** First setData call to the 1,000th notification at A. */
  totalMs: number
  /** First setData call to the first notification at A. */
  firstNotificationMs: number
  /** First setData call to B's last setData reply. */
  lastReplyMs: number
}

async function fanOut(a: BenchClient, b: BenchClient, paths: readonly string[], timed: <T>(fn: () => Promise<T>) => Promise<T>): Promise<FanOut> {
  const n = paths.length
  let heard = 0
  let lastAt = 0
  let firstHeardAt = 0
  let allHeard!: () => void
  const everyNotification = new Promise<void>((resolve) => (allHeard = resolve))
  const watcher = (): void => {
    if (heard === 0) firstHeardAt = performance.now()
    if (++heard === n) {
      lastAt = performance.now()
      allHeard()
    }
  }
  await pipelined(n, n, (i, done) => a.getData(paths[i]!, done, watcher), 60_000, 'W5 arming watches')
  let firstAt = 0
  let lastReplyAt = 0
  await timed(async () => {
    firstAt = performance.now()
    const writes = pipelined(n, n, (i, done) => b.setData(paths[i]!, PAYLOAD, done), 60_000, 'W5 setData').then(() => void (lastReplyAt = performance.now()))
    await bounded(everyNotification, 60_000, `W5: ${n} notifications`)
    await writes
  })
  return { totalMs: lastAt - firstAt, firstNotificationMs: firstHeardAt - firstAt, lastReplyMs: lastReplyAt - firstAt }
}

export const w5: Workload = {
  id: 'W5',
  title: 'watch fan-out: 1,000 watches at A, 1,000 pipelined setData by B',
  clients: CLIENTS,
  async setup(zk, { root, scale }) {
    const parent = parentOf(root)
    await ensureNode(zk, parent)
    const count = scaled(1_000, scale, 100)
    await createMany(zk, Array.from({ length: count }, (_, i) => nodePath(parent, i)))
  },
  async run(ctx) {
    const count = scaled(1_000, ctx.scale, 100)
    const cycles = flagNumber(ctx.flags, 'cycles', W5_CYCLES, (n) => Number.isInteger(n) && n >= 1 && n <= 1_000)
    const paths = Array.from({ length: count }, (_, i) => nodePath(parentOf(ctx.root), i))
    const a = await ctx.connect()
    const b = await ctx.connect()
    await fanOut(a, b, paths, (fn) => fn()) // warm-up
    const times: FanOut[] = []
    let cpuUs = 0
    let serverCpuPct: number | null = null
    for (let c = 0; c < cycles; c++) {
      times.push(
        await fanOut(a, b, paths, async (fn) => {
          const m = await ctx.measure(fn)
          cpuUs += m.cpuUs
          serverCpuPct = m.serverCpuPct
          return m.value
        }),
      )
    }
    await Promise.all([a.close(), b.close()])
    return {
      nodes: count,
      fanOutMs: median(times.map((t) => t.totalMs)),
      firstNotificationMs: median(times.map((t) => t.firstNotificationMs)),
      lastSetDataReplyMs: median(times.map((t) => t.lastReplyMs)),
      cycles,
      cpuUsPerNotification: cpuUs / (count * cycles),
      serverCpuPct,
    }
  },
}

runIfMain(import.meta, w5)
