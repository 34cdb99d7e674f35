/**
 * ZooKeeper's quota layout, as zkCli and the server share it: the quota of `/a/b` is the node
 * `/zookeeper/quota/a/b/zookeeper_limits`, and the server keeps the subtree's size in
 * `/zookeeper/quota/a/b/zookeeper_stats`. Both hold `StatsTrack` text:
 * `count=10,bytes=-1=;byteHardLimit=-1;countHardLimit=20` (-1: no limit). `count` and `bytes`
 * come first and a spurious `=` follows `bytes` when more keys come, so that parsers older than
 * 3.5 (which split on `,` and `=` only) still read the first two; the hard limits (3.7+) follow,
 * sorted, after `;`.
 */
import { Acls, NoNodeError, NodeExistsError, type ZooKeeperClient, joinPath } from '../index.js'
import { CliError } from './session.js'

/** Where quotas live (`Quotas.quotaZookeeper`). */
export const QUOTA_ROOT = '/zookeeper/quota'
/** The node holding a path's limits (`Quotas.limitNode`). */
export const LIMIT_NODE = 'zookeeper_limits'
/** The node in which the server counts a path's subtree (`Quotas.statNode`). */
export const STAT_NODE = 'zookeeper_stats'

/** The four limits, by their StatsTrack keys. */
export type QuotaKey = 'count' | 'bytes' | 'countHardLimit' | 'byteHardLimit'

/** StatsTrack: key to value (-1 is "no limit"); keys zkwire does not know are kept as read. */
export type Stats = Map<string, bigint>

/** The directory of `path`'s quota nodes (`Quotas.quotaPath`). */
export function quotaDir(path: string): string {
  return QUOTA_ROOT + path
}

/** Parses StatsTrack text; a value left empty (`bytes=`) is -1, as the server reads it. */
export function parseStats(text: string, where: string): Stats {
  const stats: Stats = new Map()
  for (const pair of text.split(/[,;]+/)) {
    if (pair === '') continue
    // Java's split("=") drops trailing empty pieces: `bytes=5=` is bytes and 5.
    const [key, value = ''] = pair.split('=')
    if (!(value === '' || /^[+-]?\d+$/.test(value)) || key === undefined || key === '') {
      throw new CliError(`${where} holds ${JSON.stringify(text)}, which is not quota data (key=value pairs such as count=10,bytes=-1)`)
    }
    stats.set(key, value === '' ? -1n : BigInt(value))
  }
  return stats
}

/** The value of `key`, -1 when absent. */
export function statValue(stats: Stats, key: string): bigint {
  return stats.get(key) ?? -1n
}

/** StatsTrack's text for `stats` (see the file comment). */
export function formatStats(stats: Stats): string {
  let text = `count=${statValue(stats, 'count')},bytes=${statValue(stats, 'bytes')}`
  // Java's Collections.sort on String keys: UTF-16 code unit order, as sort() without a comparator.
  const rest = [...stats.keys()].filter((k) => k !== 'count' && k !== 'bytes').sort()
  if (rest.length > 0) text += `=${rest.map((k) => `;${k}=${stats.get(k)}`).join('')}`
  return text
}

/** Reads and parses a StatsTrack node; null when it does not exist. */
export async function readStats(zk: ZooKeeperClient, path: string, call: { signal: AbortSignal; timeout: number }): Promise<Stats | null> {
  try {
    const { data } = await zk.getData(path, call)
    return parseStats(data.toString('utf8'), path)
  } catch (error) {
    if (error instanceof NoNodeError) return null
    throw error
  }
}

/**
 * Refuses a quota on `path` where one already covers part of the same subtree: the server counts
 * a node for one quota only (zkCli's checkIfChildQuota and checkIfParentQuota).
 */
export async function checkNoNestedQuota(zk: ZooKeeperClient, path: string, call: { signal: AbortSignal; timeout: number }): Promise<void> {
  const children = async (dir: string): Promise<string[] | null> => {
    try {
      return (await zk.getChildren(dir, call)).children
    } catch (error) {
      if (error instanceof NoNodeError) return null
      throw error
    }
  }
  const own = quotaDir(path)
  // Below: any quota directory under this path's one that holds limits.
  const visit = async (dir: string): Promise<void> => {
    const names = await children(dir)
    if (names === null) return
    if (dir !== own && names.includes(LIMIT_NODE)) {
      throw new CliError(`${path} has a child ${dir.slice(QUOTA_ROOT.length)} which has a quota; delete that quota first (delquota ${dir.slice(QUOTA_ROOT.length)})`)
    }
    await Promise.all(names.filter((n) => n !== LIMIT_NODE && n !== STAT_NODE).map((n) => visit(joinPath(dir, n))))
  }
  await visit(own)
  // Above: each ancestor's quota directory, up to the first missing one.
  const parts = path.split('/').filter((p) => p !== '')
  for (let i = 1; i < parts.length; i++) {
    const ancestor = `/${parts.slice(0, i).join('/')}`
    const names = await children(quotaDir(ancestor))
    if (names === null || names.length === 0) return
    if (names.includes(LIMIT_NODE)) throw new CliError(`${path} has a parent ${ancestor} which has a quota; change that one (setquota ... ${ancestor}) or delete it first`)
  }
}

/** Creates `path` (open ACL, no data, as zkCli does) unless it exists. */
export async function ensureNode(zk: ZooKeeperClient, path: string, call: { signal: AbortSignal; timeout: number }): Promise<void> {
  if ((await zk.exists(path, call)) !== null) return
  try {
    await zk.create(path, null, { ...call, acl: Acls.open })
  } catch (error) {
    if (!(error instanceof NodeExistsError)) throw error
  }
}
