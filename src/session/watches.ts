/**
 * The client's record of the watches the server holds for this session, keyed by server path,
 * and ZooKeeper's rules for which of them an event triggers (`ZKWatchManager.materialize`).
 */
import { EventType } from '../protocol/constants.js'
import { parentOf } from '../common/paths.js'

/** The five kinds of server-side watch. */
export type WatchKind = 'data' | 'exist' | 'child' | 'persistent' | 'persistentRecursive'

/** A notification as the session hands it to watchers (server path, numeric codes). */
export interface RawWatchEvent {
  /** `EventType` value. */
  type: number
  /** `KeeperState` value. */
  state: number
  /** Server path (for the final event of a watch, the path it watched). */
  path: string
  /** zxid of the transaction that fired the watch, when the server sends it (3.9+, node events only). */
  zxid?: bigint
}

/** A function called with each event a watch receives. */
export type RawWatcher = (event: RawWatchEvent) => void

/** Paths to re-arm after a reconnect, by kind (the fields of SetWatches2). */
export interface WatchPaths {
  dataWatches: string[]
  existWatches: string[]
  childWatches: string[]
  persistentWatches: string[]
  persistentRecursiveWatches: string[]
}

/**
 * The watchers of one path: the lone watcher itself in the common case, a Set only once a second
 * one arrives. A Set per path cost most of the heap of a watch (100,000 armed watches are normal).
 */
type Slot = RawWatcher | Set<RawWatcher>
type WatchTable = Map<string, Slot>

function slotHas(slot: Slot, watcher: RawWatcher): boolean {
  return typeof slot === 'function' ? slot === watcher : slot.has(watcher)
}

function pushSlot(slot: Slot, out: RawWatcher[]): void {
  if (typeof slot === 'function') out.push(slot)
  else for (const w of slot) out.push(w)
}

/**
 * Watches by kind and server path. One-shot kinds (`data`, `exist`, `child`) are removed when
 * triggered; persistent kinds stay until removed explicitly or the session ends.
 */
export class WatchRegistry {
  private readonly tables: Record<WatchKind, WatchTable> = {
    data: new Map(),
    exist: new Map(),
    child: new Map(),
    persistent: new Map(),
    persistentRecursive: new Map(),
  }
  /** Paths whose children events are derived while a recursive watch there is being handed back (counts). */
  private readonly held = new Map<string, number>()

  /**
   * True when NodeChildrenChanged of `path` reaches its plain persistent and child watches from
   * this client's recursive watch on `path` rather than from the server. Before 3.9 the server
   * keeps one watch mode per session and path (ZOOKEEPER-4466), and a recursive mode sends no
   * NodeChildrenChanged, so the client never asks for a second mode there: it turns the recursive
   * watch's NodeCreated and NodeDeleted of each direct child into the NodeChildrenChanged the
   * server would have sent (one per child created or deleted, right after it, with its zxid).
   */
  derivesChildren(path: string): boolean {
    return this.tables.persistentRecursive.has(path) || this.held.has(path)
  }

  /** Keeps {@link WatchRegistry.derivesChildren} true for `path` until the returned release is called. */
  holdDerived(path: string): () => void {
    this.held.set(path, (this.held.get(path) ?? 0) + 1)
    let released = false
    return () => {
      if (released) return
      released = true
      const n = (this.held.get(path) ?? 1) - 1
      if (n === 0) this.held.delete(path)
      else this.held.set(path, n)
    }
  }

  /**
   * For a NodeCreated or NodeDeleted of `path`: the NodeChildrenChanged of its parent derived from
   * it (see {@link WatchRegistry.derivesChildren}), with the watchers it fires (one-shot child
   * watches removed), or null.
   */
  derived(type: number, path: string): { path: string; watchers: RawWatcher[] } | null {
    if ((type !== EventType.NodeCreated && type !== EventType.NodeDeleted) || path === '/' || path === '') return null
    if (this.tables.persistentRecursive.size === 0 && this.held.size === 0) return null
    const parent = parentOf(path)
    if (!this.derivesChildren(parent)) return null
    const out: RawWatcher[] = []
    this.take('child', parent, out)
    this.collect('persistent', parent, out)
    return out.length === 0 ? null : { path: parent, watchers: dedupe(out) }
  }

  /** Adds `watcher` for `path`; adding the same function twice keeps one (as the Java client does). */
  add(kind: WatchKind, path: string, watcher: RawWatcher): void {
    const table = this.tables[kind]
    const slot = table.get(path)
    if (slot === undefined) table.set(path, watcher)
    else if (typeof slot !== 'function') slot.add(watcher)
    else if (slot !== watcher) table.set(path, new Set([slot, watcher]))
  }

  /** Removes one watcher (or all watchers of that kind on `path` when none is given); returns those removed. */
  remove(kind: WatchKind, path: string, watcher?: RawWatcher): RawWatcher[] {
    const table = this.tables[kind]
    const slot = table.get(path)
    if (slot === undefined) return []
    if (watcher === undefined) {
      table.delete(path)
      const removed: RawWatcher[] = []
      pushSlot(slot, removed)
      return removed
    }
    if (typeof slot === 'function') {
      if (slot !== watcher) return []
      table.delete(path)
      return [watcher]
    }
    if (!slot.delete(watcher)) return []
    if (slot.size === 0) table.delete(path)
    return [watcher]
  }

  /** True when some watcher of `kind` is registered on `path` (optionally: this watcher). */
  has(kind: WatchKind, path: string, watcher?: RawWatcher): boolean {
    const slot = this.tables[kind].get(path)
    if (slot === undefined) return false
    return watcher === undefined ? true : slotHas(slot, watcher)
  }

  /** Number of registered (kind, path) pairs, i.e. watches the server holds for us. */
  get size(): number {
    let n = 0
    for (const table of Object.values(this.tables)) n += table.size
    return n
  }

  /** True when any persistent or recursive watch exists (then SetWatches2 is needed). */
  get hasPersistent(): boolean {
    return this.tables.persistent.size > 0 || this.tables.persistentRecursive.size > 0
  }

  /** Every watched path by kind, for re-arming after a reconnect. */
  paths(): WatchPaths {
    return {
      dataWatches: [...this.tables.data.keys()],
      existWatches: [...this.tables.exist.keys()],
      childWatches: [...this.tables.child.keys()],
      // A plain persistent watch beside a recursive one is served by it (derivesChildren): the server holds only the recursive one.
      persistentWatches: [...this.tables.persistent.keys()].filter((p) => !this.tables.persistentRecursive.has(p)),
      persistentRecursiveWatches: [...this.tables.persistentRecursive.keys()],
    }
  }

  /**
   * The watchers a node event triggers, with the one-shot ones removed from the registry.
   * - created / data changed: data and exist watches of the node;
   * - children changed: child watches of the node;
   * - deleted: data, exist and child watches of the node;
   * - persistent watches of the node see every one of those;
   * - recursive watches of the node or any ancestor see all but children changed.
   */
  trigger(type: number, path: string): RawWatcher[] {
    const out: RawWatcher[] = []
    switch (type) {
      case EventType.NodeCreated:
      case EventType.NodeDataChanged:
        this.take('data', path, out)
        this.take('exist', path, out)
        break
      case EventType.NodeChildrenChanged:
        this.take('child', path, out)
        // Derived from the recursive watch instead (derivesChildren): never both, never twice.
        if (this.derivesChildren(path)) return dedupe(out)
        break
      case EventType.NodeDeleted:
        this.take('data', path, out)
        this.take('exist', path, out)
        this.take('child', path, out)
        break
      default:
        return out
    }
    this.collect('persistent', path, out)
    if (type !== EventType.NodeChildrenChanged && this.tables.persistentRecursive.size > 0) {
      for (let p = path; ; p = parentOf(p)) {
        this.collect('persistentRecursive', p, out)
        if (p === '/') break
      }
    }
    return dedupe(out)
  }

  /**
   * Removes every watch (when the session ends) and returns each watcher with the path it watched,
   * once per (watcher, path) whatever the kinds, so each gets one final event naming its path.
   */
  drain(): [RawWatcher, string][] {
    const seen = new Map<RawWatcher, Set<string>>()
    const out: [RawWatcher, string][] = []
    for (const table of Object.values(this.tables)) {
      for (const [path, slot] of table) {
        const watchers: RawWatcher[] = []
        pushSlot(slot, watchers)
        for (const w of watchers) {
          let paths = seen.get(w)
          if (paths === undefined) seen.set(w, (paths = new Set()))
          if (paths.has(path)) continue
          paths.add(path)
          out.push([w, path])
        }
      }
      table.clear()
    }
    return out
  }

  private take(kind: WatchKind, path: string, out: RawWatcher[]): void {
    const table = this.tables[kind]
    const slot = table.get(path)
    if (slot === undefined) return
    table.delete(path)
    pushSlot(slot, out)
  }

  private collect(kind: WatchKind, path: string, out: RawWatcher[]): void {
    const slot = this.tables[kind].get(path)
    if (slot !== undefined) pushSlot(slot, out)
  }
}

/** One function registered for several kinds of the same path is called once per event (Java's HashSet). */
function dedupe(watchers: RawWatcher[]): RawWatcher[] {
  return watchers.length < 2 ? watchers : [...new Set(watchers)]
}

/** Calls a user watcher; an exception it throws is rethrown outside the socket handler. */
export function callWatcher(watcher: RawWatcher, event: RawWatchEvent): void {
  try {
    watcher(event)
  } catch (error) {
    queueMicrotask(() => {
      throw error
    })
  }
}
