/**
 * The tree cache's in-memory mirror and the rule that keeps it right while reads overtake each
 * other: every read gets a sequence number when it is sent, and the server answers one session's
 * requests in the order sent, so a higher number is a later view of the tree. A reply older than
 * what a node (or a deleted ancestor) already reflects is dropped.
 */
import type { Stat } from '../../protocol/records.js'
import { joinPath, parentOf } from '../../common/paths.js'

/** One cached node. */
export interface CachedNode {
  /** The node's path (client view). */
  readonly path: string
  /** The node's data as last read. */
  readonly data: Buffer
  /**
   * The node's Stat as last read. Its data fields (mzxid, version, mtime, dataLength) match
   * `data`; its children fields (cversion, numChildren, pzxid) are those of the last listing of
   * the node's children and may lag the children the cache holds.
   */
  readonly stat: Stat
}

/** A change of the cache, as events and the async iterator give them. */
export type TreeCacheEvent =
  | { type: 'added'; path: string; node: CachedNode }
  | { type: 'changed'; path: string; node: CachedNode; previous: CachedNode }
  | { type: 'removed'; path: string; node: CachedNode }
  | { type: 'initialized' }

interface Entry {
  node: CachedNode
  children: Set<string>
  dataSeq: number
  childSeq: number
}

/** What applying a reply asks the cache to read next. */
export interface Followups {
  /** Paths to read in full (data and children). */
  load: string[]
  /** Paths whose data must be read again. */
  data: string[]
}

/** The mirror: nodes, their children, and the sequence rule. Emits through `emit`. */
export class TreeState {
  private readonly nodes = new Map<string, Entry>()
  private readonly tombstones = new Map<string, number>()
  private readonly rootPrefix: string
  /** Set when a node was not added because of `maxNodes`. */
  overflowed = false

  constructor(
    readonly root: string,
    readonly maxDepth: number,
    readonly maxNodes: number,
    private readonly emit: (event: TreeCacheEvent) => void,
    private readonly onOverflow: (path: string) => void,
  ) {
    this.rootPrefix = root === '/' ? '/' : `${root}/`
  }

  get size(): number {
    return this.nodes.size
  }

  get(path: string): CachedNode | undefined {
    return this.nodes.get(path)?.node
  }

  childrenOf(path: string): string[] | undefined {
    const e = this.nodes.get(path)
    return e === undefined ? undefined : [...e.children].sort()
  }

  paths(): IterableIterator<string> {
    return this.nodes.keys()
  }

  /** True for the root and the paths under it. */
  within(path: string): boolean {
    return path === this.root || path.startsWith(this.rootPrefix)
  }

  /** Levels below the root (the root is 0). */
  depth(path: string): number {
    if (path === this.root) return 0
    const rel = this.root === '/' ? path : path.slice(this.root.length)
    let n = 0
    for (let i = 0; i < rel.length; i++) if (rel.charCodeAt(i) === 47) n++
    return n
  }

  /** Forget tombstones: safe when no read is in flight (every later read is newer than all of them). */
  clearTombstones(): void {
    this.tombstones.clear()
  }

  private stale(path: string, seq: number, kind: 'data' | 'children'): boolean {
    const e = this.nodes.get(path)
    if (e !== undefined && (kind === 'data' ? e.dataSeq : e.childSeq) > seq) return true
    for (let p = path; ; p = parentOf(p)) {
      const t = this.tombstones.get(p)
      if (t !== undefined && t > seq) return true
      if (p === this.root || p === '/') return false
    }
  }

  /** A data read answered (stat null: no node). */
  applyData(path: string, seq: number, data: Buffer | null, stat: Stat | null, out: Followups): void {
    if (this.stale(path, seq, 'data')) return
    if (stat === null || data === null) {
      this.remove(path, seq)
      return
    }
    if (this.depth(path) > this.maxDepth) return
    const existing = this.nodes.get(path)
    if (existing === undefined) {
      const parent = path === this.root ? undefined : this.nodes.get(parentOf(path))
      if (path !== this.root && parent === undefined) {
        // The parent is not cached (its read failed, or is behind this one): read it in full,
        // which lists this node again.
        if (!this.overflowed) out.load.push(parentOf(path))
        return
      }
      if (this.nodes.size >= this.maxNodes) {
        this.overflowed = true
        this.onOverflow(path)
        return
      }
      const node: CachedNode = { path, data, stat }
      this.nodes.set(path, { node, children: new Set(), dataSeq: seq, childSeq: -1 })
      parent?.children.add(path === '/' ? '' : path.slice(path.lastIndexOf('/') + 1))
      this.emit({ type: 'added', path, node })
      return
    }
    existing.dataSeq = seq
    const previous = existing.node
    if (previous.stat.mzxid === stat.mzxid && previous.stat.czxid === stat.czxid) {
      // Same data; keep the children fields of the newer of the two listings.
      if (stat.pzxid > previous.stat.pzxid) existing.node = { path, data: previous.data, stat }
      return
    }
    const node: CachedNode = { path, data, stat }
    existing.node = node
    this.emit({ type: 'changed', path, node, previous })
  }

  /** A children read answered (null: no node). */
  applyChildren(path: string, seq: number, children: readonly string[] | null, stat: Stat | null, out: Followups): void {
    if (this.stale(path, seq, 'children')) return
    if (children === null || stat === null) {
      this.remove(path, seq)
      return
    }
    const e = this.nodes.get(path)
    if (e === undefined) return // its data read was dropped or failed; that path is read again
    e.childSeq = seq
    const old = e.node.stat
    if (stat.czxid !== old.czxid || stat.mzxid > old.mzxid) out.data.push(path)
    if (stat.czxid === old.czxid) e.node = { path, data: e.node.data, stat: { ...old, cversion: stat.cversion, numChildren: stat.numChildren, pzxid: stat.pzxid } }
    const listed = new Set(children)
    for (const name of [...e.children]) {
      if (listed.has(name)) continue
      const child = joinPath(path, name)
      const ce = this.nodes.get(child)
      if (ce === undefined || ce.dataSeq < seq) this.remove(child, seq)
    }
    if (this.depth(path) >= this.maxDepth) return
    for (const name of children) if (!e.children.has(name)) out.load.push(joinPath(path, name))
  }

  /** The node and its subtree are gone as of read `seq`. */
  remove(path: string, seq: number): void {
    this.tombstones.set(path, Math.max(seq, this.tombstones.get(path) ?? -1))
    const e = this.nodes.get(path)
    if (e === undefined) return
    for (const name of [...e.children]) this.remove(joinPath(path, name), seq)
    this.nodes.delete(path)
    if (path !== this.root) this.nodes.get(parentOf(path))?.children.delete(path.slice(path.lastIndexOf('/') + 1))
    if (this.nodes.size < this.maxNodes) this.overflowed = false
    this.emit({ type: 'removed', path, node: e.node })
  }

  /** Stats of every cached node, for a re-sync. */
  snapshot(): Array<{ path: string; stat: Stat }> {
    return [...this.nodes.values()].map((e) => ({ path: e.node.path, stat: e.node.stat }))
  }
}
