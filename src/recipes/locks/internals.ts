/**
 * What the mutex, the read-write lock, the semaphore and the leader selector share: Curator's
 * ordering of sequential nodes, the wait for a turn (one watch on one other node, re-checked after
 * every wake-up), and the clean-up that leaves no node behind when a wait is given up.
 */
import { randomUUID } from 'node:crypto'
import { networkInterfaces } from 'node:os'
import type { ZooKeeperClient } from '../../client/client.js'
import type { DataInput } from '../../client/arguments.js'
import type { WatchedEvent } from '../../client/watch-event.js'
import { BadVersionError, NoNodeError } from '../../common/errors.js'
import { checkDuration, checkOptions, checkSignal } from '../../common/check.js'
import { defaultLog } from '../../common/log.js'
import { basename, joinPath } from '../../common/paths.js'
import type { Stat } from '../../protocol/records.js'
import { backOff, isRetryable, isWritable, whenWritable } from '../connection.js'
import { findProtectedNode, protectedCreate } from '../protected-create.js'

/** Options of every `acquire` / `enter` / `waitOnBarrier`. */
export interface AcquireOptions {
  /** Gives up waiting when aborted; rejects with the signal's reason. */
  signal?: AbortSignal
  /** Gives up after this many ms with an {@link AcquireTimeoutError}. Default: wait as long as it takes. */
  timeout?: number
}

/**
 * An acquire (or barrier wait) that did not get there within its `timeout`. Any node it had
 * created is deleted before this is thrown (or, while disconnected, as soon as the connection is
 * back within the same session; a new session has lost it anyway).
 */
export class AcquireTimeoutError extends Error {
  /** Stable code for programmatic checks. */
  readonly code = 'ACQUIRE_TIMEOUT'
  constructor(message: string) {
    super(message)
    this.name = 'AcquireTimeoutError'
  }
}

/** Checks `{ signal, timeout }` and returns them. */
export function checkAcquireOptions(options: AcquireOptions | undefined, where: string): AcquireOptions {
  const o = checkOptions(options, ['signal', 'timeout'], where, { timeoutMs: 'write timeout (in ms)', wait: 'write timeout (in ms)' })
  return { signal: checkSignal(o.signal, where), timeout: checkDuration(o.timeout, 'timeout', where) }
}

let hostAddress: string | undefined

/**
 * The data Curator writes into recipe nodes given none (`CuratorFrameworkFactory`'s default: the
 * local host's address as text). Taken from the interfaces, never from a name lookup, so no
 * traffic leaves the host: the first external IPv4 address, else `127.0.0.1`.
 */
export function defaultNodeData(): string {
  if (hostAddress !== undefined) return hostAddress
  hostAddress = '127.0.0.1'
  for (const addresses of Object.values(networkInterfaces())) {
    const found = addresses?.find((a) => a.family === 'IPv4' && !a.internal)
    if (found !== undefined) {
      hostAddress = found.address
      break
    }
  }
  return hostAddress
}

/**
 * The sort key of a child, as Curator's `standardFixForSorting` applied for each marker in turn:
 * what follows the marker's last occurrence, else the name unchanged.
 */
export function sortKey(name: string, markers: readonly string[]): string {
  let key = name
  for (const marker of markers) {
    const i = key.lastIndexOf(marker)
    if (i >= 0) key = key.slice(i + marker.length)
  }
  return key
}

/**
 * Children in Curator's lock order: by {@link sortKey} (the 10-digit sequence for its own nodes),
 * then by name. Every child counts, so Java and Node contenders agree on the order.
 *
 * @example
 * ```ts
 * sortLockNodes(['_c_…-lock-0000000002', '_c_…-lock-0000000001'], ['lock-']) // …01 first
 * ```
 */
export function sortLockNodes(children: readonly string[], markers: readonly string[]): string[] {
  return [...children]
    .map((name) => ({ name, key: sortKey(name, markers) }))
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .map((e) => e.name)
}

/**
 * Wakes a waiter on any state change or watch event. Every wake-up only means "look again": the
 * waiter re-reads the children and decides afresh, so a spurious or early event never lets it through.
 */
export class Waker {
  private woken = false
  private resolveWait: (() => void) | null = null
  private watchedPath: string | null = null
  private watchType: 'data' | 'children' = 'data'
  private fired = false

  constructor(private readonly client: ZooKeeperClient, private readonly onWatch?: (event: WatchedEvent) => void) {
    client.on('state', this.wake)
  }

  /** The watcher to pass to getData / exists / getChildren. */
  readonly watcher = (event: WatchedEvent): void => {
    if (event.type === 'None' || event.type.endsWith('WatchRemoved')) return
    this.fired = true
    this.onWatch?.(event)
    this.wake()
  }

  /** Remembers which path the watch is on, to remove it if it never fires. */
  watching(path: string, type: 'data' | 'children'): void {
    this.watchedPath = path
    this.watchType = type
  }

  /** True when something happened since this waker was made. */
  get changed(): boolean {
    return this.woken
  }

  private readonly wake = (): void => {
    this.woken = true
    this.resolveWait?.()
  }

  /** Resolves at the next wake-up (at once if one came already); rejects when `signal` aborts. */
  wait(signal?: AbortSignal): Promise<void> {
    if (this.woken) return Promise.resolve()
    if (signal?.aborted) return Promise.reject(signal.reason)
    return new Promise((resolve, reject) => {
      const onAbort = (): void => {
        this.resolveWait = null
        reject(signal!.reason)
      }
      signal?.addEventListener('abort', onAbort, { once: true })
      this.resolveWait = () => {
        this.resolveWait = null
        signal?.removeEventListener('abort', onAbort)
        resolve()
      }
    })
  }

  /** Stops listening; drops a watch that never fired, so it cannot pile up on the client. */
  dispose(): void {
    this.client.off('state', this.wake)
    this.resolveWait = null
    if (this.watchedPath !== null && !this.fired) {
      void this.client.removeWatches(this.watchedPath, this.watchType, { watcher: this.watcher, local: true }).catch(() => {})
    }
  }
}

/**
 * A signal that aborts when `signal` does (with its reason) or after `timeout` ms (with an
 * {@link AcquireTimeoutError}), and a function that stops its timer.
 */
export function acquireSignal(options: AcquireOptions, what: string): { signal: AbortSignal; done: () => void } {
  const controller = new AbortController()
  const { signal, timeout } = options
  const onAbort = (): void => controller.abort(signal!.reason)
  if (signal?.aborted) controller.abort(signal.reason)
  else signal?.addEventListener('abort', onAbort, { once: true })
  const timer = timeout === undefined ? undefined : setTimeout(() => controller.abort(new AcquireTimeoutError(`${what}: not acquired within ${timeout} ms`)), timeout)
  return {
    signal: controller.signal,
    done: () => {
      if (timer !== undefined) clearTimeout(timer)
      signal?.removeEventListener('abort', onAbort)
    },
  }
}

/** A node of ours that the caller now holds. */
export interface HeldNode {
  path: string
  stat: Stat
}

/** What {@link acquireNode} needs to know about one kind of lock. */
export interface NodeLockSpec {
  /** The lock's node; contenders are its children. */
  basePath: string
  /** The name part before the sequence: `lock-`, `__READ__`, `__WRIT__`. */
  marker: string
  /** Markers to sort by (Curator's fixForSorting), usually `[marker]`. */
  sortMarkers: readonly string[]
  data: DataInput
  /** From the sorted children and our node's name: null if we hold, else the name to watch. */
  decide: (sorted: readonly string[], ours: string) => string | null
  /** Called for each watch event that wakes this waiter (herd accounting). */
  onWatch?: (event: WatchedEvent) => void
  what: string
}

/**
 * Creates a protected ephemeral-sequential node under `basePath` and waits until `decide` says it
 * holds, watching (with getData, as Curator's LockInternals) only the node `decide` names. Holds
 * only on a node owned by the current session (CURATOR-604: a node left by an older session of
 * ours would vanish under us). When `signal` aborts, the node is deleted and the reason thrown.
 */
export async function acquireNode(client: ZooKeeperClient, spec: NodeLockSpec, signal: AbortSignal): Promise<HeldNode> {
  let node: { path: string; name: string; session: bigint } | null = null
  let joiningId: string | null = null
  try {
    for (let round = 0; ; round++) {
      await whenWritable(client, spec.what, signal)
      try {
        if (node !== null && node.session !== client.sessionId) {
          // Made in an expired session: it goes with that session; start again at the back.
          const old = node
          node = null
          await deleteQuietly(client, old.path)
        }
        if (node === null) {
          joiningId = randomUUID()
          const created = await protectedCreate(client, joinPath(spec.basePath, spec.marker), spec.data, {
            mode: 'ephemeralSequential',
            createParents: 'container',
            protectedId: joiningId,
            signal,
          })
          joiningId = null
          node = { path: created.path, name: basename(created.path), session: created.stat.ephemeralOwner }
        }
        const waker = new Waker(client, spec.onWatch)
        try {
          const sorted = sortLockNodes((await client.getChildren(spec.basePath)).children, spec.sortMarkers)
          if (!sorted.includes(node.name)) {
            node = null // deleted by someone else (or with our old session): create a new one
            continue
          }
          const watch = spec.decide(sorted, node.name)
          if (watch === null) {
            const stat = await client.exists(node.path)
            if (stat === null || stat.ephemeralOwner !== client.sessionId) continue
            // The connection changed while we looked: look again rather than hold on old news.
            if (waker.changed || !isWritable(client.state)) continue
            const held = { path: node.path, stat }
            node = null
            return held
          }
          const watchPath = joinPath(spec.basePath, watch)
          try {
            waker.watching(watchPath, 'data')
            await client.getData(watchPath, { watcher: waker.watcher })
          } catch (error) {
            if (error instanceof NoNodeError) continue // gone already: look again
            throw error
          }
          await waker.wait(signal)
        } finally {
          waker.dispose()
        }
      } catch (error) {
        if (signal.aborted || !isRetryable(error) || client.state === 'closed') throw error
      }
    }
  } catch (error) {
    throw await giveUp(client, spec.basePath, node, joiningId, error, signal)
  }
}

/**
 * Deletes the node of an abandoned wait (or the one a create in flight made), then returns the
 * error to throw: the abort reason if the signal fired, else the error itself. Waits for the
 * delete only while connected; otherwise it runs once the connection is back (same session).
 */
export async function giveUp(
  client: ZooKeeperClient,
  parent: string,
  node: { path: string; session: bigint } | null,
  joiningId: string | null,
  error: unknown,
  signal?: AbortSignal,
): Promise<unknown> {
  const failure = signal?.aborted ? signal.reason : error
  if (node === null && joiningId === null) return failure
  const session = node?.session ?? client.sessionId
  const cleanup = removeOwnNode(client, parent, node?.path ?? null, joiningId, session, 'abandoned acquire')
  if (isWritable(client.state)) await cleanup
  return failure
}

/**
 * Deletes one of our nodes (or the one a protected create with `joiningId` made), retrying across
 * connection losses while the session that made it lives. Stops when that session is lost (the
 * node goes with it) or the client closes, so it never waits longer than the session can live.
 * Never throws.
 */
export async function removeOwnNode(client: ZooKeeperClient, parent: string, path: string | null, joiningId: string | null, session: bigint, what: string): Promise<void> {
  const gone = (): boolean => client.sessionId !== session || client.state === 'lost'
  try {
    for (let attempt = 0; ; attempt++) {
      await client.waitForState((state) => isWritable(state) || gone())
      if (gone()) return
      try {
        if (path !== null) await deleteQuietly(client, path)
        else if (joiningId !== null) {
          const found = await findProtectedNode(client, parent, joiningId, { ephemeral: true })
          if (found !== null) await deleteQuietly(client, found.path)
        }
        return
      } catch (error) {
        if (!isRetryable(error) || client.state === 'closed') throw error
        await backOff(client, attempt)
      }
    }
  } catch (error) {
    // The client closed (the session, and the node with it, is gone), or the server refused the
    // delete for good (e.g. no permission): nothing more this client can do about it.
    defaultLog.debug(`${what}: node not deleted`, { path, error: String(error) })
  }
}

/** Deletes `path`, ignoring a node already gone. */
export async function deleteQuietly(client: ZooKeeperClient, path: string): Promise<void> {
  try {
    await client.delete(path)
  } catch (error) {
    if (!(error instanceof NoNodeError || error instanceof BadVersionError)) throw error
  }
}

/** Curator's StandardLockInternalsDriver: hold when among the first `maxLeases`, else watch the node `maxLeases` before. */
export function standardDecide(maxLeases: number): (sorted: readonly string[], ours: string) => string | null {
  return (sorted, ours) => {
    const index = sorted.indexOf(ours)
    return index < maxLeases ? null : sorted[index - maxLeases]!
  }
}
