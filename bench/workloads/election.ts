/**
 * Leader-election handover: time from the leader's resignation to the next candidate knowing it
 * leads. Three candidates, each its own session; every cycle the leader resigns and enters again
 * at the back of the line. Figures: median and p99 handover over the cycles, for zkwire's
 * LeaderElection recipe (`resign()` → the next candidate's `leader` event) and, for comparison,
 * for the bare recipe on the raw client (ephemeral sequential nodes, each candidate watching its
 * predecessor with exists; resign = delete → the next one's watch fires and it finds itself first).
 *
 * Own flags: --cycles N (default 50 × scale, at least 10), --candidates N (default 3).
 */
import { flagNumber, scaled } from '../lib/args.js'
import { bounded, quantile } from '../lib/measure.js'
import { ensureNode } from '../lib/server.js'
import { type Workload, runIfMain } from '../lib/workload.js'
import { createClient, LeaderElection, type ZooKeeperClient } from '../../src/index.js'

const PREFIX = 'n_'

/** A candidate: an ephemeral sequential node; leads when it is the lowest, else watches the one before. */
class Candidate {
  node: string | null = null
  private electedListener: (() => void) | null = null
  /** Checks are serialised; a watch firing during one schedules one more. */
  private checking = false
  private again = false

  constructor(
    readonly zk: ZooKeeperClient,
    private readonly dir: string,
  ) {}

  /** Resolves when this candidate leads. */
  elected(): Promise<void> {
    return new Promise((resolve) => (this.electedListener = resolve))
  }

  async enter(): Promise<void> {
    const { path } = await this.zk.create(`${this.dir}/${PREFIX}`, null, { mode: 'ephemeralSequential' })
    this.node = path.slice(this.dir.length + 1)
    await this.check()
  }

  async resign(): Promise<void> {
    const node = this.node
    this.node = null
    if (node !== null) await this.zk.delete(`${this.dir}/${node}`)
  }

  private async check(): Promise<void> {
    if (this.checking) {
      this.again = true
      return
    }
    this.checking = true
    try {
      // Bounded: each pass either leads, arms a watch on an existing predecessor, or sees one vanish.
      for (let pass = 0; pass < 100; pass++) {
        this.again = false
        const me = this.node
        if (me === null) return
        const { children } = await this.zk.getChildren(this.dir)
        const line = children.filter((c) => c.startsWith(PREFIX)).sort()
        const index = line.indexOf(me)
        if (index < 0) throw new Error(`${this.dir}/${me} vanished`)
        if (index === 0) {
          const listener = this.electedListener
          this.electedListener = null
          listener?.()
          return
        }
        const before = `${this.dir}/${line[index - 1]!}`
        const stat = await this.zk.exists(before, { watcher: () => void this.check().catch(() => {}) })
        if (stat !== null && !this.again) return
      }
    } finally {
      this.checking = false
    }
  }
}

const WARM_UP_CYCLES = 3

/** Handover times of the LeaderElection recipe, ms. */
async function recipeHandovers(zks: readonly ZooKeeperClient[], path: string, cycles: number): Promise<number[]> {
  const elections = zks.map((zk, i) => new LeaderElection(zk, path, { id: `candidate-${i}` }))
  let onLeader: ((e: LeaderElection) => void) | null = null
  for (const e of elections) e.on('leader', () => onLeader?.(e))
  try {
    for (const e of elections) await e.start()
    const handovers: number[] = []
    for (let i = 0; i < cycles + WARM_UP_CYCLES; i++) {
      const leader = await bounded(Promise.any(elections.map((e) => e.leadership())), 10_000, 'a leader').then(() => elections.find((e) => e.isLeader)!)
      const next = new Promise<number>((resolve) => {
        onLeader = (e) => {
          if (e !== leader) {
            onLeader = null
            resolve(performance.now())
          }
        }
      })
      const t0 = performance.now()
      await leader.resign()
      const t1 = await bounded(next, 10_000, 'recipe handover')
      if (i >= WARM_UP_CYCLES) handovers.push(t1 - t0)
    }
    return handovers
  } finally {
    await Promise.all(elections.map((e) => e.close().catch(() => {})))
  }
}

/** Handover times of the bare recipe on the raw client, ms. */
async function rawHandovers(zks: readonly ZooKeeperClient[], dir: string, cycles: number): Promise<number[]> {
  await ensureNode(zks[0]!, dir)
  const line = zks.map((zk) => new Candidate(zk, dir))
  // Enter in order so the first is the leader.
  const firstElected = line[0]!.elected()
  for (const c of line) await c.enter()
  await bounded(firstElected, 10_000, 'first leader')
  const handovers: number[] = []
  for (let i = 0; i < cycles + WARM_UP_CYCLES; i++) {
    const leader = line.shift()!
    const nextElected = line[0]!.elected()
    const t0 = performance.now()
    // As the recipe does: the old leader joins again at the back as soon as its node is gone.
    await leader.resign()
    line.push(leader)
    const rejoined = leader.enter()
    await bounded(nextElected, 10_000, 'raw handover')
    if (i >= WARM_UP_CYCLES) handovers.push(performance.now() - t0)
    await rejoined
  }
  for (const c of line) await c.resign().catch(() => {})
  return handovers
}

export const election: Workload = {
  id: 'election',
  title: 'leader-election handover: LeaderElection recipe, and the bare recipe on the raw client',
  clients: ['zkwire'],
  setup: (zk, { root }) => ensureNode(zk, `${root}/election`),
  async run(ctx) {
    const cycles = flagNumber(ctx.flags, 'cycles', scaled(50, ctx.scale, 10), (n) => Number.isInteger(n) && n > 0 && n <= 10_000)
    const count = flagNumber(ctx.flags, 'candidates', 3, (n) => Number.isInteger(n) && n >= 2 && n <= 50)
    const base = `${ctx.root}/election/${process.pid}`
    const zks: ZooKeeperClient[] = []
    try {
      for (let i = 0; i < count; i++) {
        const zk = createClient(ctx.connectString, { sessionTimeout: 30_000 })
        zks.push(zk)
        await zk.connected({ timeout: 15_000 })
      }
      await ensureNode(zks[0]!, base)
      const recipe = await ctx.measure(() => recipeHandovers(zks, `${base}/recipe`, cycles))
      const raw = await ctx.measure(() => rawHandovers(zks, `${base}/raw`, cycles))
      return {
        cycles,
        candidates: count,
        handoverMs: quantile(recipe.value, 0.5),
        handoverP99Ms: quantile(recipe.value, 0.99),
        cpuUsPerHandover: recipe.cpuUs / (cycles + WARM_UP_CYCLES),
        rawHandoverMs: quantile(raw.value, 0.5),
        rawHandoverP99Ms: quantile(raw.value, 0.99),
        rawCpuUsPerHandover: raw.cpuUs / (cycles + WARM_UP_CYCLES),
      }
    } finally {
      await Promise.all(zks.map((zk) => zk.close().catch(() => {})))
    }
  },
}

runIfMain(import.meta, election)
