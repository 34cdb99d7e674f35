/**
 * A first-in, first-out queue backed by a growable ring buffer: O(1) push and shift at any size,
 * unlike `Array.prototype.shift`, which copies once an array is large. The session keeps its
 * requests awaiting replies in one, since replies arrive in request order.
 */
export class Queue<T> {
  private items: (T | undefined)[]
  private head = 0
  private count = 0

  constructor(capacity = 64) {
    this.items = new Array<T | undefined>(capacity)
  }

  /** Number of queued items. */
  get length(): number {
    return this.count
  }

  /** Appends an item. */
  push(item: T): void {
    if (this.count === this.items.length) this.grow()
    this.items[(this.head + this.count) % this.items.length] = item
    this.count++
  }

  /** Removes and returns the oldest item, or `undefined` when empty. */
  shift(): T | undefined {
    if (this.count === 0) return undefined
    const item = this.items[this.head]
    this.items[this.head] = undefined
    this.head = (this.head + 1) % this.items.length
    this.count--
    return item
  }

  /** The oldest item without removing it. */
  peek(): T | undefined {
    return this.count === 0 ? undefined : this.items[this.head]
  }

  /** Removes a specific item (O(n); for rare cancellations). Returns whether it was queued. */
  remove(item: T): boolean {
    const all = this.drain()
    let found = false
    for (const x of all) {
      if (!found && x === item) found = true
      else this.push(x)
    }
    return found
  }

  /** Removes and returns every item, oldest first. */
  drain(): T[] {
    const out = new Array<T>(this.count)
    for (let i = 0; i < out.length; i++) out[i] = this.shift()!
    return out
  }

  private grow(): void {
    const next = new Array<T | undefined>(this.items.length * 2)
    for (let i = 0; i < this.count; i++) next[i] = this.items[(this.head + i) % this.items.length]
    this.items = next
    this.head = 0
  }
}
