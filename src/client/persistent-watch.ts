/**
 * A persistent (optionally recursive) watch as the public API hands it out: an async iterable of
 * events that never drops one, plus an optional listener, ended by a final event.
 */
import { AsyncQueue } from '../common/async-queue.js'
import { type WatchedEvent, isFinalEvent } from './watch-event.js'

/** A watch set with `addWatch`: it stays until removed or the session ends. */
export class PersistentWatch implements AsyncIterable<WatchedEvent>, AsyncDisposable {
  private readonly events = new AsyncQueue<WatchedEvent>()
  private ended = false
  /** Whether an iterator was created; until then a listener-only watch keeps nothing. */
  private iterating = false
  private removal: Promise<void> | undefined

  /**
   * @param path the watched path (client view).
   * @param recursive whether the watch covers the whole subtree.
   * @param removeFn removes the watch from the server; supplied by the client.
   */
  constructor(
    readonly path: string,
    readonly recursive: boolean,
    private readonly removeFn: (watch: PersistentWatch) => Promise<void>,
    private readonly listener?: (event: WatchedEvent) => void,
  ) {}

  /** True once the final event has been delivered. */
  get closed(): boolean {
    return this.ended
  }

  /** Delivers one event (called by the client, in the order the server sent them). */
  deliver(event: WatchedEvent): void {
    if (this.ended) return
    if (isFinalEvent(event)) this.ended = true
    this.listener?.(event)
    // Kept for an iterator: one that exists, or one still to come when there is no listener.
    // A listener-only watch keeps nothing (nobody would read it).
    if (this.iterating || this.listener === undefined) this.events.push(event)
    if (this.ended) this.events.end()
  }

  /**
   * Removes the watch (from the server too, unless another watch of this client shares it); the
   * iterator then yields a `PersistentWatchRemoved` event and ends. Calling it again is harmless.
   */
  remove(): Promise<void> {
    this.removal ??= this.removeFn(this)
    return this.removal
  }

  /** Removes the watch: `await using watch = await zk.addWatch(...)` removes it when the scope ends. */
  async [Symbol.asyncDispose](): Promise<void> {
    if (!this.ended) await this.remove().catch(() => {})
  }

  /**
   * Events in order; an unread event is kept, never dropped. Ends after the final event. With a
   * `listener`, the iterator sees the events from its creation on (the listener had the earlier ones).
   */
  [Symbol.asyncIterator](): AsyncIterator<WatchedEvent> {
    this.iterating = true
    return {
      next: () => this.events.next(),
      return: async () => {
        // Breaking out of a for-await loop removes the watch, so nothing is left on the server.
        if (!this.ended) await this.remove().catch(() => {})
        return this.events.return()
      },
    }
  }
}
