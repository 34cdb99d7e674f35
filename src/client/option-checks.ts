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

// The key lists and hint tables are built once, not per call: building the hints of a watching
// read per call (a template string and an object spread) cost W2 about 3 µs of client CPU per
// getData, more than encoding, sending and decoding it together (profiled, bench W2).
const CALL_KEYS = ['signal', 'timeout'] as const
const VERSION_KEYS = [...CALL_KEYS, 'version']
const CREATE_KEYS = [...CALL_KEYS, 'mode', 'acl', 'ttl']
const WATCH_KEYS = [...CALL_KEYS, 'watcher']
const ADD_WATCH_KEYS = [...CALL_KEYS, 'recursive', 'listener']
const REMOVE_WATCHES_KEYS = [...CALL_KEYS, 'watcher', 'local']
const ADD_WATCH_HINTS: KeyHints = { ...CALL_HINTS, ':boolean': (v) => `pass { recursive: ${String(v)} }`, ':function': 'pass the function as { listener }', watcher: 'use { listener } (called with every event)', mode: 'use { recursive: true } for a persistent recursive watch' }
const REMOVE_WATCHES_HINTS: KeyHints = { ...CALL_HINTS, ':function': 'pass the function as { watcher }', ':boolean': (v) => `pass { local: ${String(v)} }` }
const SIGNAL_KEYS = ['signal']

/** The hint tables of watching reads, one per promise form (`dataChanged`, ...), built on first use. */
const watchHintTables = new Map<string, KeyHints>()

function watchHints(promiseForm: string): KeyHints {
  let hints = watchHintTables.get(promiseForm)
  if (hints === undefined) {
    hints = buildWatchHints(promiseForm)
    watchHintTables.set(promiseForm, hints)
  }
  return hints
}

function buildWatchHints(promiseForm: string): KeyHints {
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
  const options = checkOptions(value as T | undefined, VERSION_KEYS, where, VERSION_HINTS)
  checkCall(options, where)
  checkInteger(options.version, 'version', where, -1, 0x7fffffff)
  return options
}

/** Options of create. The mode and TTL are checked by `resolveCreateMode`, the ACL by `validateAcl`. */
export function createOptions<T extends CallOptions & { mode?: unknown; ttl?: unknown }>(value: unknown, where: string): T {
  const options = checkOptions(value as T | undefined, CREATE_KEYS, where, CREATE_HINTS)
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
  const options = checkOptions(value as T | undefined, WATCH_KEYS, where, watchHints(promiseForm))
  checkCall(options, where)
  checkFunction(options.watcher, 'watcher', where)
  return options
}

/** Options of addWatch. */
export function addWatchOptions<T extends CallOptions & { recursive?: boolean; listener?: unknown }>(value: unknown, where: string): T {
  const options = checkOptions(value as T | undefined, ADD_WATCH_KEYS, where, ADD_WATCH_HINTS)
  checkCall(options, where)
  checkBoolean(options.recursive, 'recursive', where)
  checkFunction(options.listener, 'listener', where)
  return options
}

/** Options of removeWatches. */
export function removeWatchesOptions<T extends CallOptions & { watcher?: unknown; local?: boolean }>(value: unknown, where: string): T {
  const options = checkOptions(value as T | undefined, REMOVE_WATCHES_KEYS, where, REMOVE_WATCHES_HINTS)
  checkCall(options, where)
  checkFunction(options.watcher, 'watcher', where)
  checkBoolean(options.local, 'local', where)
  return options
}

/** Options of states(): only a signal. */
export function signalOnly(value: unknown, where: string): { signal?: AbortSignal } {
  const options = checkOptions(value as { signal?: AbortSignal } | undefined, SIGNAL_KEYS, where, CALL_HINTS)
  checkSignal(options.signal, where)
  return options
}
