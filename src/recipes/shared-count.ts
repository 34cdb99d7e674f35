/**
 * SharedCount in Curator's layout: the path itself holds a 4-byte big-endian signed int, written
 * with setData and the version read with it (a compare-and-set). kazoo's Counter with
 * `support_curator=True` reads and writes the same bytes.
 */
import { EventEmitter } from 'node:events'
import type { ZooKeeperClient } from '../client/client.js'
import { checkInteger, checkOptions, checkSignal, describe } from '../common/check.js'
import { BadVersionError, InvalidArgumentError, NodeExistsError } from '../common/errors.js'
import { validatePath } from '../common/paths.js'
import type { Stat } from '../protocol/records.js'
import { createWithParents } from './mkdirp.js'
import { type NodeSnapshot, type NodeWatch, watchNode } from './watch-node.js'

/** A count and the node version it was read at. */
export interface VersionedValue {
  /** The count. */
  value: number
  /** The node's data version when it had this count (-1: the node did not exist). */
  version: number
}

/** Options of {@link SharedCount}. */
export interface SharedCountOptions {
  /** Stops the SharedCount when aborted. */
  signal?: AbortSignal
}

/** Events of a {@link SharedCount}. */
export interface SharedCountEvents {
  /** The count changed after start (by anyone, this process included). */
  changed: [value: VersionedValue]
}

const INT_MIN = -0x80000000
const INT_MAX = 0x7fffffff

/** The 4 bytes of a count. */
export function encodeCount(value: number): Buffer {
  const b = Buffer.alloc(4)
  b.writeInt32BE(value)
  return b
}

/**
 * Reads a count. Curator reads the first 4 bytes whatever the length (so an 8-byte long reads as
 * its high half); this refuses any length other than 4, so a mix-up with DistributedAtomicLong
 * or kazoo's ASCII counter is an error rather than a wrong number.
 */
export function decodeCount(data: Buffer, path = 'the node'): number {
  if (data.length !== 4) throw new InvalidArgumentError(`${path} does not hold a SharedCount (4-byte big-endian int): it has ${data.length} bytes`)
  return data.readInt32BE(0)
}

/**
 * A count shared by every process that uses the path, Java's Curator and kazoo included.
 * `start()` creates the node with `seed` if it is missing (and only then) and follows it.
 *
 * @example
 * ```ts
 * const count = new SharedCount(zk, '/counters/jobs', 0)
 * await count.start()
 * const v = count.getVersionedValue()
 * if (!(await count.trySetCount(v, v.value + 1))) console.log('someone else changed it first')
 * ```
 */
export class SharedCount extends EventEmitter<SharedCountEvents> {
  private watch: NodeWatch<number> | undefined
  private latest: VersionedValue
  /** mzxid of `latest`: versions restart when the node is created again, zxids only grow. */
  private latestZxid = -1n
  private readonly signal: AbortSignal | undefined

  constructor(
    private readonly client: ZooKeeperClient,
    /** The counter's path. */
    readonly path: string,
    /** Written only by the create that makes the node. */
    readonly seed: number,
    options?: SharedCountOptions,
  ) {
    super()
    if (client === null || typeof client !== 'object' || typeof (client as ZooKeeperClient).setData !== 'function') {
      throw new InvalidArgumentError(`SharedCount: the first argument must be a ZooKeeperClient, got ${describe(client)}`)
    }
    validatePath(path)
    checkInteger(seed, 'seed', 'SharedCount', INT_MIN, INT_MAX)
    if (seed === undefined) throw new InvalidArgumentError('SharedCount: seed must be an integer from -2147483648 to 2147483647, got undefined')
    this.signal = checkSignal(checkOptions(options, ['signal'], 'SharedCount').signal, 'SharedCount')
    this.latest = { value: seed, version: -1 }
  }

  /** Creates the node if missing and starts following it; resolves once the count is known. */
  async start(): Promise<void> {
    if (this.watch !== undefined) return
    try {
      await createWithParents(this.client, this.path, encodeCount(this.seed), { parents: 'container' })
    } catch (error) {
      if (!(error instanceof NodeExistsError)) throw error
    }
    this.watch = watchNode(this.client, this.path, { decode: (raw) => decodeCount(raw, this.path), signal: this.signal })
    this.watch.on('change', (s) => this.take(s))
    const first = await this.watch.ready()
    this.take(first)
  }

  /** The count last seen. */
  getCount(): number {
    return this.latest.value
  }

  /** The count last seen with its version, for {@link SharedCount.trySetCount}. */
  getVersionedValue(): VersionedValue {
    return { ...this.latest }
  }

  /** Sets the count whatever it is now. */
  async setCount(value: number): Promise<void> {
    checkCount(value, 'setCount')
    const stat = await this.client.setData(this.path, encodeCount(value))
    this.record(value, stat)
  }

  /**
   * Sets the count only if it is still `previous` (the same value at the same version): true if
   * it was set, false if someone changed it first (then the newer count is soon in `getCount()`).
   */
  async trySetCount(previous: VersionedValue, value: number): Promise<boolean> {
    if (previous === null || typeof previous !== 'object' || !Number.isInteger(previous.version) || !Number.isInteger(previous.value)) {
      throw new InvalidArgumentError(`SharedCount.trySetCount: previous must be a value from getVersionedValue(), got ${describe(previous)}`)
    }
    checkCount(value, 'trySetCount')
    if (previous.version !== this.latest.version || previous.value !== this.latest.value) return false
    try {
      const stat = await this.client.setData(this.path, encodeCount(value), { version: previous.version })
      this.record(value, stat)
      return true
    } catch (error) {
      if (error instanceof BadVersionError) return false
      throw error
    }
  }

  /** Stops following the node (the node stays). */
  async close(): Promise<void> {
    await this.watch?.close()
  }

  private record(value: number, stat: Stat): void {
    this.publish({ value, version: stat.version }, stat.mzxid)
  }

  private take(s: NodeSnapshot<number>): void {
    if (s.stat === null || s.data === undefined) return // deleted, or not a count: keep the last one
    this.publish({ value: s.data, version: s.stat.version }, s.stat.mzxid)
  }

  private publish(v: VersionedValue, zxid: bigint): void {
    if (zxid <= this.latestZxid) return
    const first = this.latestZxid === -1n
    this.latestZxid = zxid
    this.latest = v
    if (!first) this.emit('changed', { ...v })
  }
}

function checkCount(value: number, where: string): void {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < INT_MIN || value > INT_MAX) {
    throw new InvalidArgumentError(`SharedCount.${where}: the count must be an integer from ${INT_MIN} to ${INT_MAX} (4 bytes, as Curator), got ${describe(value)}`)
  }
}
