/**
 * zkCli's node commands: ls, get, set, create, delete, deleteall, stat, sync, getAllChildrenNumber,
 * getEphemerals, with zkCli's flags and output (and `--json` on the reads).
 */
import { type CreateModeName, NoNodeError, type Stat } from '../index.js'
import { type ParsedArgs, UsageError, intFlag } from './args.js'
import { type Command, type CommandContext, arg } from './command.js'
import { childrenText, dataJson, hexDump, jsonText, parseAcl, statJson, statText } from './format.js'
import { CliError } from './session.js'
import { Unreadable, walkTree } from './walk.js'

/**
 * zkCli 3.4's `ls path watch` (and get, stat): any second argument means -w, with zkCli's
 * deprecation notice on stderr.
 */
function legacyWatch(ctx: CommandContext, args: ParsedArgs, name: string): void {
  if (args.positional.length < 2) return
  ctx.err(`'${name} path [watch]' has been deprecated. Please use '${name} [-w] path' instead.\n`)
  args.flags.set('w', true)
}

/** Prints `value` as JSON when asked, else `text()`. */
function emit(ctx: CommandContext, value: () => unknown, text: () => string): void {
  ctx.out(ctx.json ? jsonText(value()) : text())
}

const ls: Command = {
  name: 'ls',
  usage: '[-s] [-w] [-R] path',
  summary: 'list the children of a node (-s with its Stat, -w leave a watch, -R the whole subtree)',
  flags: { s: 'flag', w: 'flag', R: 'flag' },
  json: true,
  minArgs: 1,
  maxArgs: 2,
  pathArgs: [0],
  async run(ctx, args) {
    legacyWatch(ctx, args, 'ls')
    const path = arg(args, 0)
    const zk = await ctx.session.zk(ctx.signal)
    const call = ctx.session.call(ctx.signal)
    const watcher = args.flags.has('w') ? ctx.session.printingWatcher : undefined
    if (args.flags.has('R')) {
      const unreadable = new Unreadable()
      const tree = await walkTree(zk, path, { ...call, ...(watcher === undefined ? {} : { watcher }), onUnreadable: unreadable.onUnreadable })
      ctx.after(() => unreadable.check((m) => new CliError(m)))
      const paths = [...tree.zkCliOrder()].map((n) => n.path)
      emit(ctx, () => ({ path, paths }), () => paths.map((p) => `${p}\n`).join(''))
      return
    }
    const { children, stat } = await zk.getChildren(path, watcher === undefined ? call : { ...call, watcher })
    const sorted = [...children].sort()
    emit(
      ctx,
      () => ({ path, children: sorted, ...(args.flags.has('s') ? { stat: statJson(stat) } : {}) }),
      () => childrenText(children) + (args.flags.has('s') ? statText(stat) : ''),
    )
  },
}

const get: Command = {
  name: 'get',
  usage: '[-s] [-w] [-b] [-x] path',
  summary: 'print the data of a node (-s with its Stat, -w leave a watch, -b base64, -x hex dump)',
  flags: { s: 'flag', w: 'flag', b: 'flag', x: 'flag' },
  json: true,
  minArgs: 1,
  maxArgs: 2,
  pathArgs: [0],
  async run(ctx, args) {
    legacyWatch(ctx, args, 'get')
    const path = arg(args, 0)
    const zk = await ctx.session.zk(ctx.signal)
    const call = ctx.session.call(ctx.signal)
    const { data, stat } = await zk.getData(path, args.flags.has('w') ? { ...call, watcher: ctx.session.printingWatcher } : call)
    const text = args.flags.has('x') ? hexDump(data) : args.flags.has('b') ? data.toString('base64') : data.toString('utf8')
    emit(ctx, () => ({ path, ...dataJson(data), stat: statJson(stat) }), () => `${text}\n${args.flags.has('s') ? statText(stat) : ''}`)
  },
}

const set: Command = {
  name: 'set',
  usage: '[-s] [-v version] [-b] path data',
  summary: 'replace the data of a node (-v only at that version, -s print the new Stat, -b data in base64)',
  flags: { s: 'flag', v: 'value', b: 'flag' },
  minArgs: 2,
  maxArgs: 2,
  pathArgs: [0],
  async run(ctx, args) {
    const version = intFlag(args, 'v', -1, -1)
    const raw = arg(args, 1)
    const data = args.flags.has('b') ? Buffer.from(raw, 'base64') : raw
    const zk = await ctx.session.zk(ctx.signal)
    const stat = await zk.setData(arg(args, 0), data, { ...ctx.session.call(ctx.signal), version })
    if (args.flags.has('s')) ctx.out(statText(stat))
  },
}

/** zkCli's create flags to a mode, with its messages for the combinations it refuses. */
function createMode(e: boolean, s: boolean, c: boolean, t: boolean): CreateModeName {
  if (c && (e || s)) throw new UsageError('-c cannot be combined with -s or -e. Containers cannot be ephemeral or sequential.')
  if (t && e) throw new UsageError('TTLs cannot be used with Ephemeral znodes')
  if (t && c) throw new UsageError('TTLs cannot be used with Container znodes')
  if (e) return s ? 'ephemeralSequential' : 'ephemeral'
  if (s) return t ? 'persistentSequentialWithTtl' : 'persistentSequential'
  if (c) return 'container'
  return t ? 'persistentWithTtl' : 'persistent'
}

const create: Command = {
  name: 'create',
  usage: '[-s] [-e] [-c] [-t ttl] path [data] [acl]',
  summary: 'create a node (-s sequential, -e ephemeral, -c container, -t TTL in ms); acl as scheme:id:perms,...',
  flags: { s: 'flag', e: 'flag', c: 'flag', t: 'value' },
  minArgs: 1,
  maxArgs: 3,
  pathArgs: [0],
  async run(ctx, args) {
    const t = args.flags.get('t')
    if (t !== undefined && (t === true || !/^\d+$/.test(t))) throw new UsageError('-t argument must be a long value')
    const mode = createMode(args.flags.has('e'), args.flags.has('s'), args.flags.has('c'), t !== undefined)
    const acl = args.positional[2] === undefined ? undefined : parseAclArg(args.positional[2])
    const zk = await ctx.session.zk(ctx.signal)
    const result = await zk.create(arg(args, 0), args.positional[1] ?? null, {
      ...ctx.session.call(ctx.signal),
      mode,
      ...(t === undefined ? {} : { ttl: Number(t) }),
      ...(acl === undefined ? {} : { acl }),
    })
    // zkCli writes this confirmation to stderr, so stdout stays clean for scripts.
    ctx.err(`Created ${result.path}\n`)
  },
}

/** An ACL argument, with zkCli's format in the error. */
export function parseAclArg(text: string): ReturnType<typeof parseAcl> {
  try {
    return parseAcl(text)
  } catch (error) {
    throw new UsageError((error as Error).message)
  }
}

const del: Command = {
  name: 'delete',
  usage: '[-v version] path',
  summary: 'delete a node without children (-v only at that version)',
  flags: { v: 'value' },
  minArgs: 1,
  maxArgs: 1,
  pathArgs: [0],
  async run(ctx, args) {
    const version = intFlag(args, 'v', -1, -1)
    const zk = await ctx.session.zk(ctx.signal)
    await zk.delete(arg(args, 0), { ...ctx.session.call(ctx.signal), version })
  },
}

const deleteall: Command = {
  name: 'deleteall',
  usage: 'path [-b batch size]',
  summary: 'delete a node and its whole subtree (-b nodes per multi, default 1000)',
  flags: { b: 'value' },
  minArgs: 1,
  maxArgs: 1,
  pathArgs: [0],
  async run(ctx, args) {
    const batch = intFlag(args, 'b', 1000, 1)
    const zk = await ctx.session.zk(ctx.signal)
    const call = ctx.session.call(ctx.signal)
    const tree = await walkTree(zk, arg(args, 0), call)
    // Leaves first, as ZKUtil.deleteRecursive: the reverse of a breadth-first listing.
    const order = [...tree.nodes.values()].sort((a, b) => b.depth - a.depth).map((n) => n.path)
    let failed = false
    for (let i = 0; i < order.length; i += batch) {
      const ops = order.slice(i, i + batch).map((path) => ({ type: 'delete' as const, path }))
      try {
        await zk.multi(ops, call)
      } catch (error) {
        // A node deleted by someone else meanwhile fails its batch; delete that batch one by one.
        if (!(error instanceof NoNodeError) && (error as { opIndex?: number }).opIndex === undefined) throw error
        for (const op of ops) {
          await zk.delete(op.path, call).catch((e: unknown) => {
            if (!(e instanceof NoNodeError)) failed = true
          })
        }
      }
    }
    if (failed) throw new CliError('Failed to delete some node(s) in the subtree!')
  },
}

const stat: Command = {
  name: 'stat',
  usage: '[-w] path',
  summary: 'print the Stat of a node (-w leave a watch)',
  flags: { w: 'flag' },
  json: true,
  minArgs: 1,
  maxArgs: 2,
  pathArgs: [0],
  async run(ctx, args) {
    legacyWatch(ctx, args, 'stat')
    const path = arg(args, 0)
    const zk = await ctx.session.zk(ctx.signal)
    const call = ctx.session.call(ctx.signal)
    const result: Stat | null = await zk.exists(path, args.flags.has('w') ? { ...call, watcher: ctx.session.printingWatcher } : call)
    if (result === null) throw new NoNodeError({ path, operation: 'exists' })
    emit(ctx, () => ({ path, stat: statJson(result) }), () => statText(result))
  },
}

const sync: Command = {
  name: 'sync',
  usage: 'path',
  summary: 'make the connected server catch up with the leader',
  minArgs: 1,
  maxArgs: 1,
  pathArgs: [0],
  async run(ctx, args) {
    const zk = await ctx.session.zk(ctx.signal)
    await zk.sync(arg(args, 0), ctx.session.call(ctx.signal))
    ctx.out('Sync is OK\n')
  },
}

const getAllChildrenNumber: Command = {
  name: 'getAllChildrenNumber',
  usage: 'path',
  summary: 'count all descendants of a node (ZooKeeper 3.6+)',
  json: true,
  minArgs: 1,
  maxArgs: 1,
  pathArgs: [0],
  async run(ctx, args) {
    const path = arg(args, 0)
    const zk = await ctx.session.zk(ctx.signal)
    const n = await zk.getAllChildrenNumber(path, ctx.session.call(ctx.signal))
    emit(ctx, () => ({ path, count: n }), () => `${n}\n`)
  },
}

const getEphemerals: Command = {
  name: 'getEphemerals',
  usage: 'path',
  summary: "list this session's ephemeral nodes under a path (ZooKeeper 3.6+)",
  json: true,
  maxArgs: 1,
  pathArgs: [0],
  async run(ctx, args) {
    const zk = await ctx.session.zk(ctx.signal)
    const prefix = args.positional[0] ?? '/'
    const paths = await zk.getEphemerals(prefix, ctx.session.call(ctx.signal))
    // zkCli prints java.util.List.toString(): [a, b]
    emit(ctx, () => ({ prefix, paths }), () => `[${paths.join(', ')}]\n`)
  },
}

/** The node commands. */
export const nodeCommands: readonly Command[] = [ls, get, set, create, del, deleteall, stat, sync, getAllChildrenNumber, getEphemerals]
