/**
 * Recursive delete, as Curator's `deletingChildrenIfNeeded()` and kazoo's `delete(recursive=True)`:
 * a node and everything under it, deepest first, in batches of one multi each.
 */
import type { ZooKeeperClient } from '../client/client.js'
import { checkDuration, checkInteger, checkOptions, checkSignal, describe } from '../common/check.js'
import { InvalidArgumentError, NoNodeError, NotEmptyError } from '../common/errors.js'
import { joinPath, validatePath } from '../common/paths.js'

/** Options of {@link deleteAll}. */
export interface DeleteAllOptions {
  /** Most deletes per multi (default 500); a batch also stays under ~512 KiB of paths. */
  batchSize?: number
  /**
   * How many times the tree is listed again when nodes appeared while it was being deleted
   * (default 50). Past that it fails with NotEmptyError: someone keeps creating under it.
   */
  maxRounds?: number
  /** Stops between batches when aborted (batches already sent are applied). */
  signal?: AbortSignal
  /** Timeout of each call in ms. */
  timeout?: number
}

/** Bytes of paths in one multi: well under the server's 1 MiB jute.maxbuffer with the framing. */
const MAX_BATCH_BYTES = 512 * 1024

/**
 * Deletes `path` and all its descendants. Resolves with the number of nodes this call deleted
 * (0 when `path` did not exist). Children that appear while it runs are found (a NotEmpty
 * answer), listed and deleted in another round; nodes deleted by someone else meanwhile are
 * skipped. Each batch is one multi (all its deletes or none), deepest nodes first, so a failed
 * batch leaves no hole in the middle of the tree; a batch that fails is redone one delete at a
 * time. Not atomic as a whole: a crash midway leaves a smaller tree.
 *
 * The root `/` cannot be deleted and is refused.
 *
 * @example
 * ```ts
 * const n = await deleteAll(zk, '/jobs/2024')
 * ```
 */
export async function deleteAll(client: ZooKeeperClient, path: string, options?: DeleteAllOptions): Promise<number> {
  if (client === null || typeof client !== 'object' || typeof (client as ZooKeeperClient).multi !== 'function') {
    throw new InvalidArgumentError(`deleteAll: the first argument must be a ZooKeeperClient, got ${describe(client)}`)
  }
  validatePath(path)
  if (path === '/') throw new InvalidArgumentError('deleteAll: the root "/" cannot be deleted; pass the subtree to delete, e.g. "/app"')
  const o = checkOptions(options, ['batchSize', 'maxRounds', 'signal', 'timeout'], 'deleteAll', { recursive: 'deleteAll is always recursive' })
  const batchSize = checkInteger(o.batchSize, 'batchSize', 'deleteAll', 1, 10_000) ?? 500
  const maxRounds = checkInteger(o.maxRounds, 'maxRounds', 'deleteAll', 1, 10_000) ?? 50
  const signal = checkSignal(o.signal, 'deleteAll')
  const timeout = checkDuration(o.timeout, 'timeout', 'deleteAll')
  const call = { timeout }
  let deleted = 0
  for (let round = 0; round < maxRounds; round++) {
    if (signal?.aborted) throw signal.reason
    const nodes = await collect(client, path, call)
    if (nodes.length === 0) return deleted
    for (const batch of batches(nodes, batchSize)) {
      if (signal?.aborted) throw signal.reason
      try {
        await client.multi(
          batch.map((p) => ({ type: 'delete' as const, path: p })),
          call,
        )
        deleted += batch.length
      } catch (error) {
        if (!(error instanceof NoNodeError || error instanceof NotEmptyError)) throw error
        // Someone else deleted one of them, or created under one: do this batch one by one.
        for (const p of batch) {
          try {
            await client.delete(p, call)
            deleted++
          } catch (single) {
            if (!(single instanceof NoNodeError || single instanceof NotEmptyError)) throw single
          }
        }
      }
    }
    if ((await client.exists(path, call)) === null) return deleted
  }
  throw new NotEmptyError({ path, operation: 'deleteAll', message: `${path} still has children after ${maxRounds} rounds of deleting: another client keeps creating under it` })
}

/** The subtree's paths, deepest first (a node after all its descendants); empty if `path` is gone. */
async function collect(client: ZooKeeperClient, path: string, call: { timeout?: number }): Promise<string[]> {
  const order: string[] = []
  // Breadth-first, one level of getChildren requests pipelined at a time.
  let level = [path]
  while (level.length > 0) {
    const lists = await Promise.all(
      level.map((p) =>
        client.getChildren(p, call).then(
          (r) => r.children,
          (error: unknown) => {
            if (error instanceof NoNodeError) return null
            throw error
          },
        ),
      ),
    )
    const next: string[] = []
    level.forEach((p, i) => {
      const children = lists[i]
      if (children === null || children === undefined) return
      order.push(p)
      for (const c of children) next.push(joinPath(p, c))
    })
    level = next
  }
  return order.reverse()
}

function* batches(paths: readonly string[], size: number): Generator<string[]> {
  let batch: string[] = []
  let bytes = 0
  for (const p of paths) {
    const cost = Buffer.byteLength(p) + 16
    if (batch.length > 0 && (batch.length >= size || bytes + cost > MAX_BATCH_BYTES)) {
      yield batch
      batch = []
      bytes = 0
    }
    batch.push(p)
    bytes += cost
  }
  if (batch.length > 0) yield batch
}

