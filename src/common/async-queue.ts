/**
 * One async iterator over pushed values, for every stream the API hands out (persistent watch
 * events, state changes, discovery snapshots). A value pushed while no one reads is kept until it
 * is read, never dropped; readers waiting when the stream ends get `done`.
 */
import { Queue } from './ring-queue.js'

const DONE: IteratorReturnResult<undefined> = Object.freeze({ value: undefined, done: true })

/** Options of an {@link AsyncQueue}. */
export interface AsyncQueueOptions {
  /** Runs once when the stream finishes, however it does (`end()` or `return()`); `return()` awaits it. */
  onReturn?: () => void | Promise<void>
  /**
   * Keep only the newest unread value (a view that is worth reading only while current, such as a
   * discovery snapshot) instead of every value.
   */
  latestOnly?: boolean
}

/**
 * A first-in, first-out async iterator: producers {@link AsyncQueue.push} and {@link AsyncQueue.end},
 * one consumer reads with `for await`.
 *
 * `end()` lets the consumer read what is already queued, then finishes; leaving the loop early
 * (`return()`, i.e. `break`) drops what is queued, finishes at once and runs `onReturn` (where the
 * producer unsubscribes). `onReturn` also runs, once, when `end()` is called.
 */
export class AsyncQueue<T> implements AsyncIterableIterator<T, undefined> {
  private readonly items = new Queue<T>(8)
  private readonly readers = new Queue<(result: IteratorResult<T, undefined>) => void>(4)
  private finished = false
  private cleanedUp = false

  private readonly onReturn: (() => void | Promise<void>) | undefined
  private readonly latestOnly: boolean

  constructor(options: AsyncQueueOptions = {}) {
    this.onReturn = options.onReturn
    this.latestOnly = options.latestOnly ?? false
  }

  /** True once {@link AsyncQueue.end} or `return()` was called. */
  get ended(): boolean {
    return this.finished
  }

  /** Number of values queued and not yet read. */
  get size(): number {
    return this.items.length
  }

  /** Adds a value for the consumer; ignored once ended. */
  push(value: T): void {
    if (this.finished) return
    const reader = this.readers.shift()
    if (reader !== undefined) return reader({ value, done: false })
    if (this.latestOnly) this.items.drain()
    this.items.push(value)
  }

  /** Ends the stream after the values already queued. */
  end(): void {
    if (this.finished) return
    this.finished = true
    for (const reader of this.readers.drain()) reader(DONE)
    void this.cleanup()
  }

  next(): Promise<IteratorResult<T, undefined>> {
    if (this.items.length > 0) return Promise.resolve({ value: this.items.shift()!, done: false })
    if (this.finished) return Promise.resolve(DONE)
    return new Promise((resolve) => this.readers.push(resolve))
  }

  /** Leaves the stream: queued values are dropped, waiting readers get `done`. */
  async return(): Promise<IteratorResult<T, undefined>> {
    this.items.drain()
    this.finished = true
    for (const reader of this.readers.drain()) reader(DONE)
    await this.cleanup()
    return DONE
  }

  [Symbol.asyncIterator](): this {
    return this
  }

  private cleanup(): void | Promise<void> {
    if (this.cleanedUp) return
    this.cleanedUp = true
    try {
      const result = this.onReturn?.()
      if (result !== undefined) return result.catch(() => {})
    } catch {
      // A failing unsubscribe must not break the consumer's loop.
    }
  }
}
