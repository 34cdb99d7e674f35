/**
 * A term of leadership: the fencing token, the signal that ends with the term, the guarded multi,
 * and the watch on the leader's own node that ends the term when someone else deletes or changes it.
 */
import type { ZooKeeperClient } from '../client/client.js'
import type { WatchedEvent } from '../client/watch-event.js'
import type { Op, OpResult } from '../client/transaction.js'
import type { CallOptions } from '../client/types.js'
import { guardedMulti } from './locks/hold.js'

/** A term of leadership, as handed to the leader. */
export interface Leadership {
  /**
   * Fencing token: the creation zxid (`czxid`) of the leader's node. Candidates lead in the order
   * their nodes were created, so each new leader's token is larger than every earlier leader's.
   * Send it with writes to other systems and have them refuse a token lower than one seen.
   */
  token: bigint
  /** The leader's candidate node. */
  path: string
  /** The leader's participant id. */
  participantId: string
  /** Aborted when this term ends (resign, suspension, session loss, close). */
  signal: AbortSignal
  /**
   * Commits `ops` in one multi with a check that the leader's node still exists unchanged, so the
   * server refuses the writes of a deposed leader (see `isFencedError`). Resolves with the results
   * of `ops`.
   */
  guard(ops: readonly Op[], options?: CallOptions): Promise<OpResult[]>
}

/** One term, from becoming leader to {@link Term.end}. */
export class Term {
  /** What the leader is handed. */
  readonly leadership: Leadership
  private readonly controller = new AbortController()

  /**
   * @param path the leader's node, as read at `version` (the guard checks that version).
   * @param token its czxid.
   */
  constructor(
    private readonly client: ZooKeeperClient,
    path: string,
    participantId: string,
    token: bigint,
    version: number,
  ) {
    const guard = (ops: readonly Op[], options?: CallOptions): Promise<OpResult[]> => guardedMulti(client, path, version, ops, options)
    this.leadership = { token, path, participantId, signal: this.controller.signal, guard }
  }

  /**
   * Watches the leader's own node: `onLost` is called when it is deleted or changed by someone
   * else, or already gone. It may be called after the term ended; the caller checks.
   */
  watchOwnNode(onLost: () => void): void {
    const watcher = (event: WatchedEvent): void => {
      if (event.type === 'NodeDeleted' || event.type === 'NodeDataChanged') onLost()
    }
    this.client.exists(this.leadership.path, { watcher }).then(
      (stat) => {
        if (stat === null) onLost()
      },
      () => {
        // No answer: the state change that explains it ends the term.
      },
    )
  }

  /** Ends the term: its signal aborts with `reason`. */
  end(reason: string): void {
    this.controller.abort(new Error(`leadership ended: ${reason}`))
  }
}
