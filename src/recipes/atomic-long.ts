/**
 * DistributedAtomicLong in Curator's layout: the path holds an 8-byte big-endian signed long;
 * every change is a compare-and-set on the node's version, tried again when another writer got
 * there first. A missing node reads as 0 and is created by the first change.
 */
import type { ZooKeeperClient } from '../client/client.js'
import { checkInteger, checkOptions, describe } from '../common/check.js'
import { BadVersionError, InvalidArgumentError, NoNodeError, NodeExistsError } from '../common/errors.js'
import { validatePath } from '../common/paths.js'
import { sleep } from './connection.js'
import { createWithParents } from './mkdirp.js'

/** The outcome of a change, as Curator's AtomicValue. */
export interface AtomicResult {
  /** Whether the change was applied. */
  succeeded: boolean
  /** The value before the change (the current one, when a compare-and-set did not match). */
  preValue: bigint
  /** The value after the change (0n when it did not succeed). */
  postValue: bigint
}

/** Options of {@link DistributedAtomicLong}. */
export interface DistributedAtomicLongOptions {
  /** Attempts of one change when other writers keep winning the race (default 100). */
  maxAttempts?: number
}

const LONG_MIN = -(2n ** 63n)
const LONG_MAX = 2n ** 63n - 1n

/** The 8 bytes of a value. */
export function encodeLong(value: bigint): Buffer {
  const b = Buffer.alloc(8)
  b.writeBigInt64BE(value)
  return b
}

/** Reads a value; any length other than 8 is refused (Curator: "Corrupted data"). */
export function decodeLong(data: Buffer, path = 'the node'): bigint {
  if (data.length !== 8) throw new InvalidArgumentError(`${path} does not hold a DistributedAtomicLong (8-byte big-endian long): it has ${data.length} bytes`)
  return data.readBigInt64BE(0)
}

function toLong(value: unknown, what: string): bigint {
  const v = typeof value === 'number' && Number.isSafeInteger(value) ? BigInt(value) : value
  if (typeof v !== 'bigint' || v < LONG_MIN || v > LONG_MAX) {
    throw new InvalidArgumentError(`DistributedAtomicLong.${what} must be a bigint (or a safe integer number) within 64-bit signed range, got ${describe(value)}`)
  }
  return v
}

/** Wraps like Java's long arithmetic, so Node and Java agree on overflow. */
function wrap(v: bigint): bigint {
  return BigInt.asIntN(64, v)
}

/**
 * A 64-bit counter shared with Curator's DistributedAtomicLong (and any process that uses its
 * layout). Changes are optimistic: read value and version, `setData` with that version, and on
 * BadVersion read again, after a short random pause, up to `maxAttempts` times; a change that
 * still loses reports `succeeded: false`.
 *
 * @example
 * ```ts
 * const hits = new DistributedAtomicLong(zk, '/counters/hits')
 * const { succeeded, postValue } = await hits.increment()
 * ```
 */
export class DistributedAtomicLong {
  private readonly maxAttempts: number

  constructor(
    private readonly client: ZooKeeperClient,
    /** The counter's path. */
    readonly path: string,
    options?: DistributedAtomicLongOptions,
  ) {
    if (client === null || typeof client !== 'object' || typeof (client as ZooKeeperClient).setData !== 'function') {
      throw new InvalidArgumentError(`DistributedAtomicLong: the first argument must be a ZooKeeperClient, got ${describe(client)}`)
    }
    validatePath(path)
    const o = checkOptions(options, ['maxAttempts'], 'DistributedAtomicLong', { retries: 'did you mean "maxAttempts"?' })
    this.maxAttempts = checkInteger(o.maxAttempts, 'maxAttempts', 'DistributedAtomicLong', 1, 100_000) ?? 100
  }

  /** The current value (0n when the node does not exist; nothing is created). */
  async get(): Promise<bigint> {
    return (await this.read()).value
  }

  /** Adds 1. */
  increment(): Promise<AtomicResult> {
    return this.add(1n)
  }

  /** Subtracts 1. */
  decrement(): Promise<AtomicResult> {
    return this.add(-1n)
  }

  /** Adds `delta` (wrapping at 64 bits as Java does). */
  async add(delta: bigint | number): Promise<AtomicResult> {
    const d = toLong(delta, 'add delta')
    return this.change((pre) => wrap(pre + d))
  }

  /** Subtracts `delta`. */
  async subtract(delta: bigint | number): Promise<AtomicResult> {
    const d = toLong(delta, 'subtract delta')
    return this.change((pre) => wrap(pre - d))
  }

  /** Sets `newValue` if the value is `expected` now (one attempt, as Curator's compareAndSet). */
  async compareAndSet(expected: bigint | number, newValue: bigint | number): Promise<AtomicResult> {
    const e = toLong(expected, 'compareAndSet expected')
    const n = toLong(newValue, 'compareAndSet newValue')
    const current = await this.read()
    if (current.value !== e) return { succeeded: false, preValue: current.value, postValue: 0n }
    const ok = await this.write(current.version, n)
    return ok ? { succeeded: true, preValue: e, postValue: n } : { succeeded: false, preValue: (await this.read()).value, postValue: 0n }
  }

  /** Sets `newValue` whatever the value is (compare-and-set with retries). */
  async trySet(newValue: bigint | number): Promise<AtomicResult> {
    const n = toLong(newValue, 'trySet newValue')
    return this.change(() => n)
  }

  /** Sets `newValue` with one unconditional write (creating the node if needed). */
  async forceSet(newValue: bigint | number): Promise<void> {
    const n = toLong(newValue, 'forceSet newValue')
    try {
      await this.client.setData(this.path, encodeLong(n))
    } catch (error) {
      if (!(error instanceof NoNodeError)) throw error
      if (!(await this.write(-1, n))) await this.client.setData(this.path, encodeLong(n))
    }
  }

  /** Creates the node with `value` if it does not exist: true if this call created it. */
  async initialize(value: bigint | number): Promise<boolean> {
    return this.write(-1, toLong(value, 'initialize value'))
  }

  private async read(): Promise<{ value: bigint; version: number }> {
    try {
      const { data, stat } = await this.client.getData(this.path)
      return { value: decodeLong(data, this.path), version: stat.version }
    } catch (error) {
      if (error instanceof NoNodeError) return { value: 0n, version: -1 }
      throw error
    }
  }

  /** One compare-and-set: version -1 means "create it"; false when another writer was first. */
  private async write(version: number, value: bigint): Promise<boolean> {
    try {
      if (version === -1) await createWithParents(this.client, this.path, encodeLong(value), { parents: 'container' })
      else await this.client.setData(this.path, encodeLong(value), { version })
      return true
    } catch (error) {
      if (error instanceof BadVersionError || error instanceof NodeExistsError || (version !== -1 && error instanceof NoNodeError)) return false
      throw error
    }
  }

  private async change(next: (pre: bigint) => bigint): Promise<AtomicResult> {
    let pre = 0n
    for (let attempt = 0; attempt < this.maxAttempts; attempt++) {
      const current = await this.read()
      pre = current.value
      const post = next(pre)
      if (await this.write(current.version, post)) return { succeeded: true, preValue: pre, postValue: post }
      // Lost the race: a random pause spreads the contenders out.
      await sleep(Math.random() * Math.min(50, 2 ** attempt))
    }
    return { succeeded: false, preValue: pre, postValue: 0n }
  }
}
