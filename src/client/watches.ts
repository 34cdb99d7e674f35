/**
 * The watch side of the Promise API: one-shot watchers as the session registers them, persistent
 * watches (`addWatch`), and removing watches (`removeWatches`), keeping the client's record of
 * watches and the server's in step on every server from 3.6 on.
 *
 * Before ZooKeeper 3.9 (ZOOKEEPER-4466) the server keeps one watch mode per session and path: a
 * one-shot watch set where the session has a persistent one replaces it, and once it fires the
 * persistent watch receives nothing more although the client still holds it. So a one-shot watch
 * on a path this client already watches persistently is not armed on the server at all: the
 * persistent watch delivers every event the one-shot one needs, and the client's registry hands
 * the first to it (as it would to a server-armed one). Beside a recursive watch the server keeps
 * only the recursive mode, and the registry derives the node's NodeChildrenChanged from it
 * (WatchRegistry.derivesChildren). See docs/versions.md.
 */
import type { CallOptions } from './types.js'
import { InvalidArgumentError, NoWatcherError, ZooKeeperError } from '../common/errors.js'
import { describe } from '../common/check.js'
import { type WatchedEvent, toWatchedEvent } from './watch-event.js'
import type { Chroot } from '../common/paths.js'
import { validatePath } from '../common/paths.js'
import { PersistentWatch } from './persistent-watch.js'
import { AddWatchMode, ErrorCode, EventType, KeeperState, OpCode, WatcherType } from '../protocol/constants.js'
import { AddWatchRequestCodec, CheckWatchesRequestCodec, ExistsRequestCodec, GetChildrenRequestCodec, RemoveWatchesRequestCodec } from '../protocol/requests.js'
import type { RequestContext, Session, WatchRegistration } from '../session/session.js'
import type { Codec } from '../protocol/codec.js'
import type { Reader } from '../protocol/reader.js'
import type { RawWatchEvent, RawWatcher, WatchKind } from '../session/watches.js'

/** The kinds of watch {@link ZooKeeperClient.removeWatches} can remove. */
export type WatcherTypeName = 'data' | 'children' | 'any' | 'persistent' | 'persistentRecursive'

/** A function the client calls with watch events. */
export type Watcher = (event: WatchedEvent) => void

/** Options of {@link ZooKeeperClient.addWatch}. */
export interface AddWatchOptions extends CallOptions {
  /** Watch the whole subtree (never reports NodeChildrenChanged) instead of the node alone. */
  recursive?: boolean
  /** Called with every event, as well as the events being available with `for await`. */
  listener?: Watcher
}

/** Options of {@link ZooKeeperClient.removeWatches}. */
export interface RemoveWatchesOptions extends CallOptions {
  /** Remove only this watcher (as given to a read); default: every watch of the type. */
  watcher?: Watcher
  /** Remove the watches on the client even when the server cannot be reached. */
  local?: boolean
}

/** Sends a request through the client (tracing included). */
export type SendFn = <T>(opcode: number, codec: Codec<any> | null, body: unknown, decode: ((r: Reader) => T) | null, context: RequestContext) => Promise<T>

/** Builds a request's context (operation, path, signal, timeout). */
export type ContextFactory = (operation: string, path: string | undefined, options: CallOptions) => RequestContext

const ALL_KINDS: readonly WatchKind[] = ['data', 'exist', 'child', 'persistent', 'persistentRecursive']

/** Watch registration and removal for one client. */
export class ClientWatches {
  /**
   * One session watcher per user watcher function, whatever the paths: events name their path, so
   * nothing per path is kept here, and the registry calls a function once per event of a path
   * however many kinds it watches there, as the Java client's watcher sets do.
   */
  private readonly byUser = new WeakMap<Watcher, RawWatcher>()
  /** Server paths with watch-setting requests in flight, and how many. */
  private readonly inFlight = new Map<string, number>()
  /** The server refused WatcherType Persistent/PersistentRecursive (before ZooKeeper 3.9). */
  private legacyWatcherTypes = false
  /** Server paths with addWatch requests in flight, by mode: the server holds them before any later read. */
  private readonly adding = { persistent: new Map<string, number>(), persistentRecursive: new Map<string, number>() }
  /** Reads in flight whose one-shot watch a persistent watch serves (not armed on the server). */
  private readonly servedLocally = new WeakSet<WatchRegistration>()
  /** Server paths with such reads in flight, and their one-shot kinds, for {@link ClientWatches.rearmServed}. */
  private readonly localInFlight = new Map<string, WatchKind[]>()

  constructor(
    private readonly session: Session,
    private readonly chroot: Chroot,
    private readonly context: ContextFactory,
    private readonly send: SendFn,
  ) {}

  /**
   * The registration for a read with a one-shot watch; pass the read's promise through
   * {@link ClientWatches.track}.
   */
  register(kind: WatchKind, serverPath: string, watcher: Watcher, kindOnNoNode?: WatchKind): WatchRegistration {
    if (typeof watcher !== 'function') throw new InvalidArgumentError(`watcher must be a function, got ${describe(watcher)}`)
    let raw = this.byUser.get(watcher)
    if (raw === undefined) {
      raw = (event: RawWatchEvent) => watcher(toWatchedEvent(event, this.chroot.toClient(event.path)))
      this.byUser.set(watcher, raw)
    }
    this.begin(serverPath)
    return { kind, kindOnNoNode, path: serverPath, watcher: raw }
  }

  /**
   * The `watch` flag of the read carrying `registration`: false when this client holds (or is
   * setting) a persistent or recursive watch on the same path, which delivers every event the
   * one-shot watch needs (a recursive watch's NodeChildrenChanged are derived: see
   * WatchRegistry.derivesChildren), so no second server watch replaces it (ZOOKEEPER-4466).
   */
  armOnServer(registration: WatchRegistration | undefined): boolean {
    if (registration === undefined) return false
    const { kind, path } = registration
    if (!this.covered(kind, path)) return true
    this.servedLocally.add(registration)
    const kinds = this.localInFlight.get(path)
    if (kinds === undefined) this.localInFlight.set(path, [kind])
    else kinds.push(kind)
    return false
  }

  /** Notes when the read carrying `registration` settles (its watch is set or not by then); returns `promise`. */
  track<T>(promise: Promise<T>, registration: WatchRegistration | undefined): Promise<T> {
    if (registration === undefined) return promise
    const done = (): void => {
      this.end(registration.path)
      if (!this.servedLocally.has(registration)) return
      const kinds = this.localInFlight.get(registration.path)
      kinds?.splice(kinds.indexOf(registration.kind), 1)
      if (kinds?.length === 0) this.localInFlight.delete(registration.path)
    }
    promise.then(done, done)
    return promise
  }

  private heldOrAdding(kind: 'persistent' | 'persistentRecursive', serverPath: string): boolean {
    return this.session.watches.has(kind, serverPath) || this.adding[kind].has(serverPath)
  }

  /** True when a persistent or recursive watch of this client serves one-shot watches of `kind` on the path. */
  private covered(_kind: WatchKind, serverPath: string): boolean {
    return this.heldOrAdding('persistent', serverPath) || this.heldOrAdding('persistentRecursive', serverPath)
  }

  private begin(serverPath: string): void {
    this.inFlight.set(serverPath, (this.inFlight.get(serverPath) ?? 0) + 1)
  }

  private end(serverPath: string): void {
    const n = (this.inFlight.get(serverPath) ?? 1) - 1
    if (n === 0) this.inFlight.delete(serverPath)
    else this.inFlight.set(serverPath, n)
  }

  /** Sets a persistent watch; see {@link ZooKeeperClient.addWatch}. */
  async addWatch(path: string, options: AddWatchOptions = {}): Promise<PersistentWatch> {
    validatePath(path)
    if (options.listener !== undefined && typeof options.listener !== 'function') throw new InvalidArgumentError('listener must be a function')
    const recursive = options.recursive ?? false
    const serverPath = this.chroot.toServer(path)
    const watch = new PersistentWatch(path, recursive, (w) => this.removePersistent(w, raw), options.listener)
    const raw: RawWatcher = (event) => watch.deliver(toWatchedEvent(event, this.chroot.toClient(event.path)))
    const context = this.context('addWatch', path, options)
    context.watch = { kind: recursive ? 'persistentRecursive' : 'persistent', path: serverPath, watcher: raw }
    // Beside a recursive watch of this client a plain one is served by it (WatchRegistry.derivesChildren):
    // the request re-adds the recursive mode, so the server keeps one mode and errors stay the same.
    const mode = recursive || this.heldOrAdding('persistentRecursive', serverPath) ? AddWatchMode.PERSISTENT_RECURSIVE : AddWatchMode.PERSISTENT
    const adding = this.adding[recursive ? 'persistentRecursive' : 'persistent']
    this.begin(serverPath)
    adding.set(serverPath, (adding.get(serverPath) ?? 0) + 1)
    try {
      await this.send(OpCode.addWatch, AddWatchRequestCodec, { path: serverPath, mode }, null, context)
    } finally {
      this.end(serverPath)
      const n = (adding.get(serverPath) ?? 1) - 1
      if (n === 0) adding.delete(serverPath)
      else adding.set(serverPath, n)
    }
    return watch
  }

  /** Removes watches; see {@link ZooKeeperClient.removeWatches}. */
  async removeWatches(path: string, type: WatcherTypeName, options: RemoveWatchesOptions = {}): Promise<void> {
    validatePath(path)
    const code = watcherTypeCode(type)
    const serverPath = this.chroot.toServer(path)
    const kinds = kindsOf(type)
    const registry = this.session.watches
    const target = options.watcher === undefined ? undefined : this.byUser.get(options.watcher)
    const present = kinds.some((k) => (options.watcher === undefined ? registry.has(k, serverPath) : target !== undefined && registry.has(k, serverPath, target)))
    // As ZKWatchManager.containsWatcher: nothing to remove on this client is an error, whatever the server holds.
    if (!present) throw new NoWatcherError({ path, operation: 'removeWatches' })
    // While disconnected the server holds no watch of this connection (SetWatches re-arms only what
    // the registry still has), so a local removal acts at once instead of waiting for a server.
    if (options.local && !this.session.connectedNow) return this.removeLocally(serverPath, kinds, target)
    // One-shot watches a persistent watch serves have no server watch of their own, and before 3.9
    // a Data or Children removal would strip that type from the persistent watch (ZOOKEEPER-4471).
    const local = (type === 'data' || type === 'children') && kinds.every((k) => this.covered(k, serverPath))
    try {
      if (local) {
        // Nothing on the server to remove: the client's record is all there is.
      } else if (options.watcher !== undefined) {
        await this.send(OpCode.checkWatches, CheckWatchesRequestCodec, { path: serverPath, type: code }, null, this.context('removeWatches', path, options))
      } else {
        await this.removeOnServer(serverPath, path, type, options)
      }
    } catch (error) {
      const unreachable = error instanceof ZooKeeperError && error.isConnectionProblem
      if (!(options.local && unreachable)) throw error
    }
    this.removeLocally(serverPath, kinds, target)
  }

  private removeLocally(serverPath: string, kinds: readonly WatchKind[], target: RawWatcher | undefined): void {
    const registry = this.session.watches
    for (const kind of kinds) {
      const removed = target === undefined ? registry.remove(kind, serverPath) : registry.remove(kind, serverPath, target)
      const eventType = kind === 'child' ? EventType.ChildWatchRemoved : kind === 'data' || kind === 'exist' ? EventType.DataWatchRemoved : EventType.PersistentWatchRemoved
      for (const w of removed) w({ type: eventType, state: KeeperState.SyncConnected, path: serverPath })
    }
  }

  private async removePersistent(watch: PersistentWatch, raw: RawWatcher): Promise<void> {
    if (watch.closed) return
    const type = watch.recursive ? 'persistentRecursive' : 'persistent'
    const serverPath = this.chroot.toServer(watch.path)
    this.session.watches.remove(type, serverPath, raw)
    try {
      // Other watches of the same kind on the path share the server's watch: it stays for them.
      // While disconnected there is nothing on the server to remove: the registry no longer has it.
      if (this.session.connectedNow && !this.session.watches.has(type, serverPath)) await this.removeOnServer(serverPath, watch.path, type, {})
    } catch (error) {
      if (!(error instanceof ZooKeeperError && (error.code === 'NOWATCHER' || error.isConnectionProblem))) throw error
    } finally {
      // Off this client's record either way: the watch ends here, so an iterator never waits forever.
      raw({ type: EventType.PersistentWatchRemoved, state: KeeperState.SyncConnected, path: serverPath })
    }
  }

  /**
   * Asks the server to drop this session's watches of `type` on a path. WatcherType Persistent and
   * PersistentRecursive exist only from ZooKeeper 3.9 (ZOOKEEPER-4472); older servers fail them with
   * MARSHALLINGERROR and remove persistent watches only with Any, which also removes the session's
   * other watches on the path. So Any is used when no other watch of this client is on the path (it
   * works on every server), and the precise type otherwise; if the server refuses it, the watch is
   * left on the server and its events, which no watcher on this client matches, are dropped.
   */
  private async removeOnServer(serverPath: string, clientPath: string, type: WatcherTypeName, options: CallOptions): Promise<void> {
    const send = (code: number): Promise<void> =>
      this.send(OpCode.removeWatches, RemoveWatchesRequestCodec, { path: serverPath, type: code }, null, this.context('removeWatches', clientPath, options))
    if (type !== 'persistent' && type !== 'persistentRecursive') return send(watcherTypeCode(type))
    const removing = kindsOf(type)
    const othersRemain = this.inFlight.has(serverPath) || ALL_KINDS.some((k) => !removing.includes(k) && this.session.watches.has(k, serverPath))
    if (!othersRemain) return send(WatcherType.Any)
    const rearmed = this.rearmServed(serverPath, type)
    // A plain watch beside a recursive one was served by it: the server holds only the recursive mode.
    if (type === 'persistent' && this.session.watches.has('persistentRecursive', serverPath)) {
      await rearmed
      return
    }
    if (this.legacyWatcherTypes) {
      await rearmed
      return
    }
    try {
      await send(watcherTypeCode(type))
    } catch (error) {
      if (!(error instanceof ZooKeeperError && error.errno === ErrorCode.MARSHALLINGERROR)) throw error
      this.legacyWatcherTypes = true
    } finally {
      await rearmed
    }
  }

  /**
   * Arms on the server the one-shot watches on `serverPath` that the persistent watch of `type`
   * being removed served (see {@link ClientWatches.armOnServer}) and no remaining persistent watch
   * will. The requests go out before the removal, so the server is never without a watch for them;
   * they register nothing, as the client already holds those watches. A missing node needs no
   * watch: its one-shot watches got NodeDeleted already. On 3.8 this also turns the server's
   * watch of the path back into one-shot ones, which is what is left.
   */
  private rearmServed(serverPath: string, type: 'persistent' | 'persistentRecursive'): Promise<unknown> {
    const registry = this.session.watches
    const inFlight = this.localInFlight.get(serverPath) ?? []
    const held = (kind: WatchKind): boolean => registry.has(kind, serverPath) || inFlight.includes(kind)
    const otherPersistent = type !== 'persistent' && registry.has('persistent', serverPath)
    const otherRecursive = type !== 'persistentRecursive' && registry.has('persistentRecursive', serverPath)
    const requests: Promise<unknown>[] = []
    const context = (): RequestContext => this.context('removeWatches', this.chroot.toClient(serverPath), {})
    // Removing a recursive watch that served a plain one or child watches: its child events keep
    // standing in for NodeChildrenChanged until the server holds their own watches again.
    const release = type === 'persistentRecursive' && (otherPersistent || held('child')) ? registry.holdDerived(serverPath) : undefined
    if (type === 'persistentRecursive' && otherPersistent) {
      const body = { path: serverPath, mode: AddWatchMode.PERSISTENT }
      requests.push(this.send(OpCode.addWatch, AddWatchRequestCodec, body, null, context()))
    }
    if ((held('data') || held('exist')) && !otherPersistent && !otherRecursive) {
      requests.push(this.send(OpCode.exists, ExistsRequestCodec, { path: serverPath, watch: true }, null, context()))
    }
    if (held('child') && !otherPersistent && !otherRecursive) {
      requests.push(this.send(OpCode.getChildren, GetChildrenRequestCodec, { path: serverPath, watch: true }, null, context()))
    }
    return Promise.allSettled(requests).finally(release)
  }

}

function watcherTypeCode(type: WatcherTypeName): number {
  switch (type) {
    case 'data':
      return WatcherType.Data
    case 'children':
      return WatcherType.Children
    case 'any':
      return WatcherType.Any
    case 'persistent':
      return WatcherType.Persistent
    case 'persistentRecursive':
      return WatcherType.PersistentRecursive
    default:
      throw new InvalidArgumentError(`removeWatches: type must be 'data', 'children', 'any', 'persistent' or 'persistentRecursive', got ${describe(type)}`)
  }
}

function kindsOf(type: WatcherTypeName): readonly WatchKind[] {
  switch (type) {
    case 'data':
      return ['data', 'exist']
    case 'children':
      return ['child']
    case 'any':
      return ALL_KINDS
    case 'persistent':
      return ['persistent']
    case 'persistentRecursive':
      return ['persistentRecursive']
  }
}
