/**
 * Golden cases: reference bytes written by Apache ZooKeeper's own Jute serializer
 * (`fixtures/jute-gen/GoldenGenerator.java`), and the TypeScript values they stand for.
 * The file format is described in docs/codec-contract.md ("Golden bytes").
 */
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

/** Directory of `cases.json` and the `.hex` files. */
export const GOLDEN_DIR = fileURLToPath(new URL('../../fixtures/jute/', import.meta.url))

/** Byte i of a `$bytesPattern` buffer is `i % PATTERN_MODULUS`. */
const PATTERN_MODULUS = 251

/** One golden case, with its value revived into the TypeScript shape. */
export interface GoldenCase {
  /** `<Record>.<variant>`, e.g. `GetDataRequest.basic`. */
  name: string
  /** The Jute record name, which is also the TypeScript interface name. */
  record: string
  /** The value, with bigints, Buffers and nulls restored. */
  value: unknown
  /** Bytes the reference serializer wrote for `value` (no frame length prefix). */
  bytes: Buffer
  /**
   * Bytes encoding `value` must give. Same as `bytes` unless the case sets `encodesAs`: the
   * reference bytes then decode lossily (a ConnectResponse without the readOnly byte, a null
   * vector), and re-encoding gives another case's bytes.
   */
  encoded: Buffer
  /** The `encodesAs` hex file, when there is one. */
  encodesAs: string | undefined
}

interface RawCase {
  name: string
  record: string
  value: unknown
  hexFile: string
  encodesAs?: string
}

/** Reads `cases.json` and every hex file it names. */
export function loadGoldenCases(dir = GOLDEN_DIR): GoldenCase[] {
  const raw = JSON.parse(readFileSync(join(dir, 'cases.json'), 'utf8')) as RawCase[]
  return raw.map((c) => {
    const bytes = readHexFile(join(dir, c.hexFile))
    return {
      name: c.name,
      record: c.record,
      value: reviveValue(c.value),
      bytes,
      encoded: c.encodesAs === undefined ? bytes : readHexFile(join(dir, c.encodesAs)),
      encodesAs: c.encodesAs,
    }
  })
}

/** Names of the `.hex` files present in the fixture directory. */
export function listHexFiles(dir = GOLDEN_DIR): string[] {
  return readdirSync(dir).filter((f) => f.endsWith('.hex'))
}

/** Reads a fixture hex file: lowercase hex digit pairs and one trailing newline. */
export function readHexFile(file: string): Buffer {
  const text = readFileSync(file, 'ascii')
  if (!/^(?:[0-9a-f]{2})*\n$/.test(text)) throw new Error(`${file}: expected lowercase hex pairs and a trailing newline`)
  return Buffer.from(text.slice(0, -1), 'hex')
}

/** A buffer whose byte i is `i % 251` (the `$bytesPattern` tag). */
export function patternBytes(length: number): Buffer {
  const b = Buffer.allocUnsafe(length)
  for (let i = 0; i < length; i++) b[i] = i % PATTERN_MODULUS
  return b
}

/**
 * Turns the JSON of a case value into the TypeScript value: `{"$long": "..."}` → bigint,
 * `{"$bytes": "<hex>"}` → Buffer, `{"$bytesPattern": {"length": N}}` → Buffer. Any other key
 * starting with `$` is a mistake in the fixture and throws.
 */
export function reviveValue(json: unknown): unknown {
  if (json === null || typeof json !== 'object') return json
  if (Array.isArray(json)) return json.map(reviveValue)
  const entries = Object.entries(json)
  const tagged = entries.find(([k]) => k.startsWith('$'))
  if (tagged !== undefined) {
    const [tag, arg] = tagged
    if (entries.length !== 1) throw new Error(`tag ${tag} must be the only key of its object`)
    if (tag === '$long' && typeof arg === 'string') return BigInt(arg)
    if (tag === '$bytes' && typeof arg === 'string' && /^(?:[0-9a-f]{2})*$/.test(arg)) return Buffer.from(arg, 'hex')
    if (tag === '$bytesPattern' && typeof arg === 'object' && arg !== null && 'length' in arg && typeof arg.length === 'number') {
      return patternBytes(arg.length)
    }
    throw new Error(`bad tag ${tag}: ${JSON.stringify(arg)}`)
  }
  return Object.fromEntries(entries.map(([k, v]) => [k, reviveValue(v)]))
}

/** Short printable form of a value for failure messages. */
export function show(v: unknown): string {
  if (typeof v === 'bigint') return `${v}n`
  if (Buffer.isBuffer(v)) return `<Buffer ${v.length} bytes${v.length > 0 ? ` ${v.subarray(0, 16).toString('hex')}${v.length > 16 ? '…' : ''}` : ''}>`
  if (v === undefined) return 'undefined'
  if (typeof v === 'object' && v !== null) return Array.isArray(v) ? `array(${v.length})` : `{${Object.keys(v).join(', ')}}`
  return JSON.stringify(v)
}

/**
 * Where `actual` first differs from `expected`, as `path: expected X, got Y`, or `undefined` when
 * they are equal. bigint, number, string, boolean, null, Buffer, arrays and plain objects are
 * compared strictly (a number never equals a bigint, a missing key never equals `undefined`).
 */
export function firstDifference(expected: unknown, actual: unknown, path = 'value'): string | undefined {
  if (Buffer.isBuffer(expected)) {
    if (!Buffer.isBuffer(actual)) return `${path}: expected ${show(expected)}, got ${show(actual)}`
    if (expected.equals(actual)) return undefined
    const at = firstDifferingByte(expected, actual)
    return `${path}: buffers differ at byte ${at} (expected ${expected.length} bytes, got ${actual.length})`
  }
  if (Array.isArray(expected)) {
    if (!Array.isArray(actual)) return `${path}: expected ${show(expected)}, got ${show(actual)}`
    if (expected.length !== actual.length) return `${path}: expected ${expected.length} items, got ${actual.length}`
    for (let i = 0; i < expected.length; i++) {
      const d = firstDifference(expected[i], actual[i], `${path}[${i}]`)
      if (d !== undefined) return d
    }
    return undefined
  }
  if (typeof expected === 'object' && expected !== null) {
    if (typeof actual !== 'object' || actual === null || Array.isArray(actual) || Buffer.isBuffer(actual)) {
      return `${path}: expected ${show(expected)}, got ${show(actual)}`
    }
    const e = expected as Record<string, unknown>
    const a = actual as Record<string, unknown>
    for (const k of Object.keys(e)) {
      if (!Object.hasOwn(a, k)) return `${path}.${k}: missing (expected ${show(e[k])})`
      const d = firstDifference(e[k], a[k], `${path}.${k}`)
      if (d !== undefined) return d
    }
    for (const k of Object.keys(a)) {
      if (!Object.hasOwn(e, k)) return `${path}.${k}: unexpected key (got ${show(a[k])})`
    }
    return undefined
  }
  if (typeof expected !== typeof actual || !Object.is(expected, actual)) return `${path}: expected ${show(expected)}, got ${show(actual)}`
  return undefined
}

/** Index of the first byte where `a` and `b` differ (the shorter length if one is a prefix). */
export function firstDifferingByte(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length)
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return i
  return n
}

/**
 * Describes how `actual` differs from the reference bytes `expected`, showing both around the
 * first differing offset, or `undefined` when they are equal.
 */
export function describeByteMismatch(expected: Buffer, actual: Buffer): string | undefined {
  if (expected.equals(actual)) return undefined
  const at = firstDifferingByte(expected, actual)
  const from = Math.max(0, at - 8)
  const window = (b: Buffer): string => {
    const shown = b.subarray(from, at + 16).toString('hex')
    return `${from > 0 ? '…' : ''}${shown}${at + 16 < b.length ? '…' : ''}`
  }
  return [
    `bytes differ at offset ${at} (reference ${expected.length} bytes, got ${actual.length})`,
    `  reference from offset ${from}: ${window(expected)}`,
    `  got       from offset ${from}: ${window(actual)}`,
  ].join('\n')
}
