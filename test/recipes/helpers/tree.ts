/**
 * Helpers for cache tests: the server's tree read node by node, a comparison with a cache, and a
 * burst of random writes from another client.
 */
import type { TreeCache, ZooKeeperClient } from '../../../src/index.js'
import { NoNodeError, NodeExistsError, NotEmptyError, joinPath } from '../../../src/index.js'

/** One node as the comparison sees it. */
export interface NodeView {
  data: string
  czxid: bigint
  mzxid: bigint
  version: number
}

/** Every node of the subtree at `root` on the server (getData and getChildren per node). */
export async function serverTree(client: ZooKeeperClient, root: string, maxDepth = Infinity): Promise<Map<string, NodeView>> {
  const out = new Map<string, NodeView>()
  const walk = async (path: string, depth: number): Promise<void> => {
    try {
      const [{ data, stat }, { children }] = await Promise.all([client.getData(path), client.getChildren(path)])
      out.set(path, { data: data.toString('hex'), czxid: stat.czxid, mzxid: stat.mzxid, version: stat.version })
      if (depth < maxDepth) await Promise.all(children.map((c) => walk(joinPath(path, c), depth + 1)))
    } catch (error) {
      if (!(error instanceof NoNodeError)) throw error
    }
  }
  await walk(root, 0)
  return out
}

/** The cache's nodes in the same form. */
export function cacheTree(cache: TreeCache): Map<string, NodeView> {
  const out = new Map<string, NodeView>()
  for (const path of cache.paths()) {
    const node = cache.get(path)!
    out.set(path, { data: node.data.toString('hex'), czxid: node.stat.czxid, mzxid: node.stat.mzxid, version: node.stat.version })
  }
  return out
}

/** The first difference between two trees, or null when they are equal node by node. */
export function difference(expected: Map<string, NodeView>, actual: Map<string, NodeView>): string | null {
  for (const [path, e] of expected) {
    const a = actual.get(path)
    if (a === undefined) return `missing ${path}`
    if (a.data !== e.data || a.czxid !== e.czxid || a.mzxid !== e.mzxid || a.version !== e.version) return `stale ${path}: cached v${a.version} mzxid ${a.mzxid}, server v${e.version} mzxid ${e.mzxid}`
  }
  for (const path of actual.keys()) if (!expected.has(path)) return `extra ${path}`
  return null
}

/** Deterministic pseudo-random numbers (a test must be repeatable). */
export function prng(seed: number): () => number {
  let s = seed >>> 0
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0
    return s / 0x1_0000_0000
  }
}

/**
 * `count` random writes under `root` (create, setData, delete of leaves, at most `depth` levels),
 * pipelined `window` at a time. Failures from racing its own writes (NoNode, NodeExists,
 * NotEmpty) are part of the game.
 */
export async function burst(client: ZooKeeperClient, root: string, count: number, seed: number, window = 64, depth = 3): Promise<void> {
  const random = prng(seed)
  const known: string[] = [root]
  const pick = (): string => known[Math.floor(random() * known.length)]!
  const one = async (i: number): Promise<void> => {
    const r = random()
    try {
      if (r < 0.45 || known.length < 4) {
        const parent = pick()
        const levels = parent === root ? 0 : parent.slice(root.length).split('/').length - 1
        const path = joinPath(levels >= depth ? root : parent, `n${Math.floor(random() * 40)}`)
        await client.create(path, `c${i}`)
        known.push(path)
      } else if (r < 0.8) {
        const path = pick()
        await client.setData(path, `s${i}`)
      } else {
        const path = pick()
        if (path === root) return
        await client.delete(path)
        known.splice(known.indexOf(path), 1)
      }
    } catch (error) {
      if (!(error instanceof NoNodeError || error instanceof NodeExistsError || error instanceof NotEmptyError)) throw error
    }
  }
  for (let i = 0; i < count; i += window) {
    await Promise.all(Array.from({ length: Math.min(window, count - i) }, (_, k) => one(i + k)))
  }
}
