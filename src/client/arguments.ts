/**
 * Argument conversion shared by the client's operations: create modes and node data.
 */
import { InvalidArgumentError } from '../common/errors.js'
import { describe, numericStringHint } from '../common/check.js'
import { CreateMode, MAX_TTL_MS, OpCode } from '../protocol/constants.js'

/** Node data as callers may give it: bytes, or a string sent as UTF-8. */
export type DataInput = Buffer | Uint8Array | string | null | undefined

/** Creation modes by name (numbers from `CreateMode` are accepted too). */
export type CreateModeName =
  | 'persistent'
  | 'ephemeral'
  | 'persistentSequential'
  | 'ephemeralSequential'
  | 'container'
  | 'persistentWithTtl'
  | 'persistentSequentialWithTtl'

const modeByName: Record<CreateModeName, number> = {
  persistent: CreateMode.PERSISTENT,
  ephemeral: CreateMode.EPHEMERAL,
  persistentSequential: CreateMode.PERSISTENT_SEQUENTIAL,
  ephemeralSequential: CreateMode.EPHEMERAL_SEQUENTIAL,
  container: CreateMode.CONTAINER,
  persistentWithTtl: CreateMode.PERSISTENT_WITH_TTL,
  persistentSequentialWithTtl: CreateMode.PERSISTENT_SEQUENTIAL_WITH_TTL,
}

/** What a create mode means on the wire. */
export interface ResolvedCreateMode {
  /** `CreateRequest.flags`. */
  flags: number
  /** The opcode the Java client uses for it (create2, createContainer or createTTL). */
  opcode: number
  /** Whether the server appends a sequence number. */
  sequential: boolean
  /** Whether the node is ephemeral. */
  ephemeral: boolean
}

/** Resolves a mode name or number, checking the TTL against it. */
export function resolveCreateMode(mode: CreateModeName | number | undefined, ttl: number | undefined, where = 'options'): ResolvedCreateMode {
  const flags = mode === undefined ? CreateMode.PERSISTENT : typeof mode === 'number' ? mode : modeByName[mode]
  if (flags === undefined || !Number.isInteger(flags) || flags < 0 || flags > 6) {
    throw new InvalidArgumentError(`${where}.mode must be one of ${Object.keys(modeByName).join(', ')} (or a CreateMode number), got ${describe(mode)}`)
  }
  const isTtl = flags === CreateMode.PERSISTENT_WITH_TTL || flags === CreateMode.PERSISTENT_SEQUENTIAL_WITH_TTL
  if (isTtl) {
    if (ttl === undefined || !Number.isInteger(ttl) || ttl < 1 || ttl > MAX_TTL_MS) {
      throw new InvalidArgumentError(`${where}.ttl must be an integer number of ms from 1 to ${MAX_TTL_MS} for TTL modes`)
    }
  } else if (ttl !== undefined) {
    throw new InvalidArgumentError(`${where}.ttl is only allowed with the persistentWithTtl and persistentSequentialWithTtl modes`)
  }
  return {
    flags,
    opcode: isTtl ? OpCode.createTTL : flags === CreateMode.CONTAINER ? OpCode.createContainer : OpCode.create2,
    sequential: flags === CreateMode.PERSISTENT_SEQUENTIAL || flags === CreateMode.EPHEMERAL_SEQUENTIAL || flags === CreateMode.PERSISTENT_SEQUENTIAL_WITH_TTL,
    ephemeral: flags === CreateMode.EPHEMERAL || flags === CreateMode.EPHEMERAL_SEQUENTIAL,
  }
}

const EMPTY = Buffer.alloc(0)

/** Converts node data to a Buffer (strings as UTF-8; null and undefined as empty). */
export function toData(data: DataInput, what = 'data'): Buffer {
  if (data === undefined || data === null) return EMPTY
  if (Buffer.isBuffer(data)) return data
  if (typeof data === 'string') return Buffer.from(data, 'utf8')
  if (data instanceof Uint8Array) return Buffer.from(data.buffer, data.byteOffset, data.byteLength)
  throw new InvalidArgumentError(`${what} must be a Buffer, Uint8Array or string, got ${describe(data)}`)
}

/** Largest version a node can have (versions are Jute ints). */
const MAX_VERSION = 0x7fffffff

/** Checks a version argument: -1 (any) or a non-negative 32-bit integer. */
export function toVersion(version: number | undefined, what = 'version'): number {
  if (version === undefined) return -1
  if (!Number.isInteger(version) || version < -1 || version > MAX_VERSION) {
    throw new InvalidArgumentError(`${what} must be an integer from -1 to ${MAX_VERSION} (-1 matches any version), got ${describe(version)}${numericStringHint(version)}`)
  }
  return version
}
