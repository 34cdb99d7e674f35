/**
 * A candidate that stops watching a predecessor and later watches the same path again must not
 * lose the new watch to the removal of the old one, if that removal completes late.
 *
 * The removal is `removeWatches(path, 'data', { watcher })`: it takes the registration of that
 * watcher off the path whenever it completes. Were the new `getData` watch registered first, the
 * late removal would take it too, the predecessor's deletion would reach no one, and the
 * candidate would wait forever behind a node that is gone. The election therefore waits for a
 * removal on a path before it watches that path again.
 *
 * The path comes back as predecessor through a child that sorts between the two candidates (any
 * child counts, as in Curator). The removal is held by the client the candidate is given (a
 * wrapper that delegates everything else to a real client), which is what makes it late.
 */
import { afterEach, expect, test } from 'vitest'
import { LeaderElection, type ZooKeeperClient } from '../../src/index.js'
import { chrootClient } from '../support/zk.js'
import { cutOff, nextState, proxiedClient } from './helpers/session.js'

const elections: LeaderElection[] = []
const releases: Array<() => void> = []
afterEach(async () => {
  for (const release of releases.splice(0)) release()
  await Promise.all(elections.splice(0).map((e) => e.close().catch(() => {})))
})

interface Held {
  client: ZooKeeperClient
  /** Resolves with a release function once the candidate asks to remove its watch on `path`. */
  removalAsked(path: string): Promise<() => Promise<void>>
  /** Resolves once a getData of `path` with a watcher, called after this, has its reply. */
  watchSet(path: string): Promise<void>
  /** Resolves once a getChildren reply lists children that `match`. */
  childrenRead(match: (children: string[]) => boolean): Promise<void>
  /** getData calls with a watcher so far, by path (their replies). */
  watches: Map<string, Promise<unknown>[]>
}

/** A client whose removeWatches calls wait until the test releases them. */
function holdingRemovals(client: ZooKeeperClient): Held {
  const removals = new Map<string, (release: () => Promise<void>) => void>()
  const watchWaiters = new Map<string, () => void>()
  let childrenWaiter: ((children: string[]) => void) | null = null
  const watches = new Map<string, Promise<unknown>[]>()
  const wrapped = new Proxy(client, {
    get(target, prop) {
      if (prop === 'removeWatches') {
        return (path: string, ...rest: unknown[]): Promise<void> =>
          new Promise<void>((resolve, reject) => {
            const release = (): Promise<void> => {
              const done = (target.removeWatches as (...a: unknown[]) => Promise<void>)(path, ...rest)
              done.then(resolve, reject)
              return done.catch(() => {})
            }
            releases.push(() => void release())
            removals.get(path)?.(release)
          })
      }
      if (prop === 'getData') {
        return (path: string, options?: { watcher?: unknown }) => {
          const reply = target.getData(path, options as never)
          if (options?.watcher !== undefined) {
            watches.set(path, [...(watches.get(path) ?? []), reply])
            const settled = (): void => watchWaiters.get(path)?.()
            reply.then(settled, settled)
          }
          return reply
        }
      }
      if (prop === 'getChildren') {
        return (...args: unknown[]) => {
          const reply = (target.getChildren as (...a: unknown[]) => Promise<{ children: string[] }>)(...args)
          reply.then((r) => childrenWaiter?.(r.children), () => {})
          return reply
        }
      }
      const value: unknown = Reflect.get(target, prop, target)
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value
    },
  })
  return {
    client: wrapped,
    watches,
    removalAsked: (path) => new Promise((resolve) => removals.set(path, resolve)),
    watchSet: (path) => new Promise((resolve) => watchWaiters.set(path, resolve)),
    childrenRead: (match) =>
      new Promise((resolve) => {
        childrenWaiter = (children) => {
          if (match(children)) resolve()
        }
      }),
  }
}

test('a late removal of the watch on a former predecessor does not take the new watch on it: its deletion still hands over', async () => {
  const { client: zk, chroot } = await chrootClient()
  const first = new LeaderElection(zk, '/election', { id: 'first' })
  elections.push(first)
  await first.start()
  const firstPath = (await first.leadership()).path

  const { client: raw, proxy } = await proxiedClient(chroot)
  const held = holdingRemovals(raw)
  const second = new LeaderElection(held.client, '/election', { id: 'second' })
  elections.push(second)
  const watchingFirst = held.watchSet(firstPath)
  await second.start()
  await watchingFirst

  // A child that sorts between the two: after the next look it is the second's predecessor.
  const sequence = firstPath.slice(firstPath.lastIndexOf('latch-') + 'latch-'.length)
  const between = `/election/x-latch-${sequence}-between`
  await zk.create(between)

  // A reconnect makes the second look again with its watch on the first still armed: it moves
  // the watch to the new predecessor and asks to remove the old one, which we hold.
  const removalAsked = held.removalAsked(firstPath)
  const watchingBetween = held.watchSet(between)
  await cutOff(raw, proxy)
  const reconnected = nextState(raw, (c) => c.state === 'reconnected')
  proxy.restore()
  await reconnected
  const release = await removalAsked
  await watchingBetween

  // The child goes: the second looks again and finds the first in front of it once more, while
  // the removal of its old watch there is still pending.
  const looked = held.childrenRead((children) => !children.includes(between.slice('/election/'.length)))
  await zk.delete(between)
  await looked
  // Let the look's continuation run to its next request (microtasks only; no I/O is needed).
  await new Promise((resolve) => setImmediate(resolve))
  // A watch set before the removal completes would be taken by it: let that reply land first.
  await Promise.allSettled(held.watches.get(firstPath)!.slice(1))
  const rewatched = held.watchSet(firstPath)
  await release()
  if (held.watches.get(firstPath)!.length < 2) await rewatched

  // The first leaves: its deletion must reach the second, which then leads.
  const triggered = new Promise<string | undefined>((resolve) => second.once('watchTriggered', (e) => resolve(e.path)))
  const eventsBefore = second.watchEvents
  await first.close()
  // The server sends a session the watch event before the reply to any later read of it.
  expect(await raw.exists(firstPath)).toBeNull()
  expect(second.watchEvents, 'the second heard the first leave').toBe(eventsBefore + 1)
  expect(await triggered).toBe(firstPath)
  const leadership = await second.leadership()
  expect(leadership.participantId).toBe('second')
  expect(second.isLeader).toBe(true)
})
