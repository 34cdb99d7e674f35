/**
 * `dump` and `load`: a subtree exported to JSON (data, ACL and kind of every node) and imported
 * again, here or under another path, e.g. to copy configuration between ensembles.
 */
import { readFile, writeFile } from 'node:fs/promises'
import { resolve } from 'node:path'
import { type ACL, type CreateModeName, NodeExistsError, type ZooKeeperClient, ancestorsOf, validatePath } from '../index.js'
import { UsageError } from './args.js'
import { type Command, type CommandContext, arg } from './command.js'
import { aclJson, dataFromJson, dataJson, parseAcl } from './format.js'
import { CliError } from './session.js'
import { walkTree } from './walk.js'

/** The dump format's marker and version. */
const FORMAT = 'zkwire-dump'

/** One node in a dump. */
export interface DumpedNode {
  path: string
  data: string
  encoding: 'utf8' | 'base64'
  acl: { scheme: string; id: string; perms: string }[]
  /** `persistent`, `container`, `ttl` (with `ttl` ms) or `ephemeral` (not loaded back: it belonged to a session). */
  kind: 'persistent' | 'container' | 'ttl' | 'ephemeral'
  ttl?: number
}

/** A dump file. */
export interface Dump {
  format: typeof FORMAT
  version: 1
  root: string
  nodes: DumpedNode[]
}

/**
 * The kind of a node from its Stat. Servers report containers and TTL nodes with an ephemeralOwner
 * of 0 (DataTree hides the special owners), so they dump as persistent; a dump edited by hand may
 * still say `container` or `ttl` (with `ttl` ms) and is loaded as such.
 */
function kindOf(owner: bigint): { kind: DumpedNode['kind'] } {
  return { kind: owner === 0n ? 'persistent' : 'ephemeral' }
}

const dump: Command = {
  name: 'dump',
  usage: 'path [file]',
  summary: 'export a subtree (data, ACLs, node kinds) as JSON to a file or stdout (dump /app > app.json)',
  minArgs: 1,
  maxArgs: 2,
  pathArgs: [0],
  async run(ctx, args) {
    const root = arg(args, 0)
    const zk = await ctx.session.zk(ctx.signal)
    const call = ctx.session.call(ctx.signal)
    const tree = await walkTree(zk, root, { ...call, data: true })
    const nodes: DumpedNode[] = []
    // ZooKeeper's own /zookeeper (quotas, config) is not application data: a load could not recreate it.
    const system = zk.chrootPath === '' ? (p: string) => p === '/zookeeper' || p.startsWith('/zookeeper/') : () => false
    const ordered = [...tree.preorder()].filter((n) => !system(n.path))
    const acls = await Promise.all(ordered.map((n) => zk.getACL(n.path, call).then((r) => r.acl, () => null)))
    ordered.forEach((n, i) => {
      if (acls[i] === null) return // deleted meanwhile
      nodes.push({ path: n.path, ...dataJson(n.data!), acl: aclJson(acls[i]!), ...kindOf(n.stat.ephemeralOwner) })
    })
    const text = `${JSON.stringify({ format: FORMAT, version: 1, root, nodes } satisfies Dump, null, 2)}\n`
    const file = args.positional[1]
    if (file === undefined) ctx.out(text)
    else {
      await writeFile(resolve(ctx.cwd, file), text)
      ctx.err(`Dumped ${nodes.length} nodes of ${root} to ${file}\n`)
    }
  },
}

/** Reads and checks a dump file; throws CliError saying what is wrong with it. */
export function parseDump(text: string, file: string): Dump {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (error) {
    throw new CliError(`${file} is not JSON: ${(error as Error).message}`)
  }
  const d = value as Partial<Dump> | null
  if (d === null || typeof d !== 'object' || d.format !== FORMAT || d.version !== 1 || typeof d.root !== 'string' || !Array.isArray(d.nodes)) {
    throw new CliError(`${file} is not a zkwire dump (expected { "format": "${FORMAT}", "version": 1, "root", "nodes": [...] })`)
  }
  for (const [i, n] of d.nodes.entries()) {
    const ok = n !== null && typeof n === 'object' && typeof n.path === 'string' && typeof n.data === 'string' && Array.isArray(n.acl) && (n.path === d.root || n.path.startsWith(d.root === '/' ? '/' : `${d.root}/`))
    if (!ok) throw new CliError(`${file}: node #${i} is malformed or outside the dump's root ${d.root}`)
  }
  return d as Dump
}

function target(path: string, from: string, to: string): string {
  if (path === from) return to
  const rest = from === '/' ? path : path.slice(from.length)
  return to === '/' ? rest : `${to}${rest}`
}

async function ensureParents(zk: ZooKeeperClient, path: string, call: { signal: AbortSignal; timeout: number }): Promise<void> {
  for (const ancestor of ancestorsOf(path)) {
    await zk.create(ancestor, null, call).catch((error: unknown) => {
      if (!(error instanceof NodeExistsError)) throw error
    })
  }
}

async function load(ctx: CommandContext, file: string, to: string | undefined, overwrite: boolean, keepAcl: boolean): Promise<void> {
  const d = parseDump(await readFile(resolve(ctx.cwd, file), 'utf8').catch((e: Error) => Promise.reject(new CliError(`cannot read ${file}: ${e.message}`))), file)
  const root = to ?? d.root
  validatePath(root)
  const nodes = d.nodes.filter((n) => n.kind !== 'ephemeral').map((n) => ({ ...n, path: target(n.path, d.root, root) }))
  const prepared = nodes.map((n) => {
    validatePath(n.path)
    // A reader without ADMIN permission gets digest ids as `user:x` (the server hides the hash):
    // loading that would lock everyone out of the copy.
    const hidden = keepAcl ? n.acl.find((a) => a.scheme === 'digest' && a.id.endsWith(':x')) : undefined
    if (hidden !== undefined) {
      throw new CliError(`${file}: the ACL of ${n.path} has the digest ${hidden.id}, which the server hid because the dumping session lacked ADMIN permission; dump again with credentials that have it (-auth), or load with -A to ignore the ACLs`)
    }
    let acl: ACL[] | undefined
    try {
      acl = keepAcl && n.acl.length > 0 ? parseAcl(n.acl.map((a) => `${a.scheme}:${a.id}:${a.perms}`).join(',')) : undefined
    } catch (error) {
      throw new CliError(`${file}: ACL of ${n.path}: ${(error as Error).message}`)
    }
    return { ...n, bytes: dataFromJson(n.data, n.encoding), acl, depth: n.path === '/' ? 0 : n.path.split('/').length - 1 }
  })
  const zk = await ctx.session.zk(ctx.signal)
  const call = ctx.session.call(ctx.signal)
  const existing = await Promise.all(prepared.map((n) => zk.exists(n.path, call)))
  const clashes = prepared.filter((_, i) => existing[i] !== null)
  if (clashes.length > 0 && !overwrite) {
    const some = clashes.slice(0, 3).map((n) => n.path).join(', ')
    throw new CliError(`${clashes.length} node(s) already exist (${some}${clashes.length > 3 ? ', ...' : ''}); nothing was written. Use load -o to overwrite their data`)
  }
  if (prepared.length > 0) await ensureParents(zk, prepared[0]!.path, call)
  // Level by level: parents before children, and the nodes of one level in flight together.
  const depths = [...new Set(prepared.map((n) => n.depth))].sort((a, b) => a - b)
  let created = 0
  let updated = 0
  for (const depth of depths) {
    await Promise.all(
      prepared
        .filter((n) => n.depth === depth)
        .map(async (n) => {
          if (existing[prepared.indexOf(n)] !== null) {
            await zk.setData(n.path, n.bytes, call)
            updated++
            return
          }
          const mode: CreateModeName = n.kind === 'container' ? 'container' : n.kind === 'ttl' ? 'persistentWithTtl' : 'persistent'
          await zk.create(n.path, n.bytes, { ...call, mode, ...(n.kind === 'ttl' ? { ttl: n.ttl } : {}), ...(n.acl === undefined ? {} : { acl: n.acl }) })
          created++
        }),
    )
  }
  ctx.err(`Loaded ${file} into ${root}: ${created} created, ${updated} updated${d.nodes.length > nodes.length ? `, ${d.nodes.length - nodes.length} ephemeral skipped` : ''}\n`)
}

const loadCommand: Command = {
  name: 'load',
  usage: '[-o] [-A] file [path]',
  summary: "import a dump under path (default: the dump's root); -o overwrite existing nodes' data, -A ignore the dumped ACLs",
  flags: { o: 'flag', A: 'flag' },
  minArgs: 1,
  maxArgs: 2,
  pathArgs: [1],
  async run(ctx, args) {
    const to = args.positional[1]
    if (to !== undefined && !to.startsWith('/')) throw new UsageError(`load: the target must be an absolute path, got ${JSON.stringify(to)}`)
    await load(ctx, arg(args, 0), to, args.flags.has('o'), !args.flags.has('A'))
  },
}

/** `dump` and `load`. */
export const dumpCommands: readonly Command[] = [dump, loadCommand]

