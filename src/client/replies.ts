/**
 * Small pieces of the Promise API: reply decoders, the awaitable watcher of watchData and
 * friends, and the one error channel (argument errors reject, never throw).
 */
import { InvalidArgumentError, NoNodeError } from '../common/errors.js'
import { type Chroot, parentOf } from '../common/paths.js'
import type { Reader } from '../protocol/reader.js'
import { type ClientInfo, type Stat, StatCodec } from '../protocol/records.js'
import { Create2ResponseCodec, GetAllChildrenNumberResponseCodec, GetDataResponseCodec, WhoAmIResponseCodec } from '../protocol/responses.js'
import type { CreateResult, DataResult } from './types.js'
import type { WatchedEvent } from './watch-event.js'

const EMPTY = Buffer.alloc(0)

export function decodeStat(r: Reader): Stat {
  return StatCodec.decode(r)
}

export function decodeData(r: Reader): DataResult {
  const response = GetDataResponseCodec.decode(r)
  return { data: response.data ?? EMPTY, stat: response.stat }
}

/** The decoder of a create's reply, with the path as the client under `chroot` names it (made once per client). */
export function createResultDecoder(chroot: Chroot): (r: Reader) => CreateResult {
  return (r) => {
    const { path, stat } = Create2ResponseCodec.decode(r)
    return { path: chroot.toClient(path), stat }
  }
}

export function decodeTotalNumber(r: Reader): number {
  return GetAllChildrenNumberResponseCodec.decode(r).totalNumber
}

export function decodeWhoAmI(r: Reader): ClientInfo[] {
  return WhoAmIResponseCodec.decode(r).clientInfo
}

export function awaitable(): { watcher: (event: WatchedEvent) => void; changed: Promise<WatchedEvent> } {
  let resolve!: (event: WatchedEvent) => void
  const changed = new Promise<WatchedEvent>((r) => (resolve = r))
  return { watcher: (event) => resolve(event), changed }
}

export function positiveOrUndefined(value: number | undefined, what: string): number | undefined {
  if (value === undefined) return undefined
  if (!Number.isFinite(value) || value <= 0) throw new InvalidArgumentError(`${what} must be a positive number of ms`)
  return value
}

/** Runs `fn`, turning a synchronous throw (an argument error) into a rejection: one error channel. */
export function rejecting<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return fn()
  } catch (error) {
    return Promise.reject(error)
  }
}

/** An async iterator whose first `next()` rejects with `error`, then ends. */
export function rejectingIterator<T>(error: unknown): AsyncIterableIterator<T> {
  let failed = false
  const iterator: AsyncIterableIterator<T> = {
    next: () => {
      if (failed) return Promise.resolve({ value: undefined, done: true })
      failed = true
      return Promise.reject(error)
    },
    return: () => Promise.resolve({ value: undefined, done: true }),
    [Symbol.asyncIterator]: () => iterator,
  }
  return iterator
}

const CHROOT_ADVICE = 'create it first (from a client without the chroot)'

/**
 * A create's NONODE is about the parent, which the server does not name: say which, and when the
 * parent is the chroot itself, that the chroot is missing.
 */
export function explainCreateNoNode(error: unknown, path: string, chroot: string): unknown {
  if (!(error instanceof NoNodeError) || path === '/') return error
  const parent = parentOf(path)
  const message = parent === '/' && chroot !== ''
    ? `parent / of ${path} does not exist (create): the client's chroot ${chroot} does not exist on the server; ${CHROOT_ADVICE}`
    : `parent ${parent} of ${path} does not exist (create)`
  return new NoNodeError({ path, operation: 'create', message, cause: error })
}

/** NONODE for `/` in a chroot client: the chroot is missing. */
export function explainRootNoNode(error: unknown, operation: string, chroot: string): unknown {
  if (!(error instanceof NoNodeError)) return error
  return new NoNodeError({ path: '/', operation, message: `/ does not exist (${operation}): the client's chroot ${chroot} does not exist on the server; ${CHROOT_ADVICE}`, cause: error })
}
