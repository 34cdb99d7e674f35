/**
 * W2 over TLS: W2 (100,000 getData, 1,000 in flight) on a server's `secureClientPort` with mutual
 * TLS (`ssl.clientAuth=need`, TLS 1.2 as ZooKeeper 3.8 offers it). Figures as W2's; the issue's
 * comparison is the client CPU per read against the Java client over TLS (node-zookeeper-client
 * has no TLS). The orchestrator starts the TLS server (throwaway certificates) and passes their
 * PEM files with `--tls-dir` (ca.pem, client.pem, client-key.pem). For the plain-beside-TLS view
 * of zkwire alone, see tls-w2.ts.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { flagString, scaled } from '../lib/args.js'
import { connectClient } from '../lib/clients.js'
import { PAYLOAD, pipelined } from '../lib/measure.js'
import { ensureNode } from '../lib/server.js'
import { type Workload, runIfMain, throughput } from '../lib/workload.js'
import { dataNode } from './w1.js'
import { WINDOW } from './w2.js'

export const w2Tls: Workload = {
  id: 'W2-TLS',
  title: 'W2 over TLS (zkwire and the Java client)',
  clients: ['zkwire', 'java'],
  tls: true,
  setup: (zk, { root }) => ensureNode(zk, dataNode(root), PAYLOAD),
  async run(ctx) {
    const dir = flagString(ctx.flags, 'tls-dir')
    if (dir === undefined) throw new Error('W2-TLS needs --tls-dir with ca.pem, client.pem and client-key.pem (bench/run.ts passes it)')
    const tls = { ca: readFileSync(join(dir, 'ca.pem'), 'utf8'), cert: readFileSync(join(dir, 'client.pem'), 'utf8'), key: readFileSync(join(dir, 'client-key.pem'), 'utf8') }
    const client = await connectClient(ctx.client, ctx.connectString, 30_000, { tls })
    const path = dataNode(ctx.root)
    const count = scaled(100_000, ctx.scale, 1_000)
    const read = (_: number, done: (e: Error | null) => void): void => client.getData(path, done)
    await pipelined(scaled(20_000, ctx.scale, 1_000), WINDOW, read, 60_000, 'W2-TLS warm-up')
    const m = await ctx.measure(() => pipelined(count, WINDOW, read, 120_000, 'W2-TLS'))
    await client.close()
    return throughput(count, m)
  },
}

runIfMain(import.meta, w2Tls)
