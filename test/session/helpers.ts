/**
 * Shared pieces of the session tests: a fake server per test, clients closed afterwards, a state
 * log per client, and a spy that fails the test if anything escapes as an uncaught exception or an
 * unhandled rejection.
 */
import { afterAll, afterEach, beforeAll, beforeEach, expect } from 'vitest'
import { type ClientOptions, type ConnectionState, type StateChange, type ZooKeeperClient, createClient } from '../../src/index.js'
import { type Clock, systemClock } from '../../src/session/clock.js'
import { FakeServer } from '../support/fake-server.js'

/** A client with its recorded state changes. */
export interface Tracked {
  client: ZooKeeperClient
  states: StateChange[]
  /** Resolves with the first change to `state` at index >= `from` in the log. */
  reach(state: ConnectionState, from?: number, timeoutMs?: number): Promise<StateChange>
}

/** Installs the per-test fake server, client cleanup and the uncaught-error spy; returns accessors. */
export function useFakeServer(): { server: () => FakeServer; client: (options?: ClientOptions) => Tracked } {
  let server: FakeServer | undefined
  const opened: ZooKeeperClient[] = []
  const escaped: unknown[] = []
  const spy = (error: unknown): void => {
    escaped.push(error)
  }
  beforeAll(() => {
    process.on('uncaughtException', spy)
    process.on('unhandledRejection', spy)
  })
  afterAll(() => {
    process.off('uncaughtException', spy)
    process.off('unhandledRejection', spy)
  })
  beforeEach(async () => {
    server = await FakeServer.start()
  })
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((c) => c.close()))
    await server?.close()
    // An unhandled rejection is reported a turn after it happens: give it that turn.
    await new Promise((resolve) => setImmediate(resolve))
    expect(escaped.splice(0)).toEqual([])
  })
  return {
    server: () => server!,
    client(options = {}) {
      const client = createClient(server!.address, { sessionTimeout: 10_000, reconnectDelay: { initialMs: 5, maxMs: 20 }, ...options })
      opened.push(client)
      return track(client)
    },
  }
}

/** Records every state change of `client`. */
export function track(client: ZooKeeperClient): Tracked {
  const states: StateChange[] = []
  client.on('state', (change: StateChange) => states.push(change))
  return {
    client,
    states,
    reach(state, from = 0, timeoutMs = 5_000) {
      const found = (): StateChange | undefined => states.slice(from).find((s) => s.state === state)
      const now = found()
      if (now !== undefined) return Promise.resolve(now)
      return new Promise<StateChange>((resolve, reject) => {
        const onState = (): void => {
          const change = found()
          if (change === undefined) return
          clearTimeout(timer)
          client.off('state', onState)
          resolve(change)
        }
        const timer = setTimeout(() => {
          client.off('state', onState)
          reject(new Error(`state '${state}' not reached within ${timeoutMs} ms; states so far: ${states.map((s) => s.state).join(', ')}`))
        }, timeoutMs)
        client.on('state', onState)
      })
    },
  }
}

/** The real clock, counting the timers that are set and neither fired nor cleared. */
export interface CountingClock extends Clock {
  /** Timers still pending. */
  readonly live: number
}

/** A {@link CountingClock}: to check that a closed session leaves no timer behind. */
export function countingClock(): CountingClock {
  const live = new Set<unknown>()
  return {
    get live() {
      return live.size
    },
    now: () => systemClock.now(),
    setTimeout(fn, ms) {
      const handle: unknown = systemClock.setTimeout(() => {
        live.delete(handle)
        fn()
      }, ms)
      live.add(handle)
      return handle
    },
    clearTimeout(handle) {
      live.delete(handle)
      systemClock.clearTimeout(handle)
    },
  }
}

/** Resolves with the rejection reason of `promise`, or rejects if it fulfils or takes over `timeoutMs`. */
export function rejectionOf(promise: Promise<unknown>, timeoutMs = 5_000): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`promise still pending after ${timeoutMs} ms`)), timeoutMs)
    promise.then(
      (value) => {
        clearTimeout(timer)
        reject(new Error(`expected a rejection, got ${String(value)}`))
      },
      (error: unknown) => {
        clearTimeout(timer)
        resolve(error)
      },
    )
  })
}
