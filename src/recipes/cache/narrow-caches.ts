/**
 * The tree cache's narrow forms: one node (Curator's NodeCache, kazoo's DataWatch kept in memory)
 * and one level of children (Curator's PathChildrenCache, kazoo's ChildrenWatch with data).
 */
import type { ZooKeeperClient } from '../../client/client.js'
import { checkOptions } from '../../common/check.js'
import { joinPath } from '../../common/paths.js'
import { type CachedNode, TreeCache, type TreeCacheOptions } from './tree-cache.js'

/** Options of {@link NodeCache} and {@link ChildrenCache}. */
export type NarrowCacheOptions = Pick<TreeCacheOptions, 'watchMode' | 'signal' | 'maxNodes'>

/**
 * A cache of one node: its data and Stat (`current`), following every change. A {@link TreeCache}
 * with `maxDepth: 0`: on 3.6+ servers a non-recursive persistent watch on the node.
 *
 * @example
 * ```ts
 * const cache = new NodeCache(zk, '/app/config')
 * await cache.start()
 * cache.on('changed', ({ node }) => reload(node.data))
 * ```
 */
export class NodeCache extends TreeCache {
  constructor(client: ZooKeeperClient, path: string, options?: NarrowCacheOptions) {
    const o = checkOptions(options, ['watchMode', 'signal', 'maxNodes'], 'NodeCache')
    super(client, path, { ...o, maxDepth: 0 })
  }

  /** The node, or undefined while it does not exist (or before the first read). */
  get current(): CachedNode | undefined {
    return this.get(this.root)
  }
}

/**
 * A cache of a node's children (data and Stat of each): `current` maps child names to nodes. A
 * {@link TreeCache} with `maxDepth: 1`, so the parent itself is cached too.
 *
 * @example
 * ```ts
 * const workers = new ChildrenCache(zk, '/workers')
 * await workers.start()
 * for (const [name, node] of workers.current) console.log(name, node.data.toString())
 * ```
 */
export class ChildrenCache extends TreeCache {
  constructor(client: ZooKeeperClient, path: string, options?: NarrowCacheOptions) {
    const o = checkOptions(options, ['watchMode', 'signal', 'maxNodes'], 'ChildrenCache')
    super(client, path, { ...o, maxDepth: 1 })
  }

  /** The cached children by name, sorted by name. */
  get current(): Map<string, CachedNode> {
    const out = new Map<string, CachedNode>()
    for (const name of this.children(this.root) ?? []) {
      const node = this.get(joinPath(this.root, name))
      if (node !== undefined) out.set(name, node)
    }
    return out
  }
}
