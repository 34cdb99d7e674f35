/**
 * Retries for operations that are safe to repeat: exponential backoff with full jitter, a total
 * deadline, and only the failures that say "not now" (connection loss and its kin). A plain
 * sequential create is refused, because repeating it after a lost reply can make a second node;
 * the protected form is used instead.
 */
import type { CallOptions, CreateOptions, CreateResult, DataResult, ChildrenResult, VersionOptions, ZooKeeperClient } from '../client/client.js'
import type { DataInput } from '../client/arguments.js'
import type { Op, OpResult } from '../client/transaction.js'
import { checkDuration, checkFunction, checkInteger, checkOptions, describe } from '../common/check.js'
import { InvalidArgumentError, NoNodeError, NodeExistsError, type ZooKeeperError } from '../common/errors.js'
import type { Stat } from '../protocol/records.js'
import { CreateMode } from '../protocol/constants.js'
import { isReadable, isRetryable, sleep } from './connection.js'
import { protectedCreate } from './protected-create.js'

/** Options of {@link retry} and {@link withRetry}. */
export interface RetryOptions {
  /** Most attempts in all, the first included (default 10). */
  maxAttempts?: number
  /** Upper bound of the first pause in ms (default 50); it doubles after every failure. */
  initialDelay?: number
  /** Largest pause in ms (default 2,000). */
  maxDelay?: number
  /** Give up once this many ms have passed since the first attempt (default 30,000). */
  deadline?: number
  /** Stops retrying (the signal's reason is thrown) when aborted. */
  signal?: AbortSignal
  /**
   * The client the operation runs on: before each retry, wait (within the deadline) until it is
   * connected again, so attempts are not spent while it is cut off.
   */
  client?: ZooKeeperClient
  /** Decides which failures are retried (default: connection loss, timeouts, session moved or expired, throttling, read-only server). */
  retryOn?: (error: unknown) => boolean
  /** Called before each pause, e.g. to log: the failed attempt (1-based), its error and the pause. */
  onRetry?: (attempt: number, error: unknown, delayMs: number) => void
}

const RETRY_KEYS = ['maxAttempts', 'initialDelay', 'maxDelay', 'deadline', 'signal', 'client', 'retryOn', 'onRetry'] as const

interface ResolvedRetry {
  maxAttempts: number
  initialDelay: number
  maxDelay: number
  deadline: number
  signal: AbortSignal | undefined
  client: ZooKeeperClient | undefined
  retryOn: (error: unknown) => boolean
  onRetry: ((attempt: number, error: unknown, delayMs: number) => void) | undefined
}

function resolveRetry(options: RetryOptions | undefined, where: string): ResolvedRetry {
  const o = checkOptions(options, RETRY_KEYS, where, { retries: 'use maxAttempts (attempts in all, the first included)', timeout: 'use deadline (ms for all attempts together)' })
  if (o.signal !== undefined && !(o.signal instanceof AbortSignal)) throw new InvalidArgumentError(`${where}: signal must be an AbortSignal, got ${describe(o.signal)}`)
  if (o.client !== undefined && (o.client === null || typeof o.client !== 'object' || typeof (o.client as ZooKeeperClient).waitForState !== 'function')) {
    throw new InvalidArgumentError(`${where}: client must be a ZooKeeperClient (from createClient), got ${describe(o.client)}`)
  }
  return {
    maxAttempts: checkInteger(o.maxAttempts, 'maxAttempts', where, 1, 1_000_000) ?? 10,
    initialDelay: checkDuration(o.initialDelay, 'initialDelay', where) ?? 50,
    maxDelay: checkDuration(o.maxDelay, 'maxDelay', where) ?? 2_000,
    deadline: checkDuration(o.deadline, 'deadline', where) ?? 30_000,
    signal: o.signal,
    client: o.client,
    retryOn: checkFunction<(error: unknown) => boolean>(o.retryOn, 'retryOn', where) ?? isRetryable,
    onRetry: checkFunction<(attempt: number, error: unknown, delayMs: number) => void>(o.onRetry, 'onRetry', where),
  }
}

/**
 * Runs `fn` and, when it fails with a retryable error, runs it again after a pause drawn at random
 * between 0 and `initialDelay * 2^n` (capped at `maxDelay`), until it succeeds, fails otherwise,
 * `maxAttempts` is reached or `deadline` passes (then the last error is thrown). `fn` gets the
 * attempt number (1, 2, ...).
 *
 * Only for operations that are safe to repeat: reads, versioned writes, deletes, creates of a fixed
 * path, protected creates. A write whose reply was lost may have been applied: a retried
 * `create` can fail with NodeExists and a retried `delete` with NoNode (use {@link withRetry},
 * which treats those as done).
 *
 * @example
 * ```ts
 * const { data } = await retry(() => zk.getData('/config'), { client: zk, deadline: 10_000 })
 * ```
 */
export async function retry<T>(fn: (attempt: number) => Promise<T>, options?: RetryOptions): Promise<T> {
  if (typeof fn !== 'function') throw new InvalidArgumentError(`retry: the operation must be a function returning a promise, got ${describe(fn)}; write retry(() => zk.getData(path))`)
  const o = resolveRetry(options, 'retry')
  const started = Date.now()
  for (let attempt = 1; ; attempt++) {
    if (o.signal?.aborted) throw o.signal.reason
    try {
      return await fn(attempt)
    } catch (error) {
      if (!o.retryOn(error) || attempt >= o.maxAttempts || o.client?.state === 'closed') throw error
      const left = o.deadline - (Date.now() - started)
      const delay = Math.min(left, Math.random() * Math.min(o.maxDelay, o.initialDelay * 2 ** (attempt - 1)))
      if (left <= 0) throw error
      o.onRetry?.(attempt, error, delay)
      await sleep(delay, o.signal)
      if (o.client !== undefined && !isReadable(o.client.state)) {
        // Waiting for the reconnect is the useful pause; the deadline still bounds it.
        const remaining = o.deadline - (Date.now() - started)
        if (remaining <= 0) throw error
        await o.client.waitForState(isReadable, { signal: o.signal, timeout: remaining }).catch((waitError: unknown) => {
          throw o.signal?.aborted ? o.signal.reason : error instanceof Error ? error : waitError
        })
      }
    }
  }
}

/** Options of {@link RetryingClient.create}. */
export interface RetryingCreateOptions extends CreateOptions {
  /**
   * For sequential modes: create with Curator's protected prefix (`_c_<uuid>-`), so a retry finds
   * the node a lost reply made instead of making another. Required for sequential modes.
   */
  protected?: boolean
}

/**
 * The client's calls with {@link retry} around each, as returned by {@link withRetry}. Writes
 * whose outcome a lost reply hid are settled the way a repeat shows: a create that answers
 * NodeExists after an attempt that may have been applied resolves (with the node's current Stat),
 * and so does a delete that answers NoNode. Plain sequential creates are refused.
 */
export interface RetryingClient {
  /** The wrapped client. */
  readonly client: ZooKeeperClient
  /** `getData` with retries. */
  getData(path: string, options?: CallOptions): Promise<DataResult>
  /** `exists` with retries. */
  exists(path: string, options?: CallOptions): Promise<Stat | null>
  /** `getChildren` with retries. */
  getChildren(path: string, options?: CallOptions): Promise<ChildrenResult>
  /** `setData` with retries (an unconditional or versioned write is safe to repeat). */
  setData(path: string, data: DataInput, options?: VersionOptions): Promise<Stat>
  /** `delete` with retries; NoNode after an attempt with an unknown outcome counts as deleted. */
  delete(path: string, options?: VersionOptions): Promise<void>
  /** `create` with retries; sequential modes need `protected: true`. */
  create(path: string, data?: DataInput, options?: RetryingCreateOptions): Promise<CreateResult>
  /** `multi` with retries; refuses plain sequential creates inside. */
  multi(ops: readonly Op[], options?: CallOptions): Promise<OpResult[]>
}

function isSequential(mode: CreateOptions['mode']): boolean {
  if (typeof mode === 'number') return mode === CreateMode.PERSISTENT_SEQUENTIAL || mode === CreateMode.EPHEMERAL_SEQUENTIAL || mode === CreateMode.PERSISTENT_SEQUENTIAL_WITH_TTL
  return mode === 'persistentSequential' || mode === 'ephemeralSequential' || mode === 'persistentSequentialWithTtl'
}

function outcomeUnknown(error: unknown): boolean {
  return (error as ZooKeeperError | undefined)?.isConnectionProblem === true
}

/**
 * Wraps `client` so that each call is retried by {@link retry} with `options` (waiting for the
 * reconnect between attempts). Sequential creates are refused unless `protected: true`, which
 * makes them protected creates (see {@link protectedCreate}): repeating a plain one after a lost
 * reply would leave a second node.
 *
 * @example
 * ```ts
 * const rzk = withRetry(zk, { deadline: 15_000 })
 * await rzk.setData('/config', JSON.stringify(cfg))
 * await rzk.create('/jobs/job-', 'x', { mode: 'persistentSequential', protected: true })
 * ```
 */
export function withRetry(client: ZooKeeperClient, options?: RetryOptions): RetryingClient {
  if (client === null || typeof client !== 'object' || typeof (client as ZooKeeperClient).waitForState !== 'function') {
    throw new InvalidArgumentError(`withRetry: the first argument must be a ZooKeeperClient (from createClient), got ${describe(client)}`)
  }
  const base = { ...resolveRetry(options, 'withRetry'), client } satisfies RetryOptions
  const run = <T>(fn: (attempt: number) => Promise<T>): Promise<T> => retry(fn, base)
  return {
    client,
    getData: (path, o) => run(() => client.getData(path, o)),
    exists: (path, o) => run(() => client.exists(path, o)),
    getChildren: (path, o) => run(() => client.getChildren(path, o)),
    setData: (path, data, o) => run(() => client.setData(path, data, o)),
    delete: async (path, o) => {
      let unknown = false
      return run(() =>
        client.delete(path, o).catch((error: unknown) => {
          if (unknown && error instanceof NoNodeError) return
          unknown ||= outcomeUnknown(error)
          throw error
        }),
      )
    },
    create: async (path, data, o = {}) => {
      const { protected: isProtected, ...createOptions } = checkOptions<RetryingCreateOptions>(o, ['mode', 'acl', 'ttl', 'signal', 'timeout', 'protected'], 'withRetry create')
      if (isSequential(createOptions.mode)) {
        if (isProtected !== true) {
          throw new InvalidArgumentError(
            `withRetry create: a sequential create (${describe(createOptions.mode)}) is not safe to retry: after a lost reply a repeat makes a second node. Pass protected: true (Curator's _c_<uuid>- names, found again after a loss), or call client.create without retries`,
          )
        }
        // protectedCreate does its own loop: it looks for the node before creating again.
        return run(() => protectedCreate(client, path, data, { ...createOptions, mode: createOptions.mode! }))
      }
      let unknown = false
      return run(async () => {
        try {
          return await client.create(path, data, createOptions)
        } catch (error) {
          if (unknown && error instanceof NodeExistsError) {
            const stat = await client.exists(path)
            if (stat !== null) return { path, stat }
          }
          unknown ||= outcomeUnknown(error)
          throw error
        }
      })
    },
    multi: async (ops, o) => {
      if (Array.isArray(ops)) {
        const i = ops.findIndex((op) => op !== null && typeof op === 'object' && op.type === 'create' && isSequential(op.mode))
        if (i >= 0) throw new InvalidArgumentError(`withRetry multi: ops[${i}] is a sequential create, which is not safe to retry; run this multi on the client itself`)
      }
      return run(() => client.multi(ops, o))
    },
  }
}
