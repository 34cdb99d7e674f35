/**
 * Ensemble commands: zkCli's config and reconfig, `version`, and the four-letter words (srvr,
 * mntr, ruok, cons, ... and `4lw word` for any other) sent to the connected server.
 */
import { readFileSync } from 'node:fs'
import { UsageError } from './args.js'
import type { Command, CommandContext } from './command.js'
import { type FourLetterWord, fourLetterWord, parseMntr } from './four-letter.js'
import { jsonText, statText } from './format.js'
import { CliError } from './session.js'

/**
 * zkCli's `config -c` (ConfigUtils.getClientConfigStr): the config version, a space, and the client
 * addresses of the voting members (`host:clientPort`, the server's address where the client
 * address is the wildcard).
 */
export function clientConfigString(config: string): string {
  let version = ''
  const members: string[] = []
  for (const raw of config.split('\n')) {
    const lineText = raw.trim()
    if (lineText.startsWith('version=')) version = lineText.slice('version='.length)
    const m = /^server\.\d+=([^;]*);(.*)$/.exec(lineText)
    if (m === null) continue
    const [quorum, client] = [m[1]!, m[2]!]
    if (/:observer$/.test(quorum)) continue
    const host = quorum.startsWith('[') ? quorum.slice(0, quorum.indexOf(']') + 1) : quorum.split(':')[0]!
    const colon = client.lastIndexOf(':')
    const clientHost = colon === -1 ? '0.0.0.0' : client.slice(0, colon)
    const port = colon === -1 ? client : client.slice(colon + 1)
    members.push(`${clientHost === '0.0.0.0' || clientHost === '[::]' ? host : clientHost}:${port}`)
  }
  return `${version} ${members.join(',')}`
}

const config: Command = {
  name: 'config',
  usage: '[-c] [-w] [-s]',
  summary: "print the ensemble's dynamic configuration (-c as a connect string, -s with its Stat, -w leave a watch)",
  flags: { c: 'flag', w: 'flag', s: 'flag' },
  json: true,
  maxArgs: 0,
  async run(ctx, args) {
    const zk = await ctx.session.zk(ctx.signal)
    const call = ctx.session.call(ctx.signal)
    const { data, stat } = await zk.getConfig(args.flags.has('w') ? { ...call, watcher: ctx.session.printingWatcher } : call)
    const text = data.toString('utf8')
    if (ctx.json) ctx.out(jsonText({ config: text, connectString: clientConfigString(text).split(' ')[1] ?? '', version: clientConfigString(text).split(' ')[0] }))
    else ctx.out(`${args.flags.has('c') ? clientConfigString(text) : text}\n${args.flags.has('s') ? statText(stat) : ''}`)
  },
}

const reconfig: Command = {
  name: 'reconfig',
  usage: '[-s] [-v version] [[-file path] | [-members serverID=host:port1:port2;port3[,...]*]] | [-add serverId=host:port1:port2;port3[,...]]* [-remove serverId[,...]*]',
  summary: 'change the ensemble membership (needs reconfigEnabled=true)',
  flags: { s: 'flag', v: 'value', file: 'value', members: 'value', add: 'value', remove: 'value' },
  maxArgs: 0,
  async run(ctx, args) {
    const f = args.flags
    const text = (name: string): string | undefined => (typeof f.get(name) === 'string' ? (f.get(name) as string) : undefined)
    let members = text('members')
    const file = text('file')
    if (!(file || members) && !f.has('add') && !f.has('remove')) throw new UsageError(`reconfig ${reconfig.usage}`)
    if ((file || members) && (f.has('add') || f.has('remove'))) throw new UsageError("Can't use -file or -members together with -add or -remove (mixing incremental and non-incremental modes is not allowed)")
    if (file && members) throw new UsageError("Can't use -file and -members together (conflicting non-incremental modes)")
    if (file) {
      // The membership lines of a dynamic config file, joined as zkCli sends them.
      const lines = readFileSync(file, 'utf8').split('\n').map((l) => l.trim()).filter((l) => /^(server|group|weight)\./.test(l))
      members = lines.join(',')
    }
    const v = text('v')
    if (v !== undefined && !/^[0-9a-fA-F]+$/.test(v)) throw new UsageError('-v must be followed by a long (configuration version)')
    const zk = await ctx.session.zk(ctx.signal)
    const change = {
      ...(text('add') === undefined ? {} : { joining: text('add')!.toLowerCase() }),
      ...(text('remove') === undefined ? {} : { leaving: text('remove')!.toLowerCase() }),
      ...(members === undefined ? {} : { members: members.toLowerCase() }),
      fromConfig: v === undefined ? -1n : BigInt(`0x${v}`),
    }
    const { data, stat } = await zk.reconfig(change, ctx.session.call(ctx.signal))
    ctx.out(`Committed new configuration:\n${data.toString('utf8')}\n${f.has('s') ? statText(stat) : ''}`)
  },
}

/** zkwire's version, from the package.json above this file (src/cli/ or a chunk of the bundled dist/). */
function packageVersion(): string {
  for (let dir = new URL('.', import.meta.url); ; dir = new URL('..', dir)) {
    try {
      const manifest = JSON.parse(readFileSync(new URL('package.json', dir), 'utf8')) as { name?: string; version?: string }
      if (manifest.name === 'zkwire' && typeof manifest.version === 'string') return manifest.version
    } catch {
      // no package.json here: look one folder up
    }
    if (new URL('..', dir).href === dir.href) return 'unknown'
  }
}

const version: Command = {
  name: 'version',
  usage: '',
  summary: 'print the version of this shell',
  maxArgs: 0,
  async run(ctx) {
    ctx.out(`zkwire CLI version: ${packageVersion()}\n`)
  },
}

/** `host:port` for four-letter words: the given one, the connected server, or the first of the connect string. */
function target(ctx: CommandContext, given: string | undefined): { host: string; port: number } {
  const spec = given ?? ctx.session.current?.currentServer ?? ctx.session.server.split('/')[0]!.split(',')[0]!
  const m = /^(?:\[([^\]]+)\]|([^:]+)):(\d+)$/.exec(spec)
  if (m === null) throw new UsageError(`expected host:port, got ${JSON.stringify(spec)}`)
  return { host: m[1] ?? m[2]!, port: Number(m[3]) }
}

/** `srvr`/`stat` output (`Key: value` lines) as an object. */
function parseColonLines(text: string): Record<string, string> {
  const out: Record<string, string> = {}
  for (const l of text.split('\n')) {
    const i = l.indexOf(': ')
    if (i > 0) out[l.slice(0, i)] = l.slice(i + 2).trim()
  }
  return out
}

async function sendWord(ctx: CommandContext, word: FourLetterWord, given: string | undefined): Promise<string> {
  const { host, port } = target(ctx, given)
  try {
    const hostPort = host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`
    return await fourLetterWord(hostPort, word, { timeout: Math.min(ctx.session.invocation.timeout, 10_000), signal: ctx.signal })
  } catch (error) {
    if (ctx.signal.aborted) throw ctx.signal.reason
    throw new CliError(`${word} to ${host}:${port} failed: ${(error as Error).message}`)
  }
}

function fourLetter(word: FourLetterWord, summary: string, json: (answer: string) => unknown): Command {
  return {
    name: word,
    usage: '[host:port]',
    summary,
    json: true,
    maxArgs: 1,
    async run(ctx, args) {
      const answer = await sendWord(ctx, word, args.positional[0])
      if (ctx.json) ctx.out(jsonText(json(answer)))
      else ctx.out(answer.endsWith('\n') || answer === '' ? answer : `${answer}\n`)
      if (word === 'ruok' && answer !== 'imok') throw new CliError(`the server did not answer imok (${JSON.stringify(answer)})`)
    },
  }
}

const WORDS: readonly FourLetterWord[] = ['conf', 'cons', 'crst', 'dirs', 'dump', 'envi', 'gtmk', 'hash', 'isro', 'mntr', 'ruok', 'srst', 'srvr', 'stat', 'wchc', 'wchp', 'wchs']
const lines = (answer: string): string[] => answer.split('\n').filter((l) => l.trim() !== '')
const numbers = (record: Record<string, string>): Record<string, string | number> =>
  Object.fromEntries(Object.entries(record).map(([k, v]) => [k, /^-?\d+(\.\d+)?$/.test(v) ? Number(v) : v]))

const anyWord: Command = {
  name: '4lw',
  usage: 'word [host:port]',
  summary: `send any four-letter word (${WORDS.join(', ')})`,
  json: true,
  minArgs: 1,
  maxArgs: 2,
  async run(ctx, args) {
    const word = args.positional[0] as FourLetterWord
    if (!WORDS.includes(word)) throw new UsageError(`unknown four-letter word ${JSON.stringify(word)}; one of ${WORDS.join(', ')}`)
    const answer = await sendWord(ctx, word, args.positional[1])
    ctx.out(ctx.json ? jsonText({ word, answer }) : answer.endsWith('\n') ? answer : `${answer}\n`)
  },
}

/** The ensemble commands. */
export const adminCommands: readonly Command[] = [
  config,
  reconfig,
  version,
  fourLetter('srvr', 'server status (four-letter word)', (a) => numbers(parseColonLines(a))),
  fourLetter('mntr', 'server metrics (four-letter word)', (a) => numbers(parseMntr(a))),
  fourLetter('ruok', 'is the server running (four-letter word): imok', (a) => ({ ok: a === 'imok', answer: a })),
  fourLetter('cons', 'connections to the server (four-letter word)', (a) => ({ connections: lines(a) })),
  fourLetter('conf', 'server configuration (four-letter word)', (a) => numbers(Object.fromEntries(lines(a).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)])))),
  fourLetter('envi', 'server environment (four-letter word)', (a) => numbers(Object.fromEntries(lines(a).filter((l) => l.includes('=')).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)])))),
  fourLetter('wchs', 'watch summary (four-letter word)', (a) => ({ lines: lines(a) })),
  fourLetter('isro', 'is the server read-only (four-letter word): ro or rw', (a) => ({ readOnly: a === 'ro', answer: a })),
  anyWord,
]
