/**
 * W2 over TLS beside plain TCP: 100,000 getData of one 100-byte node with a window of 1,000 in
 * flight, through zkwire, on one real server's plain `clientPort` and its `secureClientPort`
 * (mutual TLS, `ssl.clientAuth=need`, TLS 1.2 as ZooKeeper 3.8 offers by default), in alternating
 * rounds. Prints ops/s and client CPU µs per op for each, and the TLS/plain ratio.
 *
 *   npx tsx bench/workloads/tls-w2.ts [--rounds 3] [--scale 1]
 *
 * Standalone: starts its own server (zkwire/testing, throwaway certificates) and removes it.
 */
import { cpuUsage } from 'node:process'
import { type ClientOptions, createClient } from '../../src/index.js'
import { TestingServer, createTestCertificates } from '../../src/testing/index.js'
import { flagNumber, parseFlags, scaled } from '../lib/args.js'
import { PAYLOAD } from '../lib/measure.js'

const WINDOW = 1_000
const flags = parseFlags(process.argv.slice(2))
const rounds = flagNumber(flags, 'rounds', 3, (n) => Number.isInteger(n) && n >= 1 && n <= 20)
const scale = flagNumber(flags, 'scale', 1)
const count = scaled(100_000, scale, 1_000)

/** `n` getData with `WINDOW` in flight; resolves when all have answered (bounded). */
function pipelinedReads(zk: ReturnType<typeof createClient>, path: string, n: number): Promise<void> {
  return new Promise((resolve, reject) => {
    let issued = 0
    let done = 0
    const timer = setTimeout(() => reject(new Error(`${n} reads not done within 120 s`)), 120_000)
    const issue = (): void => {
      issued++
      zk.getData(path).then(() => {
        done++
        if (done === n) {
          clearTimeout(timer)
          resolve()
        } else if (issued < n) issue()
      }, (error: unknown) => {
        clearTimeout(timer)
        reject(error)
      })
    }
    for (let i = 0; i < Math.min(WINDOW, n); i++) issue()
  })
}

async function measure(label: string, connectString: string, options: ClientOptions, path: string): Promise<{ opsPerSec: number; cpuUsPerOp: number }> {
  const zk = createClient(connectString, { sessionTimeout: 30_000, ...options })
  try {
    await zk.connected({ timeout: 20_000 })
    await pipelinedReads(zk, path, scaled(20_000, scale, 1_000)) // warm-up
    const cpu0 = cpuUsage()
    const t0 = performance.now()
    await pipelinedReads(zk, path, count)
    const wallMs = performance.now() - t0
    const cpu = cpuUsage(cpu0)
    const result = { opsPerSec: count / (wallMs / 1000), cpuUsPerOp: (cpu.user + cpu.system) / count }
    process.stdout.write(`${label.padEnd(6)} ${Math.round(result.opsPerSec).toString().padStart(8)} ops/s  ${result.cpuUsPerOp.toFixed(2).padStart(6)} µs CPU/op\n`)
    return result
  } finally {
    await zk.close()
  }
}

const certs = await createTestCertificates()
const server = await TestingServer.start({ tls: { certificate: certs.server, clientAuth: 'need' }, fastJvm: false })
try {
  const tls = { ca: certs.ca.cert, cert: certs.client.cert, key: certs.client.key }
  const setup = createClient(server.connectString)
  await setup.connected({ timeout: 20_000 })
  const path = `/tls-w2-${process.pid}`
  await setup.create(path, PAYLOAD)
  await setup.close()
  process.stdout.write(`W2 (${count} getData, window ${WINDOW}) plain vs TLS, ${rounds} rounds, ZooKeeper ${server.connectString} / ${server.secureConnectString}\n`)
  const plain: number[] = []
  const secure: number[] = []
  for (let r = 0; r < rounds; r++) {
    // Alternate which goes first, so warming (JIT, server caches) favours neither.
    const order = r % 2 === 0 ? (['plain', 'tls'] as const) : (['tls', 'plain'] as const)
    for (const which of order) {
      if (which === 'plain') plain.push((await measure('plain', server.connectString, {}, path)).opsPerSec)
      else secure.push((await measure('tls', server.secureConnectString!, { tls }, path)).opsPerSec)
    }
  }
  const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
  process.stdout.write(`median: plain ${Math.round(median(plain))} ops/s, TLS ${Math.round(median(secure))} ops/s, TLS/plain ${(median(secure) / median(plain)).toFixed(2)}\n`)
} finally {
  await server.close()
}
