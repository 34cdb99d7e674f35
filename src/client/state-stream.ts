/**
 * The client's connection-state changes as an async iterator that subscribes when it is created,
 * so no change between asking for it and starting the loop is lost, and keeps every change until
 * it is read.
 */
import type { EventEmitter } from 'node:events'
import type { StateChange } from '../session/state.js'

/**
 * Iterates the `'state'` events of `source` until a `'closed'` change has been read, or `signal`
 * aborts (the loop then just ends).
 */
export function stateStream(source: EventEmitter, alreadyClosed: boolean, signal?: AbortSignal): AsyncIterableIterator<StateChange> {
  const buffered: StateChange[] = []
  const readers: ((result: IteratorResult<StateChange>) => void)[] = []
  let ended = alreadyClosed || signal?.aborted === true

  const end = (): void => {
    if (ended && readers.length === 0) return
    ended = true
    source.off('state', onState)
    signal?.removeEventListener('abort', end)
    for (const reader of readers.splice(0)) reader({ value: undefined, done: true })
  }
  const onState = (change: StateChange): void => {
    const reader = readers.shift()
    if (reader !== undefined) reader({ value: change, done: false })
    else buffered.push(change)
    if (change.state === 'closed') end()
  }
  if (!ended) {
    source.on('state', onState)
    signal?.addEventListener('abort', end, { once: true })
  }

  return {
    next(): Promise<IteratorResult<StateChange>> {
      const change = buffered.shift()
      if (change !== undefined) return Promise.resolve({ value: change, done: false })
      if (ended) return Promise.resolve({ value: undefined, done: true })
      return new Promise((resolve) => readers.push(resolve))
    },
    return(): Promise<IteratorResult<StateChange>> {
      buffered.length = 0
      end()
      return Promise.resolve({ value: undefined, done: true })
    },
    [Symbol.asyncIterator]() {
      return this
    },
  }
}
