/**
 * Every zkCli command run one-shot (or, where it needs a session that lives across commands, as
 * lines piped to the shell) against the real server, with its output and exit code checked.
 */
import { describe, expect, it } from 'vitest'
import { Acls, Perms, digestId } from '../../src/index.js'
import { statText } from '../../src/cli/format.js'
import { waitFor } from '../../src/testing/index.js'
import { chrootClient } from '../support/zk.js'
import { ok, run, zkwire } from './helpers.js'

async function tree() {
  const { client, connectString } = await chrootClient()
  await client.create('/a', 'hello')
  await client.create('/a/b', 'bee')
  await client.create('/a/c')
  await client.create('/z')
  return { client, s: connectString }
}

/** Lines piped to the shell (no terminal): the commands share one session. */
function piped(server: string, lines: string[]) {
  return zkwire(['-server', server, '-timeout', '10000'], { input: `${lines.join('\n')}\n` })
}

describe('ls', () => {
  it('prints sorted children as [a, b], with -s the Stat as zkCli prints it, with -R the subtree in zkCli order', async () => {
    const { client, s } = await tree()
    expect(await ok(s, 'ls', '/')).toBe('[a, z]\n')
    const stat = (await client.exists('/a'))!
    expect(await ok(s, 'ls', '-s', '/a')).toBe(`[b, c]\n${statText(stat)}`)
    expect(await ok(s, 'ls', '-R', '/a')).toBe('/a\n/a/b\n/a/c\n')
  })

  it('--json parses back to the children and Stat', async () => {
    const { client, s } = await tree()
    const out = JSON.parse(await ok(s, 'ls', '-s', '--json', '/a'))
    expect(out.children).toEqual(['b', 'c'])
    expect(out.stat.numChildren).toBe(2)
    expect(out.stat.czxid).toBe(`0x${(await client.exists('/a'))!.czxid.toString(16)}`)
    expect(JSON.parse(await ok(s, 'ls', '-R', '--json', '/a')).paths).toEqual(['/a', '/a/b', '/a/c'])
  })

  it('fails with exit code 1 and the error on stderr for a missing node', async () => {
    const { s } = await tree()
    const r = await run(s, 'ls', '/missing')
    expect(r).toMatchObject({ code: 1, stdout: '' })
    expect(r.stderr).toMatch(/^NoNodeError: \/missing does not exist/)
  })

  it('-w leaves a watch whose event is printed as zkCli prints it', async () => {
    const { s } = await tree()
    const r = await piped(s, ['ls -w /a', 'create /a/new'])
    expect(r.stdout).toContain('[b, c]\n')
    expect(r.stdout).toContain('\nWATCHER::\n\nWatchedEvent state:SyncConnected type:NodeChildrenChanged path:/a\n')
  })

  it("accepts zkCli 3.4's `ls path watch` with zkCli's deprecation notice", async () => {
    const { s } = await tree()
    const r = await piped(s, ['ls /a watch', 'create /a/new'])
    expect(r.stderr).toContain("'ls path [watch]' has been deprecated. Please use 'ls [-w] path' instead.\n")
    expect(r.stdout).toContain('type:NodeChildrenChanged path:/a\n')
    expect(await run(s, 'ls', '/a', 'b', 'c')).toMatchObject({ code: 1, stderr: 'ls [-s] [-w] [-R] path\n' })
  })
})

describe('get, set, stat', () => {
  it('get prints the data, -s the Stat too, -b base64, -x a hex dump; --json parses back', async () => {
    const { client, s } = await tree()
    const stat = (await client.exists('/a'))!
    expect(await ok(s, 'get', '/a')).toBe('hello\n')
    expect(await ok(s, 'get', '-s', '/a')).toBe(`hello\n${statText(stat)}`)
    expect(await ok(s, 'get', '-b', '/a')).toBe('aGVsbG8=\n')
    expect(await ok(s, 'get', '-x', '/a')).toMatch(/^00000000 {2}68 65 6c 6c 6f +\|hello\|\n$/)
    expect(JSON.parse(await ok(s, 'get', '--json', '/a'))).toMatchObject({ path: '/a', data: 'hello', encoding: 'utf8', stat: { version: 0, dataLength: 5 } })
    await client.setData('/z', Buffer.from([0xff, 0x00]))
    expect(JSON.parse(await ok(s, 'get', '--json', '/z'))).toMatchObject({ data: '/wA=', encoding: 'base64' })
  })

  it('set replaces data (-s prints the new Stat, -b takes base64) and -v refuses a stale version', async () => {
    const { client, s } = await tree()
    expect(await ok(s, 'set', '/a', 'v2')).toBe('')
    const out = await ok(s, 'set', '-s', '-v', '1', '/a', 'v3')
    expect(out).toContain('dataVersion = 2\n')
    expect((await client.getData('/a')).data.toString()).toBe('v3')
    await ok(s, 'set', '-b', '/a', Buffer.from('bin').toString('base64'))
    expect((await client.getData('/a')).data.toString()).toBe('bin')
    const r = await run(s, 'set', '-v', '0', '/a', 'x')
    expect(r.code).toBe(1)
    expect(r.stderr).toMatch(/^BadVersionError: \/a/)
    expect((await run(s, 'set', '/a')).stderr).toContain('set [-s] [-v version] [-b] path data')
  })

  it('stat prints the Stat lines, --json parses back, and a missing node is exit code 1', async () => {
    const { client, s } = await tree()
    expect(await ok(s, 'stat', '/a')).toBe(statText((await client.exists('/a'))!))
    expect(JSON.parse(await ok(s, 'stat', '--json', '/a')).stat).toMatchObject({ numChildren: 2, ephemeralOwner: '0x0' })
    const r = await run(s, 'stat', '/missing')
    expect(r.code).toBe(1)
    expect(r.stderr).toMatch(/NoNodeError: \/missing does not exist/)
  })
})

describe('create, delete, deleteall', () => {
  it('creates each kind of node, says "Created <path>" on stderr, and takes an ACL', async () => {
    const { client, s } = await tree()
    expect((await run(s, 'create', '/p', 'data')).stderr).toBe('Created /p\n')
    expect((await run(s, 'create', '-s', '/a/seq-', 'x')).stderr).toBe('Created /a/seq-0000000002\n')
    // A container goes once its last child has gone (the server checks every 200 ms in this suite).
    await ok(s, 'create', '-c', '/box')
    await client.create('/box/child')
    await client.delete('/box/child')
    await waitFor(async () => (await client.exists('/box')) === null, { timeoutMs: 10_000 })
    await ok(s, 'create', '-t', '60000', '/ttl')
    expect(await client.exists('/ttl')).not.toBeNull()
    // An ephemeral node goes with the one-shot command's session.
    await ok(s, 'create', '-e', '/eph')
    expect(await client.exists('/eph')).toBeNull()
    await ok(s, 'create', '/locked', 'x', `digest:${digestId('bob', 'pw').id}:cdrwa,world:anyone:r`)
    // The server shows a digest id as bob:x to a reader without ADMIN permission on the node.
    const { acl } = await client.getACL('/locked')
    expect(acl).toEqual([{ id: { scheme: 'digest', id: 'bob:x' }, perms: Perms.ALL }, { id: { scheme: 'world', id: 'anyone' }, perms: Perms.READ }])
  })

  it('refuses what zkCli refuses, with its messages', async () => {
    const { s } = await tree()
    expect(await run(s, 'create', '-c', '-e', '/x')).toMatchObject({ code: 1, stderr: expect.stringContaining('-c cannot be combined with -s or -e') })
    expect(await run(s, 'create', '-t', 'abc', '/x')).toMatchObject({ code: 1, stderr: expect.stringContaining('-t argument must be a long value') })
    expect(await run(s, 'create', '-e', '-t', '5', '/x')).toMatchObject({ code: 1, stderr: expect.stringContaining('TTLs cannot be used with Ephemeral znodes') })
    expect(await run(s, 'create', '/a')).toMatchObject({ code: 1, stderr: expect.stringMatching(/^NodeExistsError: \/a already exists/) })
    expect(await run(s, 'create', '/q', 'x', 'world:anyone')).toMatchObject({ code: 1, stderr: expect.stringContaining('does not have the form scheme:id:perm') })
    expect(await run(s, 'create', '-q', '/x')).toMatchObject({ code: 1, stderr: expect.stringContaining('Unrecognized option: -q') })
  })

  it('delete removes a leaf, honours -v, and refuses a node with children', async () => {
    const { client, s } = await tree()
    expect(await run(s, 'delete', '-v', '3', '/z')).toMatchObject({ code: 1, stderr: expect.stringMatching(/^BadVersionError/) })
    await ok(s, 'delete', '-v', '0', '/z')
    expect(await client.exists('/z')).toBeNull()
    expect(await run(s, 'delete', '/a')).toMatchObject({ code: 1, stderr: expect.stringMatching(/^NotEmptyError: \/a still has children/) })
  })

  it('deleteall removes a whole subtree in batches', async () => {
    const { client, s } = await tree()
    for (let i = 0; i < 5; i++) await client.create(`/a/c/n${i}`)
    await ok(s, 'deleteall', '/a', '-b', '2')
    expect(await client.exists('/a')).toBeNull()
    expect(await run(s, 'deleteall', '/a')).toMatchObject({ code: 1, stderr: expect.stringMatching(/NoNodeError/) })
  })
})

describe('ACLs and identities', () => {
  it("getAcl prints zkCli's Id format; -s adds the Stat; --json parses back", async () => {
    const { client, s } = await tree()
    expect(await ok(s, 'getAcl', '/a')).toBe("'world,'anyone\n: cdrwa\n")
    expect(await ok(s, 'getAcl', '-s', '/a')).toBe(`'world,'anyone\n: cdrwa\n${statText((await client.exists('/a'))!)}`)
    expect(JSON.parse(await ok(s, 'getAcl', '--json', '/a')).acl).toEqual([{ scheme: 'world', id: 'anyone', perms: 'cdrwa' }])
  })

  it('setAcl replaces an ACL (-R on the subtree, -v checked, -s prints the Stat)', async () => {
    const { client, s } = await tree()
    expect(await ok(s, 'setAcl', '-s', '/z', 'world:anyone:r')).toContain('aclVersion = 1\n')
    expect((await client.getACL('/z')).acl).toEqual(Acls.readOnly)
    await ok(s, 'setAcl', '-R', '/a', 'world:anyone:rw')
    for (const p of ['/a', '/a/b', '/a/c']) expect((await client.getACL(p)).acl[0]!.perms).toBe(Perms.READ | Perms.WRITE)
    await client.create('/v')
    expect(await run(s, 'setAcl', '-v', '7', '/v', 'world:anyone:cdrwa')).toMatchObject({ code: 1, stderr: expect.stringMatching(/^BadVersionError/) })
  })

  it('addauth adds credentials that whoami then reports, and that open a digest-protected node', async () => {
    const { client, s } = await tree()
    await client.create('/secret', 'psst', { acl: [{ id: digestId('bob', 'pw'), perms: Perms.ALL }] })
    expect(await run(s, 'get', '/secret')).toMatchObject({ code: 1, stderr: expect.stringMatching(/^NoAuthError/) })
    const r = await piped(s, ['addauth digest bob:pw', 'whoami', 'get /secret', 'whoami --json'])
    expect(r.stderr).toBe('')
    expect(r.stdout).toMatch(/^Auth scheme: User\n(ip: 127\.0\.0\.1\ndigest: bob|digest: bob\nip: 127\.0\.0\.1)\n/)
    expect(r.stdout).toContain('psst\n')
    expect(r.stdout).toContain('"user": "bob"')
  })
})

describe('the other zkCli commands', () => {
  it('sync, getAllChildrenNumber, getEphemerals, config', async () => {
    const { s } = await tree()
    expect(await ok(s, 'sync', '/a')).toBe('Sync is OK\n')
    expect(await ok(s, 'getAllChildrenNumber', '/')).toBe('4\n')
    expect(JSON.parse(await ok(s, 'getAllChildrenNumber', '--json', '/a'))).toEqual({ path: '/a', count: 2 })
    const e = await piped(s, ['create -e /a/e1', 'create -e /z/e2', 'getEphemerals /a', 'getEphemerals'])
    const [under, all] = e.stdout.trim().split('\n')
    expect(under).toBe('[/a/e1]')
    expect(all).toMatch(/^\[(\/a\/e1, \/z\/e2|\/z\/e2, \/a\/e1)\]$/)
    // A standalone server has an empty dynamic configuration.
    expect(await ok(s, 'config')).toBe('\n')
    expect(await ok(s, 'config', '-c')).toBe(' \n')
  })

  it('reconfig reports the server refusing it with exit code 1, and checks its flags first', async () => {
    const { s } = await tree()
    const r = await run(s, 'reconfig', '-add', 'server.5=127.0.0.1:1:2;3')
    expect(r.code).toBe(1)
    expect(r.stderr).toMatch(/Error: /)
    expect(await run(s, 'reconfig')).toMatchObject({ code: 1, stderr: expect.stringContaining('reconfig [-s] [-v version]') })
    expect(await run(s, 'reconfig', '-members', 'a', '-add', 'b')).toMatchObject({ code: 1, stderr: expect.stringContaining('mixing incremental and non-incremental') })
  })

  it('addWatch prints persistent watch events until removewatches removes them', async () => {
    const { s } = await tree()
    const r = await piped(s, ['addWatch /a', 'create /a/b/deep', 'set /a/b x', 'removewatches /a -r', 'create /a/after', 'sync /a', 'removewatches /a'])
    expect(r.stdout).toContain('WatchedEvent state:SyncConnected type:NodeCreated path:/a/b/deep\n')
    expect(r.stdout).toContain('WatchedEvent state:SyncConnected type:NodeDataChanged path:/a/b\n')
    expect(r.stdout).not.toContain('path:/a/after')
    expect(r.stderr).toMatch(/NoWatcherError: \/a has no such watch/)
    expect((await piped(s, ['addWatch -m bogus /a'])).stderr).toContain('addWatch [-m mode] path')
  })

  it('printwatches off silences -w events', async () => {
    const { s } = await tree()
    const r = await piped(s, ['printwatches off', 'printwatches', 'get -w /a', 'set /a x'])
    expect(r.stdout).toBe('printwatches is off\nhello\n')
  })

  it('history numbers the lines of the shell and redo runs one again', async () => {
    const { s } = await tree()
    const r = await piped(s, ['ls /', 'history', 'redo 0', 'redo 9', 'redo 3'])
    expect(r.stdout).toBe('[a, z]\n0 - ls /\n1 - history\n[a, z]\n')
    expect(r.stderr).toBe('Command index out of range\nNo redoing redos\n')
  })

  it('close ends the session ("Not connected" until connect), quit leaves at once', async () => {
    const { client, s } = await tree()
    const r = await piped(s, ['create -e /a/mine', 'close', 'ls /a', `connect ${s}`, 'ls /a', 'quit', 'ls /'])
    expect(r.stderr).toContain('Not connected')
    expect(r.stdout).toBe('[b, c]\n')
    expect(await client.exists('/a/mine')).toBeNull()
    expect(r.code).toBe(0)
  })
})

describe('invocation and failures', () => {
  it('exit codes: 127 for an unknown command, 1 for usage, 2 for a bad invocation, 0 for help', async () => {
    const { s } = await tree()
    expect(await run(s, 'nosuch')).toMatchObject({ code: 127, stderr: expect.stringContaining('Command not found: nosuch') })
    expect(await run(s, 'get')).toMatchObject({ code: 1, stderr: 'get [-s] [-w] [-b] [-x] path\n' })
    expect(await zkwire(['-timeout', 'soon', 'ls', '/'])).toMatchObject({ code: 2, stderr: expect.stringContaining('-timeout must be a positive number') })
    expect(await zkwire(['-bogus'])).toMatchObject({ code: 2, stderr: expect.stringContaining('unknown option -bogus') })
    expect(await zkwire(['--help'])).toMatchObject({ code: 0, stdout: expect.stringContaining('usage: zkwire [-server') })
    expect((await run(s, 'help')).stdout).toContain('\tls [-s] [-w] [-R] path\n')
    expect((await run(s, 'help', 'grep')).stdout).toMatch(/^grep \[-i\] \[-l\] \[-F\] path text\n {2}print the data lines .*\n {2}--json: output as JSON\n$/)
    expect((await run(s, 'version')).stdout).toMatch(/^zkwire CLI version: \d+\.\d+\.\d+/)
    expect((await run(s, 'ls', '--json', '--', '/')).stdout).toContain('"children"')
    expect(await run(s, 'set', '--json', '/a', 'x')).toMatchObject({ code: 1, stderr: expect.stringContaining('Unrecognized option: --json') })
  })

  it('gives up on an unreachable server within -timeout, with the reason on stderr', async () => {
    const started = Date.now()
    const r = await zkwire(['-server', '127.0.0.1:1', '-timeout', '800', 'ls', '/'])
    expect(r.code).toBe(1)
    expect(r.stderr).toMatch(/could not connect to 127\.0\.0\.1:1 within 800 ms/)
    expect(Date.now() - started).toBeLessThan(5_000)
  })

  it('global --json makes every read command print JSON', async () => {
    const { s } = await tree()
    const r = await zkwire(['-server', s, '--json', 'get', '/a'])
    expect(JSON.parse(r.stdout).data).toBe('hello')
  })
})
