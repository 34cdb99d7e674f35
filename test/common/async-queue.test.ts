/**
 * The one async queue behind states(), persistent watches and discovery snapshots: values pushed
 * before anyone reads are kept in order, end() lets queued values be read first, leaving the loop
 * drops them and unsubscribes once, and `latestOnly` keeps just the newest unread value.
 */
import { describe, expect, it } from 'vitest'
import { AsyncQueue } from '../../src/common/async-queue.js'

describe('AsyncQueue', () => {
  it('keeps every value pushed before it is read, in order, then ends after them', async () => {
    const q = new AsyncQueue<number>()
    for (let i = 0; i < 1_000; i++) q.push(i)
    q.end()
    q.push(-1) // ignored once ended
    const seen: number[] = []
    for await (const v of q) seen.push(v)
    expect(seen).toEqual(Array.from({ length: 1_000 }, (_, i) => i))
  })

  it('hands a value to a waiting reader, and ends every waiting reader on end()', async () => {
    const q = new AsyncQueue<string>()
    const first = q.next()
    const second = q.next()
    q.push('a')
    expect(await first).toEqual({ value: 'a', done: false })
    q.end()
    expect(await second).toEqual({ value: undefined, done: true })
    expect(await q.next()).toEqual({ value: undefined, done: true })
  })

  it('break drops queued values and runs onReturn once (also after end())', async () => {
    let unsubscribed = 0
    const q = new AsyncQueue<number>({ onReturn: () => void unsubscribed++ })
    q.push(1)
    q.push(2)
    for await (const v of q) {
      expect(v).toBe(1)
      break
    }
    expect(unsubscribed).toBe(1)
    expect(q.size).toBe(0)
    q.end()
    await q.return()
    expect(unsubscribed).toBe(1)
  })

  it('a failing onReturn does not break the loop', async () => {
    const q = new AsyncQueue<number>({ onReturn: () => Promise.reject(new Error('x')) })
    q.push(1)
    for await (const _ of q) break
    const sync = new AsyncQueue<number>({ onReturn: () => { throw new Error('y') } })
    sync.end()
    expect(await sync.next()).toEqual({ value: undefined, done: true })
  })

  it('latestOnly keeps the newest unread value only', async () => {
    const q = new AsyncQueue<number>({ latestOnly: true })
    q.push(1)
    q.push(2)
    q.push(3)
    expect(await q.next()).toEqual({ value: 3, done: false })
    const waiting = q.next()
    q.push(4)
    expect(await waiting).toEqual({ value: 4, done: false })
  })
})
