/**
 * Protected create, as Curator's `withProtection()`: the node's name starts with `_c_<uuid>-`, so
 * after a connection loss the client can tell whether its create was applied by listing the
 * parent, instead of blindly creating a second sequential node.
 */
import { randomUUID } from 'node:crypto'
import type { CreateOptions, CreateResult, ZooKeeperClient } from '../client/client.js'
import { BadVersionError, InvalidArgumentError, NoNodeError } from '../common/errors.js'
import type { DataInput } from '../client/arguments.js'
import { CreateMode } from '../protocol/constants.js'
import { backOff, isRetryable, whenWritable } from './connection.js'
import { createWithParents, type ParentMode } from './mkdirp.js'
import { basename, joinPath, parentOf } from '../common/paths.js'
import { checkOneOf, checkOptions, checkSignal, checkString } from '../common/check.js'
import { CREATE_HINTS, CREATE_KEYS } from '../common/hints.js'

/** First characters of a protected node's name (Curator's `ProtectedUtils.PROTECTED_PREFIX`). */
export const PROTECTED_PREFIX = '_c_'

/** `_c_` + a canonical UUID (36 characters) + `-`. */
const PROTECTED_PREFIX_LENGTH = PROTECTED_PREFIX.length + 36 + 1

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

/**
 * The protected form of a node name: `protectedName('6ba7…', 'latch-')` is `_c_6ba7…-latch-`.
 *
 * @example
 * ```ts
 * protectedName('53345f98-9423-4e0c-a7b5-9f819e3ec2e1', 'name1') // '_c_53345f98-9423-4e0c-a7b5-9f819e3ec2e1-name1'
 * ```
 */
export function protectedName(protectedId: string, name: string): string {
  return `${PROTECTED_PREFIX}${protectedId}-${name}`
}

/**
 * True when `name` (a node name, not a path) carries a protected prefix, by Curator's rule: longer
 * than the prefix, `_c_`, a valid UUID, then `-`.
 *
 * @example
 * ```ts
 * isProtectedName('_c_53345f98-9423-4e0c-a7b5-9f819e3ec2e1-latch-0000000003') // true
 * ```
 */
export function isProtectedName(name: string): boolean {
  return (
    name.length > PROTECTED_PREFIX_LENGTH &&
    name.startsWith(PROTECTED_PREFIX) &&
    name.charAt(PROTECTED_PREFIX_LENGTH - 1) === '-' &&
    UUID.test(name.slice(PROTECTED_PREFIX.length, PROTECTED_PREFIX_LENGTH - 1))
  )
}

/**
 * The name without its protected prefix (unchanged if it has none), as Curator's `normalize`.
 *
 * @example
 * ```ts
 * withoutProtection('_c_53345f98-9423-4e0c-a7b5-9f819e3ec2e1-latch-0000000003') // 'latch-0000000003'
 * ```
 */
export function withoutProtection(name: string): string {
  return isProtectedName(name) ? name.slice(PROTECTED_PREFIX_LENGTH) : name
}

/** Options of {@link protectedCreate}. */
export interface ProtectedCreateOptions extends CreateOptions {
  /** Creation mode; protection matters for the sequential and ephemeral ones. */
  mode: NonNullable<CreateOptions['mode']>
  /** Create missing parents of this mode (default: none are created). */
  createParents?: ParentMode
  /** The UUID of the prefix (default: a random one). Lets a caller find its node again later. */
  protectedId?: string
  /**
   * Stops waiting for a connection between attempts. A create already sent is never abandoned,
   * so no node is left behind without the caller knowing of it: when the signal aborts after a
   * create's reply was lost, the parent is looked up first if the client is connected, and the
   * rejection is a {@link ProtectedCreateAbortedError} that names the protected id and the node
   * found (or says that the outcome is unknown).
   */
  signal?: AbortSignal
}

/**
 * A {@link protectedCreate} stopped by its signal after a create whose reply was lost: the node
 * may exist. `foundPath` is the node when the lookup found it (delete it if it is not wanted);
 * with `outcomeKnown` false the client could not look, and `findProtectedNode(client, parent,
 * protectedId, ...)` finds it once connected. `cause` is the signal's reason.
 */
export class ProtectedCreateAbortedError extends Error {
  override readonly name = 'AbortError'

  constructor(
    /** The UUID of the node's prefix. */
    readonly protectedId: string,
    /** The parent the node would be in. */
    readonly parent: string,
    /** The node the lost create made, when the lookup found it; null otherwise. */
    readonly foundPath: string | null,
    /** True when the lookup ran (so `foundPath` null means no node was made). */
    readonly outcomeKnown: boolean,
    cause: unknown,
  ) {
    super(
      outcomeKnown
        ? foundPath === null
          ? `protected create aborted; the lost create made no node (protected id ${protectedId})`
          : `protected create aborted after its reply was lost; the node ${foundPath} exists: delete it if it is not wanted`
        : `protected create aborted while disconnected after its reply was lost; a node with protected id ${protectedId} may exist under ${parent}: find it with findProtectedNode once connected`,
      { cause },
    )
  }
}

/**
 * Creates a node whose name carries a `_c_<uuid>-` prefix, and survives connection losses without
 * duplicates: when a create fails with an unknown outcome (connection loss, timeout, session
 * expiry), it waits for the connection, lists the parent, and adopts the node with its prefix if
 * the lost request had created it; only if none is there does it create again.
 *
 * For ephemeral modes, a found node whose `ephemeralOwner` is not the current session (one made in
 * a session that has since expired) is deleted, not adopted: it would vanish when the server
 * reaps that session. A new node is then created in the current session.
 *
 * Resolves with the node's path (prefix and sequence included) and Stat. Rejects on any other
 * error, when the client closes, or when `signal` aborts while waiting for a connection.
 *
 * @example
 * ```ts
 * const { path } = await protectedCreate(zk, '/election/latch-', 'me', { mode: 'ephemeralSequential', createParents: 'container' })
 * // '/election/_c_0f3c…-latch-0000000007'
 * ```
 */
export async function protectedCreate(client: ZooKeeperClient, path: string, data: DataInput, options: ProtectedCreateOptions): Promise<CreateResult> {
  const where = 'protectedCreate'
  if (options === undefined) throw new InvalidArgumentError(`${where}: options are required, with the mode: { mode: 'ephemeralSequential' }`)
  checkOptions(options, [...CREATE_KEYS, 'createParents', 'protectedId'], where, { ...CREATE_HINTS, parents: 'use { createParents }' })
  if (options.mode === undefined) throw new InvalidArgumentError(`${where}: options.mode is required, e.g. { mode: 'ephemeralSequential' }`)
  checkOneOf(options.createParents, 'createParents', where, ['persistent', 'container'])
  checkString(options.protectedId, 'protectedId', where)
  checkSignal(options.signal, where)
  const { protectedId = randomUUID(), createParents, signal, ...createOptions } = options
  if (!UUID.test(protectedId)) throw new InvalidArgumentError(`protectedId must be a canonical UUID, got ${JSON.stringify(protectedId)}`)
  const parent = parentOf(path)
  const target = joinPath(parent, protectedName(protectedId, basename(path)))
  const ephemeral = isEphemeralMode(createOptions.mode)
  let outcomeUnknown = false
  for (let attempt = 0; ; attempt++) {
    try {
      await whenWritable(client, `protected create of ${path}`, signal)
    } catch (error) {
      if (outcomeUnknown && signal?.aborted === true && error === signal.reason) throw await abortedAfterLoss(client, parent, protectedId, ephemeral, error)
      throw error
    }
    try {
      if (outcomeUnknown) {
        const found = await findProtectedNode(client, parent, protectedId, { ephemeral })
        if (found !== null) return found
        outcomeUnknown = false
      }
      if (createParents !== undefined) return await createWithParents(client, target, data, { ...createOptions, parents: createParents })
      return await client.create(target, data, createOptions)
    } catch (error) {
      if (!isRetryable(error) || client.state === 'closed') throw error
      // The reply was lost, not necessarily the request: look before creating again.
      outcomeUnknown = true
      try {
        await backOff(client, attempt, signal)
      } catch (abort) {
        if (signal?.aborted === true && abort === signal.reason) throw await abortedAfterLoss(client, parent, protectedId, ephemeral, abort)
        throw abort
      }
    }
  }
}

/** The error for an abort after a lost reply: looks the node up first when the client can. */
async function abortedAfterLoss(client: ZooKeeperClient, parent: string, protectedId: string, ephemeral: boolean, reason: unknown): Promise<ProtectedCreateAbortedError> {
  if (client.state === 'connected' || client.state === 'reconnected') {
    try {
      const found = await findProtectedNode(client, parent, protectedId, { ephemeral })
      return new ProtectedCreateAbortedError(protectedId, parent, found?.path ?? null, true, reason)
    } catch {
      // The connection went again: the outcome stays unknown.
    }
  }
  return new ProtectedCreateAbortedError(protectedId, parent, null, false, reason)
}

/**
 * Finds the node a protected create with `protectedId` made under `parent`, or null. For
 * ephemeral nodes only one owned by the current session counts; others with the prefix (left by
 * an older session) are deleted. Used by {@link protectedCreate} after a connection loss.
 *
 * @example
 * ```ts
 * const mine = await findProtectedNode(zk, '/election', id, { ephemeral: true })
 * ```
 */
export async function findProtectedNode(client: ZooKeeperClient, parent: string, protectedId: string, options: { ephemeral: boolean }): Promise<CreateResult | null> {
  checkOptions(options, ['ephemeral'], 'findProtectedNode', { ':boolean': (v) => `pass { ephemeral: ${String(v)} }` })
  if (typeof options?.ephemeral !== 'boolean') throw new InvalidArgumentError('findProtectedNode: options.ephemeral is required (true or false): whether the node is ephemeral')
  checkString(protectedId, 'protectedId', 'findProtectedNode')
  const prefix = protectedName(protectedId, '')
  // A create sent over the lost connection reached the leader before our session moved to this
  // connection (later ones are refused as SESSIONMOVED); sync makes this server apply everything
  // the leader had, so the list below includes it.
  await client.sync(parent).catch((error: unknown) => {
    if (!(error instanceof NoNodeError)) throw error
  })
  let children: string[]
  try {
    children = (await client.getChildren(parent)).children
  } catch (error) {
    if (error instanceof NoNodeError) return null
    throw error
  }
  let kept: CreateResult | null = null
  for (const name of children.filter((c) => c.startsWith(prefix)).sort()) {
    const path = joinPath(parent, name)
    const stat = await client.exists(path)
    if (stat === null) continue
    const ours = !options.ephemeral || stat.ephemeralOwner === client.sessionId
    if (ours && kept === null) {
      kept = { path, stat }
      continue
    }
    // Not adoptable: an ephemeral node of a dead session, or a second node with our prefix.
    await client.delete(path, { version: stat.version }).catch((error: unknown) => {
      if (!(error instanceof NoNodeError || error instanceof BadVersionError)) throw error
    })
  }
  return kept
}

function isEphemeralMode(mode: CreateOptions['mode']): boolean {
  if (typeof mode === 'number') return mode === CreateMode.EPHEMERAL || mode === CreateMode.EPHEMERAL_SEQUENTIAL
  return mode === 'ephemeral' || mode === 'ephemeralSequential'
}
