/**
 * The options argument of every client method, checked before anything is sent. Plain JavaScript
 * callers bring the call shapes of node-zookeeper-client, kazoo and Java (`setData(p, d, 7)`,
 * `create(p, d, 'ephemeral')`, `getData(p, true)`); each is refused with advice instead of being
 * read as "no options", which would drop a version check or make a persistent node.
 */
import { CALL_HINTS, CREATE_HINTS, VERSION_HINTS } from '../common/hints.js'
import { type KeyHints, checkBoolean, checkFunction, checkInteger, checkOptions, checkPositiveDuration, checkSignal, describe } from '../common/check.js'
import { InvalidArgumentError } from '../common/errors.js'
import type { CallOptions } from './types.js'

const CALL_KEYS = ['signal', 'timeout'] as const

function watchHints(promiseForm: string): KeyHints {
  const advice = `pass { watcher: (event) => ... }, or use ${promiseForm}(path) for a promise of the change`
  return {
    ...CALL_HINTS,
    ':boolean': `a boolean does not set a watch here: ${advice}`,
    ':function': `pass the function as { watcher }: ${advice}`,
    watch: `use { watcher: (event) => ... } (a function, not a boolean), or ${promiseForm}(path)`,
    callback: `use { watcher } for watch events; the result is the returned promise`,
  }
}

/** Checks `signal` and `timeout` of an options object that passed {@link checkOptions}. */
function checkCall(options: CallOptions, where: string): void {
  checkSignal(options.signal, where)
  checkPositiveDuration(options.timeout, 'timeout', where)
}

/** Options of calls that take only `signal` and `timeout`. */
export function callOptions(value: unknown, where: string): CallOptions {
  const options = checkOptions(value as CallOptions | undefined, CALL_KEYS, where, CALL_HINTS)
  checkCall(options, where)
  return options
}

/** Options with an expected `version` (setData, delete, setACL). */
export function versionOptions<T extends CallOptions & { version?: number }>(value: unknown, where: string): T {
  const options = checkOptions(value as T | undefined, [...CALL_KEYS, 'version'], where, VERSION_HINTS)
  checkCall(options, where)
  checkInteger(options.version, 'version', where, -1, 0x7fffffff)
  return options
}

/** Options of create. The mode and TTL are checked by `resolveCreateMode`, the ACL by `validateAcl`. */
export function createOptions<T extends CallOptions & { mode?: unknown; ttl?: unknown }>(value: unknown, where: string): T {
  const options = checkOptions(value as T | undefined, [...CALL_KEYS, 'mode', 'acl', 'ttl'], where, CREATE_HINTS)
  checkCall(options, where)
  const { mode } = options
  if (mode !== undefined && typeof mode !== 'string' && typeof mode !== 'number') {
    throw new InvalidArgumentError(`${where}: mode must be a mode name such as 'ephemeral' or a CreateMode number, got ${describe(mode)}`)
  }
  checkInteger(options.ttl, 'ttl', where, 1, Number.MAX_SAFE_INTEGER)
  return options
}

/** Options of reads that can leave a one-shot watch (exists, getData, getChildren, getConfig). */
export function watchOptions<T extends CallOptions & { watcher?: unknown }>(value: unknown, where: string, promiseForm: string): T {
  const options = checkOptions(value as T | undefined, [...CALL_KEYS, 'watcher'], where, watchHints(promiseForm))
  checkCall(options, where)
  checkFunction(options.watcher, 'watcher', where)
  return options
}

/** Options of addWatch. */
export function addWatchOptions<T extends CallOptions & { recursive?: boolean; listener?: unknown }>(value: unknown, where: string): T {
  const hints: KeyHints = { ...CALL_HINTS, ':boolean': (v) => `pass { recursive: ${String(v)} }`, ':function': 'pass the function as { listener }', watcher: 'use { listener } (called with every event)', mode: 'use { recursive: true } for a persistent recursive watch' }
  const options = checkOptions(value as T | undefined, [...CALL_KEYS, 'recursive', 'listener'], where, hints)
  checkCall(options, where)
  checkBoolean(options.recursive, 'recursive', where)
  checkFunction(options.listener, 'listener', where)
  return options
}

/** Options of removeWatches. */
export function removeWatchesOptions<T extends CallOptions & { watcher?: unknown; local?: boolean }>(value: unknown, where: string): T {
  const hints: KeyHints = { ...CALL_HINTS, ':function': 'pass the function as { watcher }', ':boolean': (v) => `pass { local: ${String(v)} }` }
  const options = checkOptions(value as T | undefined, [...CALL_KEYS, 'watcher', 'local'], where, hints)
  checkCall(options, where)
  checkFunction(options.watcher, 'watcher', where)
  checkBoolean(options.local, 'local', where)
  return options
}

/** Options of states(): only a signal. */
export function signalOnly(value: unknown, where: string): { signal?: AbortSignal } {
  const options = checkOptions(value as { signal?: AbortSignal } | undefined, ['signal'], where, CALL_HINTS)
  checkSignal(options.signal, where)
  return options
}
