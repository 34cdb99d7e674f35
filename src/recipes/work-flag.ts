/**
 * The "look again" flag that recipes with one worker loop share (persistent node, queue consumer,
 * node watch): watch events and state changes only set the flag, and the loop does the work, so
 * a burst of events costs one pass and no event is lost between a read and its re-arm.
 */
export class WorkFlag {
  private dirty = true
  private wake: (() => void) | undefined

  /** True while there is work the loop has not taken yet. Starts true: the first pass is owed. */
  get isSet(): boolean {
    return this.dirty
  }

  /** Marks work to do and wakes the loop if it is parked. */
  set(): void {
    this.dirty = true
    const wake = this.wake
    this.wake = undefined
    wake?.()
  }

  /** Takes the work: clears the flag before a pass, so an event during the pass sets it again. */
  clear(): void {
    this.dirty = false
  }

  /** Parks the loop until the next {@link WorkFlag.set}. */
  park(): Promise<void> {
    return new Promise<void>((resolve) => (this.wake = resolve))
  }
}
