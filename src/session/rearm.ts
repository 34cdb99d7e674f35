/**
 * Re-arming watches on a resumed session: the client tells the server every watched path with
 * the last zxid it saw, and the server fires at once the events missed meanwhile
 * (`DataTree.setWatches`).
 */
import type { Codec } from '../protocol/codec.js'
import { OpCode } from '../protocol/constants.js'
import { SetWatches2Codec, SetWatchesCodec } from '../protocol/requests.js'
import type { WatchPaths, WatchRegistry } from './watches.js'

/** Sends one SetWatches packet. */
export type SendSetWatches = (opcode: number, codec: Codec<any>, body: unknown) => void

const KINDS: readonly (keyof WatchPaths)[] = ['dataWatches', 'existWatches', 'childWatches', 'persistentWatches', 'persistentRecursiveWatches']

/**
 * Sends the registry's paths in packets of at most `maxBytes` of path names (SetWatches must stay
 * under jute.maxbuffer). Uses SetWatches2 only when persistent watches exist, as the Java client
 * does, so servers before 3.6 still work for clients that do not use them.
 */
export function rearmWatches(registry: WatchRegistry, relativeZxid: bigint, maxBytes: number, send: SendSetWatches): number {
  const all = registry.paths()
  const persistent = registry.hasPersistent
  let packets = 0
  let batch = emptyPaths()
  let batchBytes = 0
  let batchCount = 0
  const flush = (): void => {
    if (batchCount === 0) return
    if (persistent) send(OpCode.setWatches2, SetWatches2Codec, { relativeZxid, ...batch })
    else send(OpCode.setWatches, SetWatchesCodec, { relativeZxid, dataWatches: batch.dataWatches, existWatches: batch.existWatches, childWatches: batch.childWatches })
    packets++
    batch = emptyPaths()
    batchBytes = 0
    batchCount = 0
  }
  for (const kind of KINDS) {
    for (const path of all[kind]) {
      const size = Buffer.byteLength(path) + 4
      if (batchBytes + size > maxBytes) flush()
      batch[kind].push(path)
      batchBytes += size
      batchCount++
    }
  }
  flush()
  return packets
}

function emptyPaths(): WatchPaths {
  return { dataWatches: [], existWatches: [], childWatches: [], persistentWatches: [], persistentRecursiveWatches: [] }
}
