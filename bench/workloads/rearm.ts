/**
 * Watch-heavy: reconnect with 100,000 one-shot watches armed.
 *
 * The client connects through a FaultProxy and leaves 100,000 existence watches (exists with a
 * watcher on paths that do not exist: no nodes to create, and they are re-armed like any other).
 * Heap per watch = heapUsed after GC with the watches armed, minus before, over 100,000.
 * Then the proxy resets the connection while refusing new ones, until the server's `wchs`
 * shows the old connection's watches gone; it lets the client back in and measures from the
 * client's own "reconnected" signal until `wchs` reports every watch armed again (polled about
 * every 5 ms: an upper bound). `firstReplyMs` is how long the first request issued at that
 * signal waits for its reply (it queues behind the re-arming).
 *
 * Under bench/run.ts the proxy runs in the orchestrator, the same for all three clients (the Java
 * peer does the same in bench/java/Workloads.java): `--proxy host:port` names it; the child
 * prints ARMED once its watches are set and waits for OPEN on stdin, which the orchestrator
 * writes once it has cut the connection and the server has dropped the watches. Without
 * `--proxy` (a solo run) the child runs the proxy itself.
 *
 * Own flag: --watches N (default 100,000 × scale).
 */
import { createInterface } from 'node:readline'
import { FaultProxy } from '../../src/testing/index.js'
import { flagNumber, flagString, scaled } from '../lib/args.js'
import { CLIENTS, connectClient } from '../lib/clients.js'
import { bounded, hasGc, heapAfterGc, pipelined, sleep } from '../lib/measure.js'
import { ARMED_LINE, REOPENED_LINE, cutUntilDropped, firstServer, pollWatches, totalWatches } from '../lib/watches.js'
import { type Workload, runIfMain } from '../lib/workload.js'

/** Values that must stay reachable across the heap measurements. */
const retained: unknown[] = []

const REARM_BOUND_MS = 15_000

/** The next line on stdin (bounded). */
function stdinLine(timeoutMs: number): Promise<string> {
  const rl = createInterface({ input: process.stdin })
  return bounded(
    new Promise<string>((resolve) => rl.once('line', resolve)),
    timeoutMs,
    'waiting for the orchestrator to reopen the proxy',
  ).finally(() => rl.close())
}

export const rearm: Workload = {
  id: 'rearm',
  title: 'watch-heavy: reconnect with 100,000 one-shot watches armed',
  clients: CLIENTS,
  async run(ctx) {
    if (!hasGc()) throw new Error('run with node --expose-gc (bench/run.ts does) to measure heap per watch')
    const count = flagNumber(ctx.flags, 'watches', scaled(100_000, ctx.scale, 1_000), (n) => Number.isInteger(n) && n > 0 && n <= 1_000_000)
    const { host, port } = firstServer(ctx.connectString)
    const remote = flagString(ctx.flags, 'proxy')
    const proxy = remote === undefined ? await FaultProxy.start({ upstream: `${host}:${port}` }) : null
    try {
      const base = await totalWatches(host, port)
      const client = await connectClient(ctx.client, remote ?? proxy!.address)
      // Built strings are ropes that get flattened (and shrink) once used as map keys; flatten them
      // now, so that change does not land between the two heap measurements.
      const paths: string[] = JSON.parse(JSON.stringify(Array.from({ length: count }, (_, i) => `${ctx.root}/rearm-${ctx.client}-${process.pid}/absent-${String(i).padStart(6, '0')}`)))
      let fired = 0
      const watcher = (): void => void fired++
      // Warm the code paths, then measure the heap the watches hold.
      await pipelined(1_000, 1_000, (i, done) => client.exists(`${ctx.root}/warm-${i}`, done), 30_000, 'rearm warm-up')
      retained.push(paths)
      const heapBefore = heapAfterGc()
      const armStart = performance.now()
      await pipelined(count, 1_000, (i, done) => client.exists(paths[i]!, done, watcher), 120_000, 'arming watches')
      const armMs = performance.now() - armStart
      const heapAfter = heapAfterGc()
      // The path strings were allocated before the baseline; keep them reachable until now, or an
      // optimised frame may let them die and hide the watches' own cost.
      retained.push(paths)
      const armed = await pollWatches(host, port, (n) => n >= base + count, 10_000)
      if (armed.at === null) throw new Error(`the server holds ${armed.last - base} of ${count} watches after arming`)

      // Cut, and keep the client out until the server has dropped the old connection's watches.
      let reconnectedAt = 0
      let firstReplyAt = 0
      let reconnections = 0
      const reconnected = new Promise<void>((resolve) => {
        client.onReconnected(() => {
          reconnections++
          if (reconnectedAt !== 0) return
          reconnectedAt = performance.now()
          client.exists(ctx.root, () => (firstReplyAt = performance.now()))
          resolve()
        })
      })
      if (proxy !== null) await cutUntilDropped(proxy, host, port, base)
      else {
        process.stdout.write(`${ARMED_LINE}\n`)
        const line = await stdinLine(30_000)
        if (line !== REOPENED_LINE) throw new Error(`the orchestrator could not cut the connection: ${line}`)
      }

      const m = await ctx.measure(async () => {
        await bounded(reconnected, 20_000, 'reconnection')
        return pollWatches(host, port, (n) => n >= base + count, REARM_BOUND_MS)
      })
      const rearmed = m.value
      if (firstReplyAt === 0) await sleep(100)
      const figures = {
        watches: count,
        heapBytesPerWatch: (heapAfter - heapBefore) / count,
        armMs,
        rearmMs: rearmed.at === null ? null : rearmed.at - reconnectedAt,
        rearmedWatches: rearmed.last - base,
        firstReplyMs: firstReplyAt === 0 ? null : firstReplyAt - reconnectedAt,
        wchsPolls: rearmed.polls,
        reconnections,
        watchesFiredMeanwhile: fired,
        cpuMsDuringRearm: m.cpuUs / 1000,
        note: rearmed.at === null ? `not re-armed within ${REARM_BOUND_MS} ms: the server holds ${rearmed.last - base} of ${count}` : '',
      }
      await client.close()
      return figures
    } finally {
      await proxy?.close()
    }
  },
}

runIfMain(import.meta, rearm)
