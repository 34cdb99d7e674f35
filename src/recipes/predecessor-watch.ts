/**
 * The one watch a candidate keeps: a data watch on the candidate in line before it. Moving the
 * watch to another node removes the old one, so a former predecessor cannot wake the candidate
 * later; a removal still in flight is waited for before the same path is watched again.
 */
import type { ZooKeeperClient } from '../client/client.js'
import type { Watcher } from '../client/watches.js'
import { NoNodeError } from '../common/errors.js'

/** The watch on a candidate's predecessor. */
export class PredecessorWatch {
  private watched: string | null = null
  /** Watch removals in flight, by path: a new watch on the same path waits for them. */
  private readonly unwatching = new Map<string, Promise<void>>()

  /** @param watcher the candidate's one watcher function, for the watch's whole life. */
  constructor(
    private readonly client: ZooKeeperClient,
    private readonly watcher: Watcher,
  ) {}

  /**
   * Records that the watch on `path` fired: true if that is the predecessor being watched (which
   * is then no longer watched), false for a former one.
   */
  fired(path: string | undefined): boolean {
    if (path !== this.watched) return false
    this.watched = null
    return true
  }

  /**
   * Watches `path` (and no other node). Resolves false when the node is already gone, so the
   * candidate must look again; other failures reject, the watch then counts as wanted on `path`.
   */
  async watch(path: string): Promise<boolean> {
    if (this.watched !== path) this.unwatch()
    this.watched = path
    // A removal of an earlier watch on this path still in flight would remove the new one too.
    await this.unwatching.get(path)
    try {
      // getData, not exists: on a node already gone, exists would leave a watch for its creation,
      // which never comes for a sequential name (Curator's LeaderLatch does the same).
      await this.client.getData(path, { watcher: this.watcher })
    } catch (error) {
      if (!(error instanceof NoNodeError)) throw error
      // Gone before the watch was set.
      this.watched = null
      return false
    }
    return true
  }

  /** Drops the watch on a former predecessor, so it cannot fire for us later. */
  unwatch(): void {
    const watched = this.watched
    if (watched === null) return
    this.watched = null
    const removal = this.client.removeWatches(watched, 'data', { watcher: this.watcher, local: true }).catch(() => {})
    const tracked = removal.finally(() => {
      if (this.unwatching.get(watched) === tracked) this.unwatching.delete(watched)
    })
    this.unwatching.set(watched, tracked)
  }
}
