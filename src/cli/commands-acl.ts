/**
 * zkCli's access commands: getAcl, setAcl, addauth, whoami.
 */
import { intFlag } from './args.js'
import { type Command, arg } from './command.js'
import { parseAclArg } from './commands-nodes.js'
import { aclJson, aclText, jsonText, statJson, statText } from './format.js'
import { walkTree } from './walk.js'

const getAcl: Command = {
  name: 'getAcl',
  usage: '[-s] path',
  summary: 'print the ACL of a node (-s with its Stat)',
  flags: { s: 'flag' },
  json: true,
  minArgs: 1,
  maxArgs: 1,
  pathArgs: [0],
  async run(ctx, args) {
    const path = arg(args, 0)
    const zk = await ctx.session.zk(ctx.signal)
    const { acl, stat } = await zk.getACL(path, ctx.session.call(ctx.signal))
    if (ctx.json) ctx.out(jsonText({ path, acl: aclJson(acl), ...(args.flags.has('s') ? { stat: statJson(stat) } : {}) }))
    else ctx.out(aclText(acl) + (args.flags.has('s') ? statText(stat) : ''))
  },
}

const setAcl: Command = {
  name: 'setAcl',
  usage: '[-s] [-v version] [-R] path acl',
  summary: 'replace the ACL of a node (-v only at that ACL version, -R the whole subtree, -s print the new Stat)',
  flags: { s: 'flag', v: 'value', R: 'flag' },
  minArgs: 2,
  maxArgs: 2,
  pathArgs: [0],
  async run(ctx, args) {
    const version = intFlag(args, 'v', -1, -1)
    const acl = parseAclArg(arg(args, 1))
    const zk = await ctx.session.zk(ctx.signal)
    const call = ctx.session.call(ctx.signal)
    if (args.flags.has('R')) {
      const tree = await walkTree(zk, arg(args, 0), call)
      for (const node of tree.preorder()) {
        // As zkCli: a node that refuses is reported and the others still get the new ACL.
        await zk.setACL(node.path, acl, { ...call, version }).catch((error: unknown) => ctx.err(`${(error as Error).name}: ${(error as Error).message}\n`))
      }
      return
    }
    const stat = await zk.setACL(arg(args, 0), acl, { ...call, version })
    if (args.flags.has('s')) ctx.out(statText(stat))
  },
}

const addauth: Command = {
  name: 'addauth',
  usage: 'scheme auth',
  summary: 'add credentials to the session, e.g. addauth digest user:password',
  minArgs: 1,
  maxArgs: 2,
  async run(ctx, args) {
    const zk = await ctx.session.zk(ctx.signal)
    const added = zk.addAuth(arg(args, 0), args.positional[1] ?? '')
    await new Promise<void>((resolve, reject) => {
      const onAbort = (): void => reject(ctx.signal.reason)
      ctx.signal.addEventListener('abort', onAbort, { once: true })
      added.then(resolve, reject).finally(() => ctx.signal.removeEventListener('abort', onAbort))
    })
  },
}

const whoami: Command = {
  name: 'whoami',
  usage: '',
  summary: 'print the identities of this session (ZooKeeper 3.7+)',
  json: true,
  maxArgs: 0,
  async run(ctx) {
    const zk = await ctx.session.zk(ctx.signal)
    const infos = await zk.whoAmI(ctx.session.call(ctx.signal))
    if (ctx.json) ctx.out(jsonText(infos.map((i) => ({ scheme: i.authScheme, user: i.user }))))
    else ctx.out(`Auth scheme: User\n${infos.map((i) => `${i.authScheme}: ${i.user}\n`).join('')}`)
  },
}

/** The access commands. */
export const aclCommands: readonly Command[] = [getAcl, setAcl, addauth, whoami]
