/**
 * Read-write lock with Curator InterProcessReadWriteLock's layout: `_c_<uuid>-__READ__<seq>` and
 * `_c_<uuid>-__WRIT__<seq>` nodes side by side under one path, ordered by the shared sequence.
 * A writer holds when it is first of all; a reader holds when no writer is ahead of it (readers
 * wait behind an earlier writer, so writers are not starved), or when its own ReadWriteLock
 * object holds the write lock (a writer may take the read lock, and so downgrade).
 */
import type { ZooKeeperClient } from '../../client/client.js'
import { checkOptions } from '../../common/check.js'
import { InvalidArgumentError } from '../../common/errors.js'
import { validatePath } from '../../common/paths.js'
import type { AcquireOptions } from './internals.js'
import { standardDecide } from './internals.js'
import { type Lock, type MutexOptions, SequentialLock } from './mutex.js'

/** Curator's marker of read-lock nodes. */
export const READ_MARKER = '__READ__'
/** Curator's marker of write-lock nodes (the same length as the read marker, as Curator requires). */
export const WRITE_MARKER = '__WRIT__'
const MARKERS = [READ_MARKER, WRITE_MARKER] as const

/** The write half: exclusive against readers and writers. */
class WriteLock extends SequentialLock {
  constructor(client: ZooKeeperClient, path: string, options: MutexOptions, private readonly readHeld: () => boolean) {
    super(client, path, { marker: WRITE_MARKER, sortMarkers: MARKERS, decide: standardDecide(1), what: 'write lock' }, options, 'new ReadWriteLock')
  }

  override acquire(options?: AcquireOptions): Promise<Lock> {
    // Our own read node would sort ahead of the write node: it would wait for itself forever.
    if (this.readHeld() && !this.isHeld) return Promise.reject(new InvalidArgumentError(`write lock acquire: this ReadWriteLock holds the read lock on ${this.path}; a read lock cannot be upgraded (release it first)`))
    return super.acquire(options)
  }
}

/** The read half: shared among readers, excluded by a writer ahead. */
class ReadLock extends SequentialLock {
  constructor(client: ZooKeeperClient, path: string, options: MutexOptions, writeHeld: () => boolean) {
    super(
      client,
      path,
      {
        marker: READ_MARKER,
        sortMarkers: MARKERS,
        decide: (sorted, ours) => {
          if (writeHeld()) return null
          const index = sorted.indexOf(ours)
          // Curator's readLockPredicate: watch the first writer ahead of us, if any.
          const writer = sorted.findIndex((name) => name.includes(WRITE_MARKER))
          return writer < 0 || writer > index ? null : sorted[writer]!
        },
        what: 'read lock',
      },
      options,
      'new ReadWriteLock',
    )
  }
}

/**
 * A distributed read-write lock, compatible with Curator's InterProcessReadWriteLock.
 *
 * @example
 * ```ts
 * const rw = new ReadWriteLock(zk, '/locks/catalog')
 * await using read = await rw.readLock.acquire()    // shared with other readers
 * // ... or, elsewhere:
 * await using write = await rw.writeLock.acquire()  // exclusive
 * ```
 */
export class ReadWriteLock {
  /** The shared lock (many readers, or this object's writer). */
  readonly readLock: SequentialLock
  /** The exclusive lock. */
  readonly writeLock: SequentialLock
  /** The lock's node. */
  readonly path: string

  /**
   * @param client a client of the ensemble (a chroot applies).
   * @param path the lock's node (a container, created if missing).
   * @param options `data` of both halves' nodes (default: the host address), `abortOnSuspend`.
   */
  constructor(client: ZooKeeperClient, path: string, options?: MutexOptions) {
    validatePath(path)
    const o = checkOptions(options, ['data', 'abortOnSuspend'], 'new ReadWriteLock', { lockData: 'write data' })
    this.path = path
    const write = new WriteLock(client, path, o, () => read.isHeld)
    const read: SequentialLock = new ReadLock(client, path, o, () => write.isHeld)
    this.readLock = read
    this.writeLock = write
  }
}
