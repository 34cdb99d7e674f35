/**
 * Watches from the shell: zkCli's addWatch, removewatches and printwatches, and `watch`, which
 * follows a node's data or children live until Ctrl-C.
 */
import { type StateChange, type Stat, type WatchedEvent, type WatcherTypeName, ZooKeeperError } from '../index.js'
import { type ParsedArgs, UsageError, intFlag } from './args.js'
import { type Command, type CommandContext, arg, usageOf } from './command.js'
import { childrenText, compareNames, dataJson } from './format.js'

const addWatch: Command = {
  name: 'addWatch',
  usage: '[-m mode] path # optional mode is one of [PERSISTENT, PERSISTENT_RECURSIVE] - default is PERSISTENT_RECURSIVE',
  summary: 'set a persistent watch whose events are printed (ZooKeeper 3.6+)',
  flags: { m: 'value' },
  minArgs: 1,
  maxArgs: 1,
  pathArgs: [0],
  async run(ctx, args) {
    const mode = String(args.flags.get('m') ?? 'PERSISTENT_RECURSIVE').toUpperCase()
    if (mode !== 'PERSISTENT' && mode !== 'PERSISTENT_RECURSIVE') throw new UsageError(usageOf(addWatch))
    const zk = await ctx.session.zk(ctx.signal)
    await zk.addWatch(arg(args, 0), { ...ctx.session.call(ctx.signal), recursive: mode === 'PERSISTENT_RECURSIVE', listener: ctx.session.printingWatcher })
  },
}

const removewatches: Command = {
  name: 'removewatches',
  usage: 'path [-c|-d|-a|-p|-r] [-l]',
  summary: 'remove watches of a node (-c child, -d data, -p persistent, -r recursive, -a any; -l also without a server)',
  flags: { c: 'flag', d: 'flag', a: 'flag', p: 'flag', r: 'flag', l: 'flag' },
  minArgs: 1,
  maxArgs: 1,
  pathArgs: [0],
  async run(ctx, args) {
    const f = args.flags
    // zkCli's precedence when several are given.
    const type: WatcherTypeName = f.has('c') ? 'children' : f.has('d') ? 'data' : f.has('p') ? 'persistent' : f.has('r') ? 'persistentRecursive' : 'any'
    const zk = await ctx.session.zk(ctx.signal)
    await zk.removeWatches(arg(args, 0), type, { ...ctx.session.call(ctx.signal), local: f.has('l') })
  },
}

const printwatches: Command = {
  name: 'printwatches',
  usage: 'on|off',
  summary: 'print watch events (on) or not (off)',
  maxArgs: 1,
  async run(ctx, args) {
    const value = args.positional[0]
    if (value === undefined) ctx.out(`printwatches is ${ctx.session.printWatches ? 'on' : 'off'}\n`)
    else ctx.session.printWatches = value === 'on'
  },
}

/** What `watch` last printed, to print a resynchronised value only when it changed. */
interface Seen {
  version: number | null
  children?: string
}

/** Resolves with the event, or with null when the signal aborts first. */
function untilAborted(changed: Promise<WatchedEvent>, signal: AbortSignal): Promise<WatchedEvent | null> {
  if (signal.aborted) return Promise.resolve(null)
  return new Promise((resolve) => {
    const onAbort = (): void => resolve(null)
    signal.addEventListener('abort', onAbort, { once: true })
    void changed.then((event) => {
      signal.removeEventListener('abort', onAbort)
      resolve(event)
    })
  })
}

function line(ctx: CommandContext, label: string, path: string, fields: { stat?: Stat | null; data?: Buffer; children?: string[] }): void {
  const { stat, data, children } = fields
  if (ctx.json) {
    const value: Record<string, unknown> = { event: label, path, exists: stat !== null && stat !== undefined, time: new Date().toISOString() }
    if (stat) value.version = children === undefined ? stat.version : stat.cversion
    if (data !== undefined) Object.assign(value, dataJson(data))
    if (children !== undefined) value.children = children
    ctx.out(`${JSON.stringify(value)}\n`)
    return
  }
  if (!stat) return ctx.out(`${label} ${path} (does not exist)\n`)
  if (children !== undefined) return ctx.out(`${label} ${path} cversion=${stat.cversion} ${childrenText(children)}`)
  ctx.out(`${label} ${path} version=${stat.version}: ${data?.toString('utf8') ?? ''}\n`)
}

/**
 * One read with a one-shot watch: the data (or children) and the watch, or the node's absence and
 * an exists watch that fires when it is created.
 */
async function readWatched(ctx: CommandContext, path: string, children: boolean): Promise<{ stat: Stat | null; data?: Buffer; children?: string[]; changed: Promise<WatchedEvent> }> {
  const zk = await ctx.session.zk(ctx.signal, { forever: true })
  const call = { signal: ctx.signal }
  for (;;) {
    try {
      if (!children) return await zk.watchData(path, call)
      const r = await zk.watchChildren(path, call)
      return { stat: r.stat, children: [...r.children].sort(compareNames), changed: r.changed }
    } catch (error) {
      if (!(error instanceof ZooKeeperError && error.code === 'NONODE')) throw error
    }
    // Absent: an exists watch reports its creation. Created in between: read it again.
    const probe = await zk.watchExists(path, call)
    if (probe.stat === null) return probe
  }
}

async function follow(ctx: CommandContext, args: ParsedArgs): Promise<void> {
  const path = arg(args, 0)
  const children = args.flags.has('c')
  const limit = intFlag(args, 'n', 0, 0)
  // Say when the follow is blind (suspended, lost) and when it sees again.
  const zk = await ctx.session.zk(ctx.signal, { forever: true })
  const onState = (change: StateChange): void => {
    if (ctx.json) ctx.out(`${JSON.stringify({ event: 'state', state: change.state, reason: change.reason, time: new Date().toISOString() })}\n`)
    else ctx.out(`-- connection ${change.state}: ${change.reason}\n`)
  }
  zk.on('state', onState)
  try {
    await followLoop(ctx, path, children, limit)
  } finally {
    zk.off('state', onState)
  }
}

async function followLoop(ctx: CommandContext, path: string, children: boolean, limit: number): Promise<void> {
  const seen: Seen = { version: null }
  let label = 'Current'
  let events = 0
  while (!ctx.signal.aborted) {
    let read: Awaited<ReturnType<typeof readWatched>>
    try {
      read = await readWatched(ctx, path, children)
    } catch (error) {
      if (ctx.signal.aborted) return
      // The connection went while reading: wait for it again (the client re-arms set watches itself).
      if (error instanceof ZooKeeperError && (error.isConnectionProblem || error.code === 'SESSIONEXPIRED')) continue
      throw error
    }
    const version = read.stat === null ? null : children ? read.stat.cversion : read.stat.version
    const key = read.children?.join('/')
    if (label !== 'Resync' || version !== seen.version || key !== seen.children) {
      line(ctx, label, path, read)
      if (label !== 'Current' && ++events === limit) return
    }
    seen.version = version
    seen.children = key
    const event = await untilAborted(read.changed, ctx.signal)
    if (event === null) return
    // A final event: the session ended (expired) and its watches with it; re-read on the next one.
    label = event.type === 'None' ? 'Resync' : event.type
  }
}

const watch: Command = {
  name: 'watch',
  usage: '[-c] [-n count] path',
  summary: 'follow the data (or with -c the children) of a node live until Ctrl-C (-n stop after that many changes)',
  flags: { c: 'flag', n: 'value' },
  json: true,
  minArgs: 1,
  maxArgs: 1,
  pathArgs: [0],
  run: follow,
}

/** The watch commands. */
export const watchCommands: readonly Command[] = [addWatch, removewatches, printwatches, watch]
