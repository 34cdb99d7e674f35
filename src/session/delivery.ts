/**
 * Ordered delivery of what the server sends: reply results and watch events reach the application
 * in the order the server sent them, as the Java client's single EventThread queue guarantees.
 *
 * A reply is delivered by settling its promise, and the caller's code runs in a later microtask;
 * a watcher is a plain function. Calling a watcher right after settling the reply before it would
 * run the watcher first. So an event that follows a settled reply waits for the next macrotask
 * (by then every microtask, the caller's continuation included, has run), and whatever arrives
 * after it waits behind it. An event with no reply settled before it in this turn runs at once,
 * and so does a reply with nothing queued: the common cases cost nothing.
 */
import { Queue } from '../common/ring-queue.js'
import type { Request } from './request.js'
import { type RawWatchEvent, type RawWatcher, callWatcher } from './watches.js'

/** One item in wire order: a reply to settle, or an event for its watchers. */
type Item =
  | { kind: 'reply'; req: Request; value: unknown; failed: boolean }
  | { kind: 'event'; watchers: readonly RawWatcher[]; event: RawWatchEvent }

/** Delivers reply results and watch events in one order. */
export class OrderedDelivery {
  private readonly queue = new Queue<Item>()
  /** A reply was settled in this macrotask: an event now must wait for the caller's code to run. */
  private replySettled = false
  private scheduled = false
  private readonly idleWaiters: (() => void)[] = []

  /** Settles `req` with its reply, after everything delivered before it. */
  reply(req: Request, value: unknown, failed: boolean): void {
    if (this.queue.length > 0) {
      this.queue.push({ kind: 'reply', req, value, failed })
      return
    }
    req.settle(value, failed)
    this.markReplySettled()
  }

  /** Calls `watchers` with `event`, after everything delivered before it. */
  event(watchers: readonly RawWatcher[], event: RawWatchEvent): void {
    if (watchers.length === 0) return
    if (this.queue.length === 0 && !this.replySettled) {
      for (const w of watchers) callWatcher(w, event)
      return
    }
    this.queue.push({ kind: 'event', watchers, event })
    this.schedule()
  }

  /** Number of items waiting (for tests and diagnostics). */
  get backlog(): number {
    return this.queue.length
  }

  /** Resolves once everything queued so far has been delivered. */
  idle(): Promise<void> {
    if (this.queue.length === 0) return Promise.resolve()
    return new Promise((resolve) => this.idleWaiters.push(resolve))
  }

  private markReplySettled(): void {
    if (this.replySettled) return
    this.replySettled = true
    // Cleared at the next macrotask: by then the caller's continuation has run.
    this.schedule()
  }

  private schedule(): void {
    if (this.scheduled) return
    this.scheduled = true
    setImmediate(this.drain)
  }

  private readonly drain = (): void => {
    this.scheduled = false
    this.replySettled = false
    while (this.queue.length > 0) {
      const item = this.queue.peek()!
      if (item.kind === 'event') {
        if (this.replySettled) break // the replies settled just now get their turn first
        this.queue.shift()
        for (const w of item.watchers) callWatcher(w, item.event)
      } else {
        this.queue.shift()
        item.req.settle(item.value, item.failed)
        this.replySettled = true
      }
    }
    if (this.queue.length > 0 || this.replySettled) this.schedule()
    if (this.queue.length === 0) for (const wake of this.idleWaiters.splice(0)) wake()
  }
}
