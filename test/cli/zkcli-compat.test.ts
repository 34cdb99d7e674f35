/**
 * zkwire's output next to Debian's real zkCli.sh (ZooKeeper 3.8.0) for the same commands on the
 * same tree: where zkCli's text is the interface people know (child lists, data, Stat lines with
 * their names, order and Java date format, ACL entries, counts), the two must print the same bytes.
 * Both read the commands from a pipe; `printwatches` lines separate the answers.
 */
import { spawn } from 'node:child_process'
import { describe, expect, it } from 'vitest'
import { Perms, digestId } from '../../src/index.js'
import { chrootClient } from '../support/zk.js'
import { MAIN, ROOT, ZKCLI } from './helpers.js'

const MARK = 'printwatches is off'

function runWith(command: string, args: string[], input: string, tz: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: ROOT, env: { ...process.env, TZ: tz, ZKWIRE_HISTORY: '' }, stdio: ['pipe', 'pipe', 'ignore'] })
    let out = ''
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()))
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000)
    child.on('error', reject)
    child.on('close', () => {
      clearTimeout(timer)
      resolve(out)
    })
    child.stdin.end(input)
  })
}

/** The answer of each command: the text between markers (before the first one is each tool's banner). */
function sections(out: string): string[] {
  return out.split(`${MARK}\n`).slice(1, -1)
}

const COMMANDS = [
  'ls /',
  'ls -s /a',
  'ls -R /',
  'get /a',
  'get -s /a',
  'get /a/empty',
  'get -s /a/eph',
  'stat /a/b',
  'getAcl /a',
  'getAcl -s /a/b',
  'getAcl /locked',
  'ls /a/b',
  'getAllChildrenNumber /',
  'sync /a',
  'ls -s /',
  'whoami',
  'config',
  'getEphemerals /',
]

describe('zkCli compatibility', () => {
  it.each(['UTC', 'America/New_York'])('prints what zkCli.sh prints for the same tree (TZ=%s)', async (tz) => {
    const { client, connectString } = await chrootClient()
    await client.create('/a', 'hello world')
    await client.create('/a/b', 'bee')
    await client.create('/a/b/c', 'deep')
    await client.create('/a/empty', '')
    await client.create('/a/eph', 'mine', { mode: 'ephemeral' })
    await client.create('/a/seq-', 'x', { mode: 'persistentSequential' })
    await client.create('/locked', 'x', { acl: [{ id: digestId('bob', 'pw'), perms: Perms.ALL }, { id: { scheme: 'ip', id: '127.0.0.1' }, perms: Perms.READ | Perms.WRITE }] })
    await client.setACL('/a/b', [{ id: { scheme: 'world', id: 'anyone' }, perms: Perms.ALL }], { version: 0 })

    const script = ['printwatches off', 'printwatches', ...COMMANDS.flatMap((c) => [c, 'printwatches'])].join('\n') + '\n'
    const [java, ours] = (await Promise.all([runWith(ZKCLI, ['-server', connectString], script, tz), runWith(process.execPath, [...MAIN, '-server', connectString], script, tz)])).map(sections)

    expect(java!).toHaveLength(COMMANDS.length)
    expect(ours!).toHaveLength(COMMANDS.length)
    for (let i = 0; i < COMMANDS.length; i++) {
      const expected = java![i]!
      const actual = ours![i]!
      expect({ command: COMMANDS[i], output: actual }).toEqual({ command: COMMANDS[i], output: expected })
    }
    // The Java date format really is there (and in the zone asked for).
    expect(ours![COMMANDS.indexOf('get -s /a')]).toMatch(new RegExp(`ctime = \\w{3} \\w{3} \\d{2} \\d{2}:\\d{2}:\\d{2} ${tz === 'UTC' ? 'UTC' : 'E[SD]T'} \\d{4}\\n`))
  })
})
