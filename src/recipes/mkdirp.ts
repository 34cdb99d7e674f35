/**
 * Recursive create: a node and whichever of its parents are missing.
 *
 * Optimistic: the node itself is created first, so when the parents exist (the usual case) it
 * costs one round trip. Only a `NoNode` answer makes it look at the parents.
 */
import type { CallOptions, CreateOptions, CreateResult, ZooKeeperClient } from '../client/client.js'
import { NoAuthError, NodeExistsError, NoNodeError } from '../common/errors.js'
import type { DataInput } from '../client/arguments.js'
import type { ACL } from '../protocol/records.js'
import { ancestorsOf } from '../common/paths.js'
import { checkOneOf, checkOptions, checkSignal, checkPositiveDuration } from '../common/check.js'
import { CALL_HINTS, CALL_KEYS, CREATE_HINTS, CREATE_KEYS } from '../common/hints.js'

const PARENT_MODES = ['persistent', 'container'] as const

/**
 * How missing parents are created: `'persistent'` nodes stay until deleted; `'container'` nodes
 * (ZooKeeper 3.5+) are removed by the server once their last child is gone, as Curator's
 * `creatingParentContainersIfNeeded` does.
 */
export type ParentMode = 'persistent' | 'container'

/** Options of {@link createWithParents}. */
export interface CreateWithParentsOptions extends CreateOptions {
  /** Mode of the parents this call creates (default `'persistent'`). */
  parents?: ParentMode
  /** ACL of the parents this call creates (default: `acl`, else the client's default ACL). */
  parentAcl?: readonly ACL[]
}

/** Options of {@link mkdirp}. */
export interface MkdirpOptions extends CallOptions {
  /** Mode of the node and of its missing parents (default `'persistent'`). */
  mode?: ParentMode
  /** Data of the node at `path` if this call creates it (parents get none). */
  data?: DataInput
  /** ACL of every node this call creates (default: the client's default ACL). */
  acl?: readonly ACL[]
}

/**
 * A parent can vanish between our creating it and the child's create arriving (an empty container
 * reaped by the server, a concurrent delete): we go round again, a bounded number of times.
 */
const MAX_ROUNDS = 5

/**
 * Creates `path` with any missing parents, and returns what `create` returns. The node's mode is
 * `options.mode` (any mode: ephemeral, sequential, TTL…); a node that already exists at `path` is
 * an error ({@link NodeExistsError}), but parents created meanwhile by others are fine.
 *
 * Not idempotent for sequential modes: after a `ConnectionLossError` use {@link protectedCreate},
 * which finds the node a lost reply had created.
 *
 * @example
 * ```ts
 * const { path } = await createWithParents(zk, '/jobs/2024/job-', 'payload', { mode: 'persistentSequential', parents: 'container' })
 * ```
 */
export async function createWithParents(client: ZooKeeperClient, path: string, data?: DataInput, options: CreateWithParentsOptions = {}): Promise<CreateResult> {
  checkOptions(options, [...CREATE_KEYS, 'parents', 'parentAcl'], 'createWithParents', { ...CREATE_HINTS, createParents: 'use { parents }' })
  checkOneOf(options.parents, 'parents', 'createWithParents', PARENT_MODES)
  const { parents = 'persistent', parentAcl, ...createOptions } = options
  let lastError: unknown
  try {
    return await client.create(path, data, createOptions)
  } catch (error) {
    if (!(error instanceof NoNodeError)) throw error
    lastError = error
  }
  const callOptions: CallOptions = { signal: options.signal, timeout: options.timeout }
  const parentOptions: CreateOptions = { ...callOptions, mode: parents, acl: parentAcl ?? options.acl }
  const ancestors = ancestorsOf(path)
  if (ancestors.length === 0) throw lastError // a top-level node: its parent is the root (or the chroot)
  for (let round = 0; round < MAX_ROUNDS; round++) {
    // exists() needs no permission and is served by the connected server: one pipelined round
    // trip tells which parents are missing, however deep the path.
    const stats = await Promise.all(ancestors.map((p) => client.exists(p, callOptions)))
    const missing = ancestors.filter((_, i) => stats[i] === null)
    // The server applies one session's requests in the order sent, so the parents' creates and
    // the node's own go out together (one more round trip) and still land top-down.
    const parentResults = missing.map((p) =>
      client.create(p, null, parentOptions).then(
        () => null,
        (error: unknown) => (error instanceof NodeExistsError ? null : error),
      ),
    )
    const leaf = client.create(path, data, createOptions).then(
      (result) => ({ result }),
      (error: unknown) => ({ error }),
    )
    const parentErrors = await Promise.all(parentResults)
    const outcome = await leaf
    if ('result' in outcome) return outcome.result
    const parentError = parentErrors.find((e) => e !== null)
    if (!(outcome.error instanceof NoNodeError)) throw outcome.error
    // A parent we could not create explains the NoNode better than the NoNode does.
    if (parentError !== undefined) throw parentError
    lastError = outcome.error
  }
  throw lastError
}

/**
 * Makes sure `path` exists, creating it and any missing parents (persistent, or containers with
 * `mode: 'container'`). Resolves `true` if this call created the node at `path`, `false` if it
 * was already there. Safe against concurrent callers and safe to call again after a
 * connection loss.
 *
 * @example
 * ```ts
 * await mkdirp(zk, '/services/api')                       // persistent parents and node
 * await mkdirp(zk, '/locks/orders', { mode: 'container' }) // removed by the server once empty
 * ```
 */
export async function mkdirp(client: ZooKeeperClient, path: string, options: MkdirpOptions = {}): Promise<boolean> {
  const where = 'mkdirp'
  checkOptions(options, [...CALL_KEYS, 'mode', 'data', 'acl'], where, {
    ...CALL_HINTS,
    ':string': (v) => `pass { mode: ${JSON.stringify(v)} }, or { data: ${JSON.stringify(v)} } for the node's data`,
    ':boolean': 'mkdirp always creates the missing parents: pass options as an object, such as { mode: \'container\' }',
  })
  checkOneOf(options.mode, 'mode', where, PARENT_MODES)
  checkSignal(options.signal, where)
  checkPositiveDuration(options.timeout, 'timeout', where)
  const mode = options.mode ?? 'persistent'
  const callOptions: CallOptions = { signal: options.signal, timeout: options.timeout }
  try {
    await createWithParents(client, path, options.data, { ...callOptions, mode, acl: options.acl, parents: mode })
    return true
  } catch (error) {
    if (error instanceof NodeExistsError) return false
    // The server checks the parent's CREATE permission before it checks whether the node exists:
    // a node that exists under a parent we may not write to answers NoAuth, not NodeExists.
    if (error instanceof NoAuthError && (await client.exists(path, callOptions)) !== null) return false
    throw error
  }
}
