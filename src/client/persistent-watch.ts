/**
 * A persistent (optionally recursive) watch as the public API hands it out: an async iterable of
 * events that never drops one, plus an optional listener, ended by a final event.
 */
import { type WatchedEvent, isFinalEvent } from './watch-event.js'

/** A watch set with `addWatch`: it stays until removed or the session ends. */
export class PersistentWatch implements AsyncIterable<WatchedEvent> {
  private readonly buffered: WatchedEvent[] = []
  private readonly readers: ((result: IteratorResult<WatchedEvent>) => void)[] = []
  private ended = false
  /** An iterator was asked for: events are kept for it from then on. */
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
    const reader = this.readers.shift()
    if (reader !== undefined) reader({ value: event, done: false })
    // Kept for an iterator: one that exists, or one still to come when there is no listener.
    // A listener-only watch keeps nothing (nobody would read it).
    else if (this.iterating || this.listener === undefined) this.buffered.push(event)
    if (this.ended) for (const r of this.readers.splice(0)) r({ value: undefined, done: true })
  }

  /**
   * Removes the watch (from the server too, unless another watch of this client shares it); the
   * iterator then yields a `PersistentWatchRemoved` event and ends. Calling it again is harmless.
   */
  remove(): Promise<void> {
    this.removal ??= this.removeFn(this)
    return this.removal
  }

  /**
   * Events in order; an unread event is kept, never dropped. Ends after the final event. With a
   * `listener`, the iterator sees the events from its creation on (the listener had the earlier ones).
   */
  [Symbol.asyncIterator](): AsyncIterator<WatchedEvent> {
    this.iterating = true
    return {
      next: () => {
        const event = this.buffered.shift()
        if (event !== undefined) return Promise.resolve({ value: event, done: false })
        if (this.ended) return Promise.resolve({ value: undefined, done: true })
        return new Promise((resolve) => this.readers.push(resolve))
      },
      return: async () => {
        // Breaking out of a for-await loop removes the watch, so nothing is left on the server.
        if (!this.ended) await this.remove().catch(() => {})
        return { value: undefined, done: true }
      },
    }
  }
}
