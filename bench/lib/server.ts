/**
 * The benchmark's server and the nodes the workloads read, created once per run.
 */
import { execFileSync } from 'node:child_process'
import { createClient, NodeExistsError, type ZooKeeperClient } from '../../src/index.js'
import { TestingServer } from '../../src/testing/index.js'
import { PAYLOAD, pipelined } from './measure.js'

/**
 * A standalone server as BASELINE.md measured it: the Debian package's defaults (tickTime 2000,
 * 64 MB log preallocation),
 * the transaction log fsynced (`forceSync=yes`), a 256 MB heap, and the JVM's normal flags
 * (`fastJvm` off: C2 and the default GC, not the start-up flags tests use).
 */
export function startBenchServer(heapMb = 256): Promise<TestingServer> {
  return TestingServer.start({
    forceSync: true,
    jvmHeapMb: heapMb,
    fastJvm: false,
    tickTime: 2000,
    // ZooKeeper's own 64 MB log preallocation (the testing default of 1 MB suits throwaway tests).
    config: { preAllocSize: 65536 },
    logLevel: 'warn',
    startTimeoutMs: 60_000,
  })
}

/** An admin client for setup and cleanup (zkwire; the figures never come from it). */
export async function adminClient(connectString: string): Promise<ZooKeeperClient> {
  const zk = createClient(connectString, { sessionTimeout: 30_000 })
  await zk.connected({ timeout: 15_000 })
  return zk
}

/** Creates `path` with `data` unless it exists. */
export async function ensureNode(zk: ZooKeeperClient, path: string, data: Buffer = Buffer.alloc(0)): Promise<void> {
  try {
    await zk.create(path, data)
  } catch (error) {
    if (!(error instanceof NodeExistsError)) throw error
  }
}

/** Creates many nodes (pipelined, window 1,000), ignoring those that exist. */
export function createMany(zk: ZooKeeperClient, paths: readonly string[], data: Buffer = PAYLOAD): Promise<void> {
  return pipelined(
    paths.length,
    1_000,
    (i, done) => {
      zk.create(paths[i]!, data).then(
        () => done(null),
        (error: unknown) => (error instanceof NodeExistsError ? done(null) : done(error as Error)),
      )
    },
    300_000,
    'creating nodes',
  )
}

/** Deletes a subtree, children first (bounded by its size). */
export async function deleteTree(zk: ZooKeeperClient, path: string): Promise<void> {
  let children: string[]
  try {
    children = (await zk.getChildren(path)).children
  } catch {
    return
  }
  for (const child of children) await deleteTree(zk, `${path}/${child}`)
  await zk.delete(path).catch(() => {})
}

/** Whether `taskset` (util-linux) can be run. */
export function hasTaskset(): boolean {
  try {
    execFileSync('taskset', ['--version'], { stdio: 'ignore' })
    return true
  } catch {
    return false
  }
}

/** Pins every thread of `pid` to `cpus` (e.g. `0`, or `0-1` to undo a pin) with `taskset -a -p -c`. Throws if it fails. */
export function pinProcess(pid: number, cpus: number | string): void {
  execFileSync('taskset', ['-a', '-p', '-c', String(cpus), String(pid)], { stdio: 'ignore' })
}

/** Clock ticks per second for /proc CPU figures (`getconf CLK_TCK`, 100 on Linux). */
export function clockTicks(): number {
  try {
    const n = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim())
    return Number.isFinite(n) && n > 0 ? n : 100
  } catch {
    return 100
  }
}
