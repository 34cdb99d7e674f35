/**
 * Reads a subtree for the views (`ls -R`, `tree`, `find`, `grep`, `du`, `dump`): many reads in
 * flight at once (the session pipelines them), a node deleted while the walk runs is left out,
 * and children are sorted as zkCli sorts them so every view prints in a stable order.
 */
import { NoAuthError, NoNodeError, type Stat, type WatchedEvent, type ZooKeeperClient, joinPath } from '../index.js'
import { compareNames } from './format.js'

/** One node of a walked subtree. */
export interface WalkedNode {
  path: string
  /** Depth below the walk's root (0 for the root). */
  depth: number
  /** Child names, sorted. */
  children: string[]
  stat: Stat
  /** The node's data, when the walk read it. */
  data?: Buffer
}

/** Options of {@link walkTree}. */
export interface WalkOptions {
  /** Read each node's data too (and take its Stat from that read). */
  data?: boolean
  /** Stop below this depth (the root is 0); default: no limit. */
  maxDepth?: number
  /** Leave a one-shot child watch on every node listed (`ls -R -w`). */
  watcher?: (event: WatchedEvent) => void
  signal: AbortSignal
  timeout: number
  /** Most reads in flight (default 64). */
  concurrency?: number
  /**
   * Called for a node below the root that this session may not read (NoAuthError); the node and
   * its subtree are left out and the walk goes on. Without it, such a node fails the walk.
   */
  onUnreadable?: (path: string, error: Error) => void
}

/** A walked subtree: its nodes by path. The root is always present (a missing root rejects with NoNodeError). */
export class WalkedTree {
  constructor(
    readonly root: string,
    readonly nodes: ReadonlyMap<string, WalkedNode>,
  ) {}

  /** The children of `node` that were walked (not deleted meanwhile, within the depth). */
  childrenOf(node: WalkedNode): WalkedNode[] {
    const out: WalkedNode[] = []
    for (const name of node.children) {
      const child = this.nodes.get(joinPath(node.path, name))
      if (child !== undefined) out.push(child)
    }
    return out
  }

  /** Nodes in depth-first pre-order (a node, then each child's subtree in name order). */
  *preorder(from = this.nodes.get(this.root)!): Generator<WalkedNode> {
    yield from
    for (const child of this.childrenOf(from)) yield* this.preorder(child)
  }

  /** The order of zkCli's `ls -R` (ZKUtil.visitSubTreeDFS): the root, then each node's children before their subtrees. */
  *zkCliOrder(): Generator<WalkedNode> {
    const root = this.nodes.get(this.root)!
    yield root
    const visit = function* (tree: WalkedTree, node: WalkedNode): Generator<WalkedNode> {
      const children = tree.childrenOf(node)
      yield* children
      for (const child of children) yield* visit(tree, child)
    }
    yield* visit(this, root)
  }
}

/**
 * Collects the nodes a walk could not read, to report them on stderr after the output and fail
 * the command (exit code 1), as `find` does with directories it may not enter.
 */
export class Unreadable {
  readonly paths: string[] = []
  readonly onUnreadable = (path: string): void => {
    this.paths.push(path)
  }

  /** Throws a CliError-like failure naming the unreadable nodes, if there were any. */
  check(fail: (message: string) => Error): void {
    if (this.paths.length === 0) return
    const some = this.paths.sort().slice(0, 5).join(', ')
    throw fail(`NoAuthError: not permitted to read ${this.paths.length} node(s), left out with their subtrees: ${some}${this.paths.length > 5 ? ', ...' : ''}`)
  }
}

/** Walks the subtree under `root`. */
export async function walkTree(zk: ZooKeeperClient, root: string, options: WalkOptions): Promise<WalkedTree> {
  const nodes = new Map<string, WalkedNode>()
  const queue: { path: string; depth: number }[] = [{ path: root, depth: 0 }]
  const limit = options.concurrency ?? 64
  const call = { signal: options.signal, timeout: options.timeout }
  let active = 0
  let failure: unknown = null

  await new Promise<void>((resolve) => {
    const pump = (): void => {
      while (failure === null && active < limit && queue.length > 0) {
        const item = queue.shift()!
        active++
        void visit(item).then(
          () => {
            active--
            pump()
          },
          (error: unknown) => {
            active--
            failure ??= error
            pump()
          },
        )
      }
      if (active === 0 && (queue.length === 0 || failure !== null)) resolve()
    }
    const visit = async ({ path, depth }: { path: string; depth: number }): Promise<void> => {
      try {
        const listing = zk.getChildren(path, options.watcher === undefined ? call : { ...call, watcher: options.watcher })
        const read = options.data === true ? zk.getData(path, call) : null
        const [{ children, stat }, content] = await Promise.all([listing, read])
        children.sort(compareNames)
        const node: WalkedNode = { path, depth, children, stat: content?.stat ?? stat }
        if (content !== null) node.data = content.data
        nodes.set(path, node)
        if (options.maxDepth === undefined || depth < options.maxDepth) {
          for (const name of children) queue.push({ path: joinPath(path, name), depth: depth + 1 })
        }
      } catch (error) {
        // Deleted between being listed and being read: not part of the tree any more.
        if (error instanceof NoNodeError && path !== root) return
        if (error instanceof NoAuthError && path !== root && options.onUnreadable !== undefined) return options.onUnreadable(path, error)
        throw error
      }
    }
    pump()
  })
  if (failure !== null) throw failure
  return new WalkedTree(root, nodes)
}
