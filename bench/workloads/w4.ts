/**
 * W4: 200 sequential getChildren of a node with 10,000 children (6-character names, so each
 * reply is about 100 KB). Figure: ops/s.
 */
import { scaled } from '../lib/args.js'
import { CLIENTS } from '../lib/clients.js'
import { pipelined } from '../lib/measure.js'
import { createMany, ensureNode } from '../lib/server.js'
import { type Workload, runIfMain, throughput } from '../lib/workload.js'

export const CHILDREN = 10_000
const parentOf = (root: string): string => `${root}/w4`
// c00000 … c09999: 6 characters + a 4-byte length = 10 bytes each, 100,000 bytes per reply.
const childName = (i: number): string => `c${String(i).padStart(5, '0')}`

export const w4: Workload = {
  id: 'W4',
  title: '200 sequential getChildren of a node with 10,000 children',
  clients: CLIENTS,
  async setup(zk, { root }) {
    const parent = parentOf(root)
    await ensureNode(zk, parent)
    await createMany(zk, Array.from({ length: CHILDREN }, (_, i) => `${parent}/${childName(i)}`), Buffer.alloc(0))
  },
  async run(ctx) {
    const client = await ctx.connect()
    const parent = parentOf(ctx.root)
    const count = scaled(200, ctx.scale, 10)
    let wrong = 0
    const list = (_: number, done: (e: Error | null) => void): void =>
      client.getChildren(parent, (error, children) => {
        if (children !== undefined && children.length !== CHILDREN) wrong++
        done(error)
      })
    await pipelined(scaled(20, ctx.scale, 5), 1, list, 60_000, 'W4 warm-up')
    if (wrong > 0) throw new Error(`${parent} does not have ${CHILDREN} children; run the set-up`)
    const m = await ctx.measure(() => pipelined(count, 1, list, 120_000, 'W4'))
    await client.close()
    return throughput(count, m)
  },
}

runIfMain(import.meta, w4)
