/**
 * zkCli's quota commands: setquota, listquota, delquota, on the nodes zkCli and the server use
 * (see quotas.ts), so a quota set by either tool is listed and deleted by the other alike.
 */
import { Acls, NoNodeError, NotEmptyError } from '../index.js'
import { type ParsedArgs, UsageError } from './args.js'
import { type Command, type CommandContext, arg } from './command.js'
import { jsonText } from './format.js'
import { LIMIT_NODE, QUOTA_ROOT, type QuotaKey, STAT_NODE, type Stats, checkNoNestedQuota, ensureNode, formatStats, quotaDir, readStats, statValue } from './quotas.js'
import { CliError } from './session.js'

/** zkCli's flags, the limit each sets, and the values it takes (int counts above 0, long byte counts from 0). */
const QUOTA_FLAGS = {
  n: { key: 'count', what: 'the number of nodes (soft limit)', min: 1n, max: 0x7fffffffn },
  b: { key: 'bytes', what: 'the bytes of data (soft limit)', min: 0n, max: 0x7fffffffffffffffn },
  N: { key: 'countHardLimit', what: 'the number of nodes (hard limit)', min: 1n, max: 0x7fffffffn },
  B: { key: 'byteHardLimit', what: 'the bytes of data (hard limit)', min: 0n, max: 0x7fffffffffffffffn },
} as const satisfies Record<string, { key: QuotaKey; what: string; min: bigint; max: bigint }>

type QuotaFlag = keyof typeof QUOTA_FLAGS

/** The one quota flag given; UsageError for more than one (zkCli's option group), or none when `required`. */
function quotaFlag(command: string, args: ParsedArgs, required: boolean): QuotaFlag | null {
  const given = (Object.keys(QUOTA_FLAGS) as QuotaFlag[]).filter((f) => args.flags.has(f))
  if (given.length > 1) throw new UsageError(`${command} takes one of -n, -b, -N, -B at a time, got ${given.map((f) => `-${f}`).join(' and ')}; run it once for each`, true)
  if (given.length === 0 && required) throw new UsageError(`${command} needs a limit: -n or -N (nodes), -b or -B (bytes), with its value`, true)
  return given[0] ?? null
}

/** The value of a setquota flag, checked as zkCli checks it. */
function quotaValue(flag: QuotaFlag, raw: string | true | undefined): bigint {
  const { what, min, max } = QUOTA_FLAGS[flag]
  const text = typeof raw === 'string' ? raw : ''
  const value = /^[+-]?\d+$/.test(text) ? BigInt(text) : null
  if (value === null || value < min || value > max) {
    throw new UsageError(`setquota -${flag}: the limit on ${what} must be a whole number from ${min} to ${max}, got ${JSON.stringify(text)} (use delquota -${flag} to remove this limit)`)
  }
  return value
}

/** The node path a quota command works on; the quota tree itself and the root take none. */
function quotaTarget(command: string, args: ParsedArgs): string {
  const path = arg(args, 0)
  if (path === QUOTA_ROOT || path.startsWith(`${QUOTA_ROOT}/`)) throw new CliError(`cannot ${command === 'setquota' ? 'set' : 'use'} a quota under the path: ${QUOTA_ROOT}`)
  if (path === '/') throw new CliError(`${command}: the root has no quota; give the path of a node below it`)
  return path
}

/** zkCli's warnings when the subtree is already over a limit just set. */
function warnOverLimit(ctx: CommandContext, limits: Stats, stats: Stats): void {
  const over = (soft: string, hard: string, used: bigint): boolean => {
    const s = statValue(limits, soft)
    const h = statValue(limits, hard)
    return (s > -1n && s < used) || (h > -1n && h < used)
  }
  const count = statValue(stats, 'count')
  const bytes = statValue(stats, 'bytes')
  if (over('count', 'countHardLimit', count)) ctx.out(`[Warning]: the count quota you create is less than the existing count:${count}\n`)
  if (over('bytes', 'byteHardLimit', bytes)) ctx.out(`[Warning]: the bytes quota you create is less than the existing bytes:${bytes}\n`)
}

/** A StatsTrack as JSON: numbers where they fit, else decimal strings. */
function statsJson(stats: Stats): Record<string, number | string> {
  return Object.fromEntries([...stats].map(([k, v]) => [k, Number.isSafeInteger(Number(v)) ? Number(v) : v.toString()]))
}

const setquota: Command = {
  name: 'setquota',
  usage: '-n|-b|-N|-B val path',
  summary: 'limit the nodes (-n soft, -N hard) or data bytes (-b soft, -B hard) of a subtree; hard limits need the server\'s enforceQuota',
  flags: { n: 'value', b: 'value', N: 'value', B: 'value' },
  minArgs: 1,
  maxArgs: 1,
  pathArgs: [0],
  async run(ctx, args) {
    const flag = quotaFlag('setquota', args, true)!
    const value = quotaValue(flag, args.flags.get(flag))
    const path = quotaTarget('setquota', args)
    const zk = await ctx.session.zk(ctx.signal)
    const call = ctx.session.call(ctx.signal)
    if ((await zk.exists(path, call)) === null) throw new CliError(`${path} does not exist; a quota is set on an existing node (create it first)`)
    await checkNoNestedQuota(zk, path, call)
    await ensureNode(zk, '/zookeeper', call)
    await ensureNode(zk, QUOTA_ROOT, call)
    let dir = QUOTA_ROOT
    for (const part of path.split('/').filter((p) => p !== '')) await ensureNode(zk, (dir = `${dir}/${part}`), call)
    const limitPath = `${dir}/${LIMIT_NODE}`
    const statPath = `${dir}/${STAT_NODE}`
    const { key } = QUOTA_FLAGS[flag]
    const limits = await readStats(zk, limitPath, call)
    if (limits === null) {
      // zkCli writes all four keys, -1 for the limits not given.
      const fresh: Stats = new Map([['count', -1n], ['bytes', -1n], ['countHardLimit', -1n], ['byteHardLimit', -1n]])
      fresh.set(key, value)
      // One transaction, so no quota is ever left without its stats node (listquota reads both).
      // The server fills the stats node with the subtree's size as it creates it.
      await zk.multi(
        [
          { type: 'create', path: limitPath, data: formatStats(fresh), acl: Acls.open },
          { type: 'create', path: statPath, data: 'count=0,bytes=0', acl: Acls.open },
        ],
        call,
      )
      const [limitsNow, statsNow] = await Promise.all([readStats(zk, limitPath, call), readStats(zk, statPath, call)])
      if (limitsNow !== null && statsNow !== null) warnOverLimit(ctx, limitsNow, statsNow)
      return
    }
    limits.set(key, value)
    let stats = await readStats(zk, statPath, call)
    if (stats === null) {
      // A stats node lost (a tool stopped half-way): made again, and filled by the server.
      await ensureNode(zk, statPath, call)
      stats = (await readStats(zk, statPath, call)) ?? new Map()
    }
    warnOverLimit(ctx, limits, stats)
    await zk.setData(limitPath, formatStats(limits), call)
  },
}

const listquota: Command = {
  name: 'listquota',
  usage: 'path',
  summary: 'print the quota of a node and what its subtree uses (count and bytes)',
  json: true,
  minArgs: 1,
  maxArgs: 1,
  pathArgs: [0],
  async run(ctx, args) {
    const path = quotaTarget('listquota', args)
    const limitPath = `${quotaDir(path)}/${LIMIT_NODE}`
    const zk = await ctx.session.zk(ctx.signal)
    const call = ctx.session.call(ctx.signal)
    if (!ctx.json) ctx.err(`absolute path is ${limitPath}\n`)
    const [limits, stats] = await Promise.all([readStats(zk, limitPath, call), readStats(zk, `${quotaDir(path)}/${STAT_NODE}`, call)])
    if (limits === null || stats === null) throw new CliError(`quota for ${path} does not exist. (setquota sets one)`)
    if (ctx.json) ctx.out(jsonText({ path, quota: statsJson(limits), stat: statsJson(stats) }))
    else ctx.out(`Output quota for ${path} ${formatStats(limits)}\nOutput stat for ${path} ${formatStats(stats)}\n`)
  },
}

const delquota: Command = {
  name: 'delquota',
  usage: '[-n|-b|-N|-B] path',
  summary: 'delete the quota of a node, or with a flag only that limit (-n, -b soft; -N, -B hard)',
  flags: { n: 'flag', b: 'flag', N: 'flag', B: 'flag' },
  minArgs: 1,
  maxArgs: 1,
  pathArgs: [0],
  async run(ctx, args) {
    const flag = quotaFlag('delquota', args, false)
    const path = quotaTarget('delquota', args)
    const dir = quotaDir(path)
    const limitPath = `${dir}/${LIMIT_NODE}`
    const zk = await ctx.session.zk(ctx.signal)
    const call = ctx.session.call(ctx.signal)
    const limits = await readStats(zk, limitPath, call)
    if (limits === null) throw new CliError(`Quota does not exist for ${path} (listquota shows a node's quota)`)
    if (flag !== null) {
      // As zkCli: the limit becomes -1 (none); the others stay.
      limits.set(QUOTA_FLAGS[flag].key, -1n)
      await zk.setData(limitPath, formatStats(limits), call)
      return
    }
    const quiet = async (p: string): Promise<boolean> => {
      try {
        await zk.delete(p, call)
        return true
      } catch (error) {
        if (error instanceof NoNodeError) return true
        if (error instanceof NotEmptyError) return false
        throw error
      }
    }
    // The limits first: the quota ends there; then its stats, then directories left empty.
    await quiet(limitPath)
    await quiet(`${dir}/${STAT_NODE}`)
    for (let d = dir; d !== QUOTA_ROOT && d.startsWith(`${QUOTA_ROOT}/`); d = d.slice(0, d.lastIndexOf('/'))) {
      const { children } = await zk.getChildren(d, call).catch((error: unknown) => {
        if (error instanceof NoNodeError) return { children: [] as string[] }
        throw error
      })
      if (children.length > 0 || !(await quiet(d))) break
    }
  },
}

/** The quota commands. */
export const quotaCommands: readonly Command[] = [setquota, listquota, delquota]
