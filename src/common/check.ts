/**
 * Argument checks shared by every public API. Plain JavaScript callers pass anything, so a value of
 * the wrong shape is refused with an {@link InvalidArgumentError} that says what was given and what
 * to do, never reinterpreted (`setData(p, d, 7)` must not write without a version check).
 */
import { InvalidArgumentError } from './errors.js'

/** How a caller gave a value, for messages: `the string "3"`, `the number 7`, `an array`. */
export function describe(value: unknown): string {
  if (value === null) return 'null'
  if (value === undefined) return 'undefined'
  if (typeof value === 'string') return `the string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}...` : value)}`
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return `the ${typeof value} ${String(value)}`
  if (typeof value === 'function') return 'a function'
  if (Array.isArray(value)) return 'an array'
  if (Buffer.isBuffer(value)) return 'a Buffer'
  return 'an object'
}

/**
 * Option keys that habits from other clients produce, with what to write instead. A key `=text`
 * is the advice when the options argument is that string, `:type` when it is of that `typeof`;
 * a function hint is given the value the caller passed (e.g. to echo `pass { version: 7 }`).
 */
export type KeyHints = Readonly<Record<string, string | ((value: unknown) => string)>>

function hintFor(hints: KeyHints, key: string, value: unknown): string | undefined {
  const hint = hints[key]
  return typeof hint === 'function' ? hint(value) : hint
}

/**
 * Checks an options argument: `undefined` (no options) or a plain object whose keys are all in
 * `allowed`. Returns the object (or `{}`) so callers can destructure it.
 *
 * @param where - the call, for messages: `setData`, `new Mutex`
 * @param hints - for unknown keys users often write, the advice to give (`mod` -> "did you mean mode?")
 */
export function checkOptions<T extends object>(value: T | undefined, allowed: readonly string[], where: string, hints: KeyHints = {}): T {
  if (value === undefined) return {} as T
  if (value === null || typeof value !== 'object' || Array.isArray(value) || Buffer.isBuffer(value)) {
    const hint = (typeof value === 'string' ? hintFor(hints, `=${value}`, value) : undefined) ?? hintFor(hints, `:${value === null ? 'null' : typeof value}`, value)
    throw new InvalidArgumentError(`${where}: options must be an object such as { ${allowed.slice(0, 3).join(', ')} }, got ${describe(value)}${hint === undefined ? '' : `; ${hint}`}`)
  }
  for (const key of Object.keys(value)) {
    if (allowed.includes(key)) continue
    const hint = hintFor(hints, key, (value as Record<string, unknown>)[key]) ?? nearest(key, allowed)
    throw new InvalidArgumentError(`${where}: unknown option "${key}"${hint === undefined ? '' : `; ${hint}`} (known options: ${allowed.join(', ')})`)
  }
  return value
}

/**
 * `; the string "3" is not the number 3` when a number was wanted and a numeric string given
 * (values from environment variables and query strings arrive as strings), else `''`.
 */
export function numericStringHint(value: unknown): string {
  if (typeof value !== 'string' || value.trim() === '' || !Number.isFinite(Number(value))) return ''
  return `; ${describe(value)} is not the number ${Number(value)}`
}

function nearest(key: string, allowed: readonly string[]): string | undefined {
  let best: string | undefined
  let bestDistance = 3
  for (const candidate of allowed) {
    const d = editDistance(key.toLowerCase(), candidate.toLowerCase())
    if (d < bestDistance) {
      best = candidate
      bestDistance = d
    }
  }
  return best === undefined ? undefined : `did you mean "${best}"?`
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i)
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0]!
    row[0] = i
    for (let j = 1; j <= b.length; j++) {
      const saved = row[j]!
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1))
      previous = saved
    }
  }
  return row[b.length]!
}

/** An optional AbortSignal: `undefined` or a real `AbortSignal`. */
export function checkSignal(value: unknown, where: string): AbortSignal | undefined {
  if (value === undefined) return undefined
  if (!(value instanceof AbortSignal)) throw new InvalidArgumentError(`${where}: signal must be an AbortSignal (from an AbortController), got ${describe(value)}`)
  return value
}

/** An optional timeout or duration in ms: `undefined` or a finite number >= 0. */
export function checkDuration(value: unknown, name: string, where: string): number | undefined {
  if (value === undefined) return undefined
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new InvalidArgumentError(`${where}: ${name} must be a finite number of milliseconds >= 0, got ${describe(value)}${numericStringHint(value)}`)
  }
  return value
}

/** An optional integer within bounds. */
export function checkInteger(value: unknown, name: string, where: string, min: number, max: number): number | undefined {
  if (value === undefined) return undefined
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new InvalidArgumentError(`${where}: ${name} must be an integer from ${min} to ${max}, got ${describe(value)}${numericStringHint(value)}`)
  }
  return value
}

/** An optional string (non-empty unless `allowEmpty`). */
export function checkString(value: unknown, name: string, where: string, allowEmpty = false): string | undefined {
  if (value === undefined) return undefined
  if (typeof value !== 'string' || (!allowEmpty && value.length === 0)) {
    throw new InvalidArgumentError(`${where}: ${name} must be a ${allowEmpty ? '' : 'non-empty '}string, got ${describe(value)}`)
  }
  return value
}

/** An optional boolean. */
export function checkBoolean(value: unknown, name: string, where: string): boolean | undefined {
  if (value === undefined) return undefined
  if (typeof value !== 'boolean') throw new InvalidArgumentError(`${where}: ${name} must be true or false, got ${describe(value)}`)
  return value
}

/** An optional function. */
export function checkFunction<F extends (...args: never[]) => unknown>(value: unknown, name: string, where: string): F | undefined {
  if (value === undefined) return undefined
  if (typeof value !== 'function') throw new InvalidArgumentError(`${where}: ${name} must be a function, got ${describe(value)}`)
  return value as F
}

/** One of a fixed set of strings. */
export function checkOneOf<T extends string>(value: unknown, name: string, where: string, choices: readonly T[]): T | undefined {
  if (value === undefined) return undefined
  if (typeof value !== 'string' || !(choices as readonly string[]).includes(value)) {
    throw new InvalidArgumentError(`${where}: ${name} must be one of ${choices.map((c) => JSON.stringify(c)).join(', ')}, got ${describe(value)}`)
  }
  return value as T
}

/** An optional positive duration in ms (a timeout of 0 would fire before anything is sent). */
export function checkPositiveDuration(value: unknown, name: string, where: string): number | undefined {
  if (value === undefined) return undefined
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new InvalidArgumentError(`${where}: ${name} must be a positive finite number of milliseconds, got ${describe(value)}${numericStringHint(value)}`)
  }
  return value
}

/** An optional array (its items are checked by the caller). */
export function checkArray<T>(value: unknown, name: string, where: string): readonly T[] | undefined {
  if (value === undefined) return undefined
  if (!Array.isArray(value)) throw new InvalidArgumentError(`${where}: ${name} must be an array, got ${describe(value)}`)
  return value as readonly T[]
}
