/**
 * multi and multiRead in the public API: typed operations, the mapping to the wire envelope, and
 * the all-or-nothing result rules (`ZooKeeper.multiInternal`).
 */
import { validateAcl } from '../common/acl.js'
import { InvalidArgumentError, ZooKeeperError } from '../common/errors.js'
import { ErrorCode, OpCode } from '../protocol/constants.js'
import type { MultiOp, MultiResult } from '../protocol/multi.js'
import type { ACL, Stat } from '../protocol/records.js'
import type { Chroot } from '../common/paths.js'
import { type CreateModeName, type DataInput, resolveCreateMode, toData, toVersion } from './arguments.js'
import { validatePath } from '../common/paths.js'
import { checkInteger, checkOptions, describe } from '../common/check.js'

/** The keys each kind of op may have: anything else is a mistake, not something to ignore. */
const OP_KEYS: Record<Op['type'], readonly string[]> = {
  create: ['type', 'path', 'data', 'mode', 'acl', 'ttl'],
  delete: ['type', 'path', 'version'],
  setData: ['type', 'path', 'data', 'version'],
  check: ['type', 'path', 'version'],
}
const OP_HINTS = {
  ephemeral: "use mode: 'ephemeral'",
  sequential: "use mode: 'persistentSequential'",
  op: "use type: 'create' | 'delete' | 'setData' | 'check'",
  expectedVersion: 'use version',
}

/** The op's own version check: an integer from -1, or a hint when a numeric string was given. */
function checkOpVersion(version: unknown, where: string): void {
  checkInteger(version, 'version', where, -1, 0x7fffffff)
}

/** One write of a {@link ZooKeeperClient.multi} transaction. */
export type Op =
  | { type: 'create'; path: string; data?: DataInput; mode?: CreateModeName | number; acl?: readonly ACL[]; ttl?: number }
  | { type: 'delete'; path: string; version?: number }
  | { type: 'setData'; path: string; data: DataInput; version?: number }
  | { type: 'check'; path: string; version: number }

/** The outcome of one op of a successful transaction. */
export type OpResult =
  | { type: 'create'; path: string; stat: Stat | null }
  | { type: 'delete' }
  | { type: 'setData'; stat: Stat }
  | { type: 'check' }
  | { type: 'error'; error: ZooKeeperError }

/** One read of a {@link ZooKeeperClient.multiRead}. */
export type ReadOp = { type: 'getData'; path: string } | { type: 'getChildren'; path: string }

/** The outcome of one read: a value, or the error of that read alone. */
export type ReadResult =
  | { type: 'getData'; data: Buffer; stat: Stat }
  | { type: 'getChildren'; children: string[] }
  | { type: 'error'; error: ZooKeeperError }

/** Converts public ops to the wire form, validating each (the index is named in errors). */
export function toMultiOps(ops: readonly Op[], chroot: Chroot, defaultAcl: readonly ACL[]): MultiOp[] {
  if (!Array.isArray(ops)) throw new InvalidArgumentError('multi takes an array of operations')
  return ops.map((op, i): MultiOp => {
    const where = `ops[${i}]`
    if (op === null || typeof op !== 'object' || Array.isArray(op)) throw new InvalidArgumentError(`${where} must be an operation object such as { type: 'create', path }, got ${describe(op)}`)
    const known = typeof op.type === 'string' && Object.hasOwn(OP_KEYS, op.type)
    if (known) checkOptions(op, OP_KEYS[op.type as Op['type']], `multi ${where} (${op.type})`, OP_HINTS)
    if (known && op.type !== 'create') checkOpVersion((op as { version?: unknown }).version, `multi ${where}`)
    switch (op.type) {
      case 'create': {
        const mode = resolveCreateMode(op.mode, op.ttl, where)
        validatePath(op.path, `${where}.path`, mode.sequential)
        const acl = op.acl ?? defaultAcl
        validateAcl(acl, `${where}.acl`)
        const path = mode.sequential ? chroot.toServerPrefix(op.path) : chroot.toServer(op.path)
        const base = { path, data: toData(op.data, `${where}.data`), acl: [...acl], flags: mode.flags }
        if (mode.opcode === OpCode.createTTL) return { type: OpCode.createTTL, request: { ...base, ttl: BigInt(op.ttl!) } }
        return { type: mode.opcode as 15 | 19, request: base }
      }
      case 'delete':
        validatePath(op.path, `${where}.path`)
        return { type: OpCode.delete, request: { path: chroot.toServer(op.path), version: versionOf(op.version, where) } }
      case 'setData':
        validatePath(op.path, `${where}.path`)
        return { type: OpCode.setData, request: { path: chroot.toServer(op.path), data: toData(op.data, `${where}.data`), version: versionOf(op.version, where) } }
      case 'check':
        validatePath(op.path, `${where}.path`)
        if (op.version === undefined) throw new InvalidArgumentError(`${where}.version is required (the version the node must have)`)
        return { type: OpCode.check, request: { path: chroot.toServer(op.path), version: versionOf(op.version, where) } }
      default:
        throw new InvalidArgumentError(`${where}.type must be 'create', 'delete', 'setData' or 'check', got ${describe((op as { type?: unknown }).type)}`)
    }
  })
}

function versionOf(version: number | undefined, where: string): number {
  return toVersion(version, `${where}.version`)
}


/**
 * Maps the server's results. If any op failed, every result is an error (the ones before the
 * failure carry 0, the ones after RUNTIMEINCONSISTENCY); the error of the failed op is thrown,
 * naming its index and carrying every result.
 */
export function fromMultiResults(results: readonly MultiResult[], ops: readonly Op[], chroot: Chroot): OpResult[] {
  const mapped = results.map((result, i) => mapResult(result, ops[i], i, chroot))
  const failed = results.findIndex((r) => r.type === OpCode.error && r.err !== ErrorCode.OK)
  if (failed !== -1) {
    const err = (results[failed] as { err: number }).err
    throw ZooKeeperError.from(err, { path: ops[failed]?.path, operation: 'multi', opIndex: failed, results: mapped })
  }
  return mapped
}

function mapResult(result: MultiResult, op: Op | undefined, index: number, chroot: Chroot): OpResult {
  switch (result.type) {
    case OpCode.create:
      // ZooKeeper 3.8 answers create2 ops inside a multi with a plain create result: no Stat.
      return { type: 'create', path: chroot.toClient(result.response.path), stat: null }
    case OpCode.create2:
      return { type: 'create', path: chroot.toClient(result.response.path), stat: result.response.stat }
    case OpCode.delete:
      return { type: 'delete' }
    case OpCode.setData:
      return { type: 'setData', stat: result.response.stat }
    case OpCode.check:
      return { type: 'check' }
    case OpCode.error:
      return { type: 'error', error: ZooKeeperError.from(result.err, { path: op?.path, operation: 'multi', opIndex: index }) }
    default:
      return { type: 'error', error: ZooKeeperError.from(ErrorCode.MARSHALLINGERROR, { path: op?.path, operation: 'multi', opIndex: index, message: `unexpected result type ${result.type} for op #${index}` }) }
  }
}

/** Converts public reads to the wire form. */
export function toReadOps(ops: readonly ReadOp[], chroot: Chroot): MultiOp[] {
  if (!Array.isArray(ops)) throw new InvalidArgumentError('multiRead takes an array of operations')
  return ops.map((op, i): MultiOp => {
    const where = `ops[${i}]`
    if (op === null || typeof op !== 'object' || Array.isArray(op)) throw new InvalidArgumentError(`multiRead ${where} must be { type: 'getData' | 'getChildren', path }, got ${describe(op)}`)
    checkOptions(op, ['type', 'path'], `multiRead ${where}`, { watch: 'multiRead sets no watches; use getData or getChildren with { watcher }' })
    validatePath(op.path, `${where}.path`)
    if (op.type === 'getData') return { type: OpCode.getData, request: { path: chroot.toServer(op.path), watch: false } }
    if (op.type === 'getChildren') return { type: OpCode.getChildren, request: { path: chroot.toServer(op.path), watch: false } }
    throw new InvalidArgumentError(`${where}.type must be 'getData' or 'getChildren'`)
  })
}

/** Maps multiRead results: each read succeeds or fails on its own. */
export function fromReadResults(results: readonly MultiResult[], ops: readonly ReadOp[]): ReadResult[] {
  return results.map((result, i): ReadResult => {
    if (result.type === OpCode.getData) return { type: 'getData', data: result.response.data ?? Buffer.alloc(0), stat: result.response.stat }
    if (result.type === OpCode.getChildren) return { type: 'getChildren', children: result.response.children }
    const err = result.type === OpCode.error ? result.err : ErrorCode.MARSHALLINGERROR
    return { type: 'error', error: ZooKeeperError.from(err, { path: ops[i]?.path, operation: 'multiRead', opIndex: i }) }
  })
}

/**
 * A transaction built step by step; nothing is sent until {@link Transaction.commit}.
 *
 * @example
 * ```ts
 * await zk.transaction().check('/cfg', 3).setData('/cfg', 'v4', 3).create('/cfg/log/', 'x', { mode: 'persistentSequential' }).commit()
 * ```
 */
export class Transaction {
  private readonly ops: Op[] = []
  /** The first argument error of a builder call, which commit rejects with. */
  private error: unknown = undefined

  constructor(private readonly run: (ops: Op[]) => Promise<OpResult[]>) {}

  /**
   * Adds a create. Arguments of the wrong shape (e.g. `create(p, d, 'ephemeral')`: pass
   * `{ mode: 'ephemeral' }`) make {@link Transaction.commit} reject with InvalidArgumentError
   * without sending anything: one error channel, as for every call.
   */
  create(path: string, data?: DataInput, options: { mode?: CreateModeName | number; acl?: readonly ACL[]; ttl?: number } = {}): this {
    const hints = { ':string': (v: unknown) => `pass { mode: ${JSON.stringify(v)} }`, ':number': (v: unknown) => `pass { mode: ${String(v)} }`, ...OP_HINTS }
    return this.add(() => ({ type: 'create', path, data, ...checkOptions(options, ['mode', 'acl', 'ttl'], 'transaction.create', hints) }))
  }

  /** Adds a delete (version -1 matches any). */
  delete(path: string, version = -1): this {
    return this.add(() => {
      checkOpVersion(version, 'transaction.delete')
      return { type: 'delete', path, version }
    })
  }

  /** Adds a setData (version -1 matches any). */
  setData(path: string, data: DataInput, version = -1): this {
    return this.add(() => {
      checkOpVersion(version, 'transaction.setData')
      return { type: 'setData', path, data, version }
    })
  }

  /** Adds a version check: the transaction fails unless the node has this version. */
  check(path: string, version: number): this {
    return this.add(() => {
      if (version === undefined) throw new InvalidArgumentError('transaction.check: version is required (the version the node must have)')
      checkOpVersion(version, 'transaction.check')
      return { type: 'check', path, version }
    })
  }

  private add(build: () => Op): this {
    try {
      this.ops.push(build())
    } catch (error) {
      this.error ??= error
    }
    return this
  }

  /** Sends every op at once; all apply or none do. */
  commit(): Promise<OpResult[]> {
    if (this.error !== undefined) return Promise.reject(this.error)
    return this.run([...this.ops])
  }
}
