/**
 * Views zkCli lacks: `tree` (the subtree drawn), `find` (paths matching a pattern), `grep` (nodes
 * whose data contains a text) and `du` (node counts and data sizes per subtree).
 */
import { basename } from '../index.js'
import { type ParsedArgs, UsageError, intFlag } from './args.js'
import { type Command, type CommandContext, arg } from './command.js'
import { jsonText } from './format.js'
import { CliError } from './session.js'
import { Unreadable, type WalkedNode, type WalkedTree, walkTree } from './walk.js'

/** Walks for a view; nodes it may not read are left out, and reported once the view is printed. */
async function walk(ctx: CommandContext, path: string, options: { data?: boolean; maxDepth?: number } = {}): Promise<WalkedTree> {
  const zk = await ctx.session.zk(ctx.signal)
  const unreadable = new Unreadable()
  const tree = await walkTree(zk, path, { ...ctx.session.call(ctx.signal), ...options, onUnreadable: unreadable.onUnreadable })
  ctx.after(() => unreadable.check((m) => new CliError(m)))
  return tree
}

function depthFlag(args: ParsedArgs): number | undefined {
  const d = intFlag(args, 'd', -1, 0)
  return d === -1 ? undefined : d
}

interface TreeJson {
  name: string
  path: string
  numChildren: number
  children: TreeJson[]
}

const tree: Command = {
  name: 'tree',
  usage: '[-d depth] [path]',
  summary: 'draw the subtree of a node (default /), at most depth levels deep',
  flags: { d: 'value' },
  json: true,
  maxArgs: 1,
  pathArgs: [0],
  async run(ctx, args) {
    const root = args.positional[0] ?? '/'
    const t = await walk(ctx, root, { maxDepth: depthFlag(args) })
    const rootNode = t.nodes.get(root)!
    if (ctx.json) {
      const toJson = (n: WalkedNode): TreeJson => ({ name: basename(n.path), path: n.path, numChildren: n.stat.numChildren, children: t.childrenOf(n).map(toJson) })
      ctx.out(jsonText(toJson(rootNode)))
      return
    }
    const out: string[] = [root]
    const draw = (node: WalkedNode, prefix: string): void => {
      const children = t.childrenOf(node)
      children.forEach((child, i) => {
        const last = i === children.length - 1
        // A node at the depth limit with children of its own says how many are not shown.
        const hidden = t.childrenOf(child).length === 0 && child.stat.numChildren > 0 ? ` (${child.stat.numChildren} more)` : ''
        out.push(`${prefix}${last ? '└── ' : '├── '}${basename(child.path)}${hidden}`)
        draw(child, prefix + (last ? '    ' : '│   '))
      })
    }
    draw(rootNode, '')
    ctx.out(`${out.join('\n')}\n`)
  },
}

/** A find/grep pattern: a regular expression (`-i` case-insensitive). */
function regex(text: string, insensitive: boolean): RegExp {
  try {
    return new RegExp(text, insensitive ? 'i' : '')
  } catch (error) {
    throw new UsageError(`invalid pattern ${JSON.stringify(text)}: ${(error as Error).message}`)
  }
}

const find: Command = {
  name: 'find',
  usage: '[-i] [-d depth] path pattern',
  summary: 'print the paths under path that match a regular expression (-i ignore case)',
  flags: { i: 'flag', d: 'value' },
  json: true,
  minArgs: 2,
  maxArgs: 2,
  pathArgs: [0],
  async run(ctx, args) {
    const pattern = regex(arg(args, 1), args.flags.has('i'))
    const t = await walk(ctx, arg(args, 0), { maxDepth: depthFlag(args) })
    const paths = [...t.preorder()].map((n) => n.path).filter((p) => pattern.test(p))
    ctx.out(ctx.json ? jsonText({ paths }) : paths.map((p) => `${p}\n`).join(''))
  },
}

const grep: Command = {
  name: 'grep',
  usage: '[-i] [-l] [-F] path text',
  summary: 'print the data lines under path that contain text, as path: line (-l paths only, -F text not a regular expression, -i ignore case)',
  flags: { i: 'flag', l: 'flag', F: 'flag' },
  json: true,
  minArgs: 2,
  maxArgs: 2,
  pathArgs: [0],
  async run(ctx, args) {
    const text = arg(args, 1)
    const pattern = regex(args.flags.has('F') ? text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&') : text, args.flags.has('i'))
    const t = await walk(ctx, arg(args, 0), { data: true })
    const matches: { path: string; lines: string[] }[] = []
    for (const node of t.preorder()) {
      const found = (node.data ?? Buffer.alloc(0)).toString('utf8').split('\n').filter((l) => pattern.test(l))
      if (found.length > 0) matches.push({ path: node.path, lines: found })
    }
    if (ctx.json) ctx.out(jsonText({ matches }))
    else if (args.flags.has('l')) ctx.out(matches.map((m) => `${m.path}\n`).join(''))
    else ctx.out(matches.flatMap((m) => m.lines.map((l) => `${m.path}: ${l}\n`)).join(''))
  },
}

const du: Command = {
  name: 'du',
  usage: '[-d depth] [path]',
  summary: 'print data bytes and node counts of each subtree (default: path and its children)',
  flags: { d: 'value' },
  json: true,
  maxArgs: 1,
  pathArgs: [0],
  async run(ctx, args) {
    const root = args.positional[0] ?? '/'
    const depth = depthFlag(args) ?? 1
    const t = await walk(ctx, root)
    const totals = new Map<string, { bytes: number; nodes: number }>()
    const sum = (n: WalkedNode): { bytes: number; nodes: number } => {
      const total = { bytes: n.stat.dataLength, nodes: 1 }
      for (const c of t.childrenOf(n)) {
        const s = sum(c)
        total.bytes += s.bytes
        total.nodes += s.nodes
      }
      totals.set(n.path, total)
      return total
    }
    sum(t.nodes.get(root)!)
    // Post-order, as du: each subtree's lines before its total.
    const rows: { path: string; bytes: number; nodes: number }[] = []
    const visit = (n: WalkedNode): void => {
      if (n.depth < depth) for (const c of t.childrenOf(n)) visit(c)
      rows.push({ path: n.path, ...totals.get(n.path)! })
    }
    visit(t.nodes.get(root)!)
    if (ctx.json) ctx.out(jsonText({ entries: rows }))
    else ctx.out(rows.map((r) => `${String(r.bytes).padStart(10)} ${String(r.nodes).padStart(8)}  ${r.path}\n`).join(''))
  },
}

/** The tree views. */
export const viewCommands: readonly Command[] = [tree, find, grep, du]
