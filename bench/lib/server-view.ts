/**
 * The server's own view of a measured phase, from `mntr` taken just before and just after it (never
 * during: a four-letter word is a connection of its own, and sampling would disturb the phase).
 * ZooKeeper keeps its summaries as running counts and sums, so the differences give the phase's
 * means: how many requests waited in the server's pipeline, how large its group commits were, how
 * long its fsyncs and requests took.
 */
import { fourLetterWord } from '../../src/testing/index.js'

/** `mntr` counters, by name without the `zk_` prefix. */
export type Mntr = Map<string, number>

/** The phase as the server saw it; a figure is null when the counters did not move. */
export interface ServerView {
  /** Requests that entered the server's pipeline (PrepRequestProcessor) during the phase. */
  requests: number
  /** Mean length of the PrepRequestProcessor queue as each request joined it. */
  prepQueueMean: number | null
  /** Mean length of the SyncRequestProcessor queue as each request joined it. */
  syncQueueMean: number | null
  /** Transactions per group commit (SyncRequestProcessor batch). */
  groupCommitMean: number | null
  /** Fsyncs of the transaction log, and their mean duration in ms. */
  fsyncs: number
  fsyncMsMean: number | null
  /** Server-side latency (arrival to reply) in ms, reads and updates. */
  readLatencyMsMean: number | null
  updateLatencyMsMean: number | null
}

/** Fetches `mntr` from the first server of a connect string; null if it does not answer. */
export async function mntr(connectString: string): Promise<Mntr | null> {
  const first = connectString.split(',')[0]!.split('/')[0]!
  const colon = first.lastIndexOf(':')
  const host = first.slice(0, colon).replace(/^\[|\]$/g, '')
  const port = Number(first.slice(colon + 1))
  try {
    const text = await fourLetterWord(host, port, 'mntr', { timeoutMs: 2_000 })
    const values: Mntr = new Map()
    for (const line of text.split('\n')) {
      const [key, value] = line.split('\t')
      if (key?.startsWith('zk_') && value !== undefined && value.trim() !== '' && Number.isFinite(Number(value))) values.set(key.slice(3), Number(value))
    }
    return values.size > 0 ? values : null
  } catch {
    return null
  }
}

/** What the server saw between two `mntr` snapshots. */
export function serverView(before: Mntr, after: Mntr): ServerView {
  const delta = (key: string): number => (after.get(key) ?? Number.NaN) - (before.get(key) ?? Number.NaN)
  const mean = (name: string): number | null => {
    const count = delta(`cnt_${name}`)
    return Number.isFinite(count) && count > 0 ? delta(`sum_${name}`) / count : null
  }
  const fsyncs = delta('cnt_fsynctime')
  return {
    requests: delta('cnt_prep_processor_queue_size'),
    prepQueueMean: mean('prep_processor_queue_size'),
    syncQueueMean: mean('sync_processor_queue_size'),
    groupCommitMean: mean('sync_processor_batch_size'),
    fsyncs: Number.isFinite(fsyncs) ? fsyncs : 0,
    fsyncMsMean: mean('fsynctime'),
    readLatencyMsMean: mean('readlatency'),
    updateLatencyMsMean: mean('updatelatency'),
  }
}
