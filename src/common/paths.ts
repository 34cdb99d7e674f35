/**
 * ZooKeeper path rules (`PathUtils.validatePath`) and chroot mapping. The client checks every
 * path itself because the server checks read paths hardly at all.
 */
import { InvalidArgumentError } from './errors.js'
import { describe } from './check.js'

/**
 * Throws {@link InvalidArgumentError} unless `path` is a valid ZooKeeper node path.
 * @param what names the argument in the message (`'path'`, `'chroot'`, ...).
 * @param sequential a sequential create's path is a prefix that the server completes, so it may
 *   end in `/` (validated, like the Java client does, as `path + '1'`).
 */
export function validatePath(path: unknown, what = 'path', sequential = false): asserts path is string {
  if (typeof path !== 'string') throw new InvalidArgumentError(`${what} must be a string such as "/app/node", got ${describe(path)}`)
  const reason = pathProblem(sequential ? `${path}1` : path)
  if (reason !== undefined) throw new InvalidArgumentError(`invalid ${what} "${printable(path)}": ${reason}`)
}

/** Returns why `path` is invalid, or `undefined` when it is valid. */
export function pathProblem(path: string): string | undefined {
  if (path.length === 0) return 'a path must not be empty'
  if (path.charCodeAt(0) !== 0x2f) return 'a path must start with "/"'
  if (path.length === 1) return undefined
  if (path.charCodeAt(path.length - 1) === 0x2f) return 'a path must not end with "/"'
  let previous = 0x2f
  for (let i = 1; i < path.length; i++) {
    const c = path.charCodeAt(i)
    if (c === 0) return `null character at index ${i}`
    if (c === 0x2f && previous === 0x2f) return `empty node name at index ${i}`
    if (c === 0x2e && previous === 0x2e && path.charCodeAt(i - 2) === 0x2f && (i + 1 === path.length || path.charCodeAt(i + 1) === 0x2f)) {
      return `relative path component ".." at index ${i - 1}`
    }
    if (c === 0x2e && previous === 0x2f && (i + 1 === path.length || path.charCodeAt(i + 1) === 0x2f)) {
      return `relative path component "." at index ${i}`
    }
    if ((c > 0x00 && c <= 0x1f) || (c >= 0x7f && c <= 0x9f) || (c >= 0xd800 && c <= 0xf8ff) || (c >= 0xfff0 && c <= 0xffff)) {
      return `invalid character \\u${c.toString(16).padStart(4, '0')} at index ${i}`
    }
    previous = c
  }
  return undefined
}

function printable(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)
}

/** Maps paths between the caller's view and the server's when the client has a chroot. */
export class Chroot {
  /** @param prefix the chroot, e.g. `/app`, or `''` for none. */
  constructor(readonly prefix: string) {}

  /** The server path for a client path. */
  toServer(path: string): string {
    if (this.prefix === '') return path
    return path === '/' ? this.prefix : this.prefix + path
  }

  /**
   * The server path for a sequential create, whose path is a prefix the server completes with a
   * counter: `/` must become `/app/`, not `/app`, or the node would be a sibling of the chroot.
   */
  toServerPrefix(path: string): string {
    return this.prefix === '' ? path : this.prefix + path
  }

  /**
   * The client path for a server path. A path outside the chroot (which the server never sends
   * for this client's own requests) is returned unchanged rather than mangled.
   */
  toClient(serverPath: string): string {
    const p = this.prefix
    if (p === '') return serverPath
    if (serverPath === p) return '/'
    if (serverPath.startsWith(p) && serverPath.charCodeAt(p.length) === 0x2f) return serverPath.slice(p.length)
    return serverPath
  }
}

/** The parent of a path (`/` for top-level nodes and for `/` itself). */
export function parentOf(path: string): string {
  const i = path.lastIndexOf('/')
  return i <= 0 ? '/' : path.slice(0, i)
}

/** The last component of a path (`''` for `/`). */
export function basename(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1)
}

/** Joins a parent path and a child name. */
export function joinPath(parent: string, child: string): string {
  return parent === '/' ? `/${child}` : `${parent}/${child}`
}

/** Every proper ancestor of `path`, top first, without `/`: `/a/b/c` gives `['/a', '/a/b']`. */
export function ancestorsOf(path: string): string[] {
  const out: string[] = []
  for (let i = path.indexOf('/', 1); i !== -1; i = path.indexOf('/', i + 1)) out.push(path.slice(0, i))
  return out
}
