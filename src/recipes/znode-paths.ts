/**
 * Path arithmetic for recipes (the client's own helpers are internal; recipes use the public API).
 */

/** The parent of a path (`/` for top-level nodes). */
export function parentPath(path: string): string {
  const i = path.lastIndexOf('/')
  return i <= 0 ? '/' : path.slice(0, i)
}

/** The last component of a path. */
export function nodeName(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1)
}

/** Joins a parent path and a child name. */
export function childPath(parent: string, child: string): string {
  return parent === '/' ? `/${child}` : `${parent}/${child}`
}

/** Every proper ancestor of `path`, top first, without `/`: `/a/b/c` → `['/a', '/a/b']`. */
export function ancestorsOf(path: string): string[] {
  const out: string[] = []
  for (let i = path.indexOf('/', 1); i !== -1; i = path.indexOf('/', i + 1)) out.push(path.slice(0, i))
  return out
}
