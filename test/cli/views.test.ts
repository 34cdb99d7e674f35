/**
 * The views zkCli lacks: tree, find, grep, du, dump/load and the four-letter words, in text and
 * as --json parsed back.
 */
import { mkdtemp, readFile, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { Perms, digestId } from '../../src/index.js'
import { chrootClient, sharedServer } from '../support/zk.js'
import { ok, run, zkwire } from './helpers.js'

async function tree() {
  const { client, connectString } = await chrootClient()
  await client.create('/app', 'root')
  await client.create('/app/config', 'port=80\nhost=web\nmode=fast')
  await client.create('/app/config/db', 'host=db1')
  await client.create('/app/workers')
  await client.create('/app/workers/w1', 'HOST=w1')
  await client.create('/other', Buffer.from([0xfe, 0xff]))
  return { client, s: connectString }
}

describe('tree', () => {
  it('draws the subtree in name order; -d limits the depth and says what is hidden', async () => {
    const { s } = await tree()
    expect(await ok(s, 'tree', '/app')).toBe('/app\n├── config\n│   └── db\n└── workers\n    └── w1\n')
    expect(await ok(s, 'tree', '-d', '1', '/app')).toBe('/app\n├── config (1 more)\n└── workers (1 more)\n')
    expect(await ok(s, 'tree')).toBe('/\n├── app\n│   ├── config\n│   │   └── db\n│   └── workers\n│       └── w1\n└── other\n')
  })

  it('--json gives the nested tree', async () => {
    const { s } = await tree()
    const t = JSON.parse(await ok(s, 'tree', '--json', '/app'))
    expect(t).toMatchObject({ name: 'app', path: '/app', numChildren: 2 })
    expect(t.children.map((c: { path: string }) => c.path)).toEqual(['/app/config', '/app/workers'])
    expect(t.children[0].children[0]).toEqual({ name: 'db', path: '/app/config/db', numChildren: 0, children: [] })
  })

  it('leaves out nodes it may not read, prints the rest, then names them on stderr with exit code 1', async () => {
    const { client, s } = await tree()
    await client.create('/app/locked', null, { acl: [{ id: digestId('bob', 'pw'), perms: Perms.ALL }] })
    const r = await run(s, 'tree', '/app')
    expect(r.stdout).toBe('/app\n├── config\n│   └── db\n└── workers\n    └── w1\n')
    expect(r).toMatchObject({ code: 1, stderr: 'NoAuthError: not permitted to read 1 node(s), left out with their subtrees: /app/locked\n' })
    expect((await run(s, 'ls', '-R', '/app')).stdout).toBe('/app\n/app/config\n/app/workers\n/app/config/db\n/app/workers/w1\n')
    expect(await zkwire(['-server', s, '-auth', 'digest:bob:pw', 'find', '/', 'locked'])).toMatchObject({ code: 0, stdout: '/app/locked\n' })
  })

  it('a missing root is exit code 1', async () => {
    const { s } = await tree()
    expect(await run(s, 'tree', '/nope')).toMatchObject({ code: 1, stderr: expect.stringMatching(/^NoNodeError: \/nope/) })
  })
})

describe('find and grep', () => {
  it('find prints the paths matching a regular expression (-i ignores case, -d limits depth)', async () => {
    const { s } = await tree()
    expect(await ok(s, 'find', '/', 'w')).toBe('/app/workers\n/app/workers/w1\n')
    expect(await ok(s, 'find', '/', 'W1$')).toBe('')
    expect(await ok(s, 'find', '-i', '/', 'W1$')).toBe('/app/workers/w1\n')
    expect(await ok(s, 'find', '-d', '1', '/app', 'o')).toBe('/app/config\n/app/workers\n')
    expect(JSON.parse(await ok(s, 'find', '--json', '/', 'db')).paths).toEqual(['/app/config/db'])
    expect(await run(s, 'find', '/', '(')).toMatchObject({ code: 1, stderr: expect.stringContaining('invalid pattern') })
  })

  it('grep prints matching data lines as path: line; -l paths only, -i, -F, --json', async () => {
    const { s } = await tree()
    expect(await ok(s, 'grep', '/', 'host=')).toBe('/app/config: host=web\n/app/config/db: host=db1\n')
    expect(await ok(s, 'grep', '-i', '/', 'host=')).toBe('/app/config: host=web\n/app/config/db: host=db1\n/app/workers/w1: HOST=w1\n')
    expect(await ok(s, 'grep', '-l', '/app', 'w')).toBe('/app/config\n/app/workers/w1\n')
    expect(await ok(s, 'grep', '-F', '/', '.')).toBe('')
    expect(JSON.parse(await ok(s, 'grep', '--json', '/', 'port')).matches).toEqual([{ path: '/app/config', lines: ['port=80'] }])
  })
})

describe('du', () => {
  it('prints data bytes and node counts of each subtree, the total last', async () => {
    const { s } = await tree()
    const lines = (await ok(s, 'du', '/app')).trimEnd().split('\n').map((l) => l.trim().split(/\s+/))
    expect(lines).toEqual([
      ['34', '2', '/app/config'],
      ['7', '2', '/app/workers'],
      ['45', '5', '/app'],
    ])
    const json = JSON.parse(await ok(s, 'du', '--json', '-d', '0', '/app'))
    expect(json.entries).toEqual([{ path: '/app', bytes: 45, nodes: 5 }])
  })
})

describe('dump and load', () => {
  it('dump writes JSON a load restores elsewhere, with data (binary too) and ACLs', async () => {
    const { client, s } = await tree()
    await client.setACL('/app/workers/w1', [{ id: { scheme: 'world', id: 'anyone' }, perms: Perms.READ | Perms.ADMIN }])
    const dir = await mkdtemp(join(tmpdir(), 'zkwire-cli-'))
    // In the shell, > redirects a command's output to a file.
    const r = await zkwire(['-server', s], { input: 'dump / > all.json\nls / > ls.txt\nls /app >> ls.txt\n', cwd: dir })
    expect(r).toMatchObject({ code: 0, stdout: '', stderr: '' })
    expect(await readFile(join(dir, 'ls.txt'), 'utf8')).toBe('[app, other]\n[config, workers]\n')
    const dump = JSON.parse(await readFile(join(dir, 'all.json'), 'utf8'))
    expect(dump).toMatchObject({ format: 'zkwire-dump', version: 1, root: '/' })
    expect(dump.nodes.find((n: { path: string }) => n.path === '/other')).toMatchObject({ data: '/v8=', encoding: 'base64', kind: 'persistent' })

    await ok(s, 'create', '/copy')
    expect((await zkwire(['-server', s, 'load', join(dir, 'all.json'), '/copy/x'])).stderr).toMatch(/created/)
    expect(await ok(s, 'tree', '/copy/x')).toBe('/copy/x\n├── app\n│   ├── config\n│   │   └── db\n│   └── workers\n│       └── w1\n└── other\n')
    expect((await client.getData('/copy/x/other')).data).toEqual(Buffer.from([0xfe, 0xff]))
    expect((await client.getData('/copy/x/app/config')).data.toString()).toBe('port=80\nhost=web\nmode=fast')
    expect((await client.getACL('/copy/x/app/workers/w1')).acl[0]!.perms).toBe(Perms.READ | Perms.ADMIN)
  })

  it('load refuses to overwrite unless -o, writing nothing; -A ignores dumped ACLs; bad files are named', async () => {
    const { client, s } = await tree()
    const dir = await mkdtemp(join(tmpdir(), 'zkwire-cli-'))
    const file = join(dir, 'app.json')
    await ok(s, 'dump', '/app', file)
    await client.setData('/app/config', 'changed')
    await client.delete('/app/workers/w1')
    const refused = await run(s, 'load', file)
    expect(refused.code).toBe(1)
    expect(refused.stderr).toMatch(/4 node\(s\) already exist .*nothing was written/)
    expect(await client.exists('/app/workers/w1')).toBeNull()
    await ok(s, 'load', '-o', file)
    expect((await client.getData('/app/config')).data.toString()).toBe('port=80\nhost=web\nmode=fast')
    expect((await client.getData('/app/workers/w1')).data.toString()).toBe('HOST=w1')

    const locked = JSON.parse(await readFile(file, 'utf8'))
    locked.nodes[0].acl = [{ scheme: 'digest', id: digestId('eve', 'x').id, perms: 'cdrwa' }]
    await writeFile(file, JSON.stringify(locked))
    await ok(s, 'load', '-A', file, '/open')
    expect((await client.getACL('/open')).acl[0]!.id).toEqual({ scheme: 'world', id: 'anyone' })

    // Dumped without ADMIN permission, a digest id reads bob:x: refused, not restored as a lock-out.
    await client.create('/guarded', 'g', { acl: [{ id: digestId('bob', 'pw'), perms: Perms.ALL }, { id: { scheme: 'world', id: 'anyone' }, perms: Perms.READ }] })
    const guarded = join(dir, 'guarded.json')
    await ok(s, 'dump', '/guarded', guarded)
    expect(await run(s, 'load', guarded, '/guarded-copy')).toMatchObject({ code: 1, stderr: expect.stringContaining('has the digest bob:x, which the server hid') })
    await ok(s, 'load', '-A', guarded, '/guarded-copy')
    const withAdmin = join(dir, 'guarded-admin.json')
    await zkwire(['-server', s, '-auth', 'digest:bob:pw', 'dump', '/guarded', withAdmin])
    await zkwire(['-server', s, '-auth', 'digest:bob:pw', 'load', withAdmin, '/guarded-copy2'])
    expect((await client.getACL('/guarded-copy2')).acl[1]).toEqual({ id: { scheme: 'world', id: 'anyone' }, perms: Perms.READ })
    expect(await zkwire(['-server', s, '-auth', 'digest:bob:pw', 'getAcl', '/guarded-copy2'])).toMatchObject({ stdout: `'digest,'${digestId('bob', 'pw').id}\n: cdrwa\n'world,'anyone\n: r\n` })

    await writeFile(join(dir, 'bad.json'), '{"nodes": 1}')
    expect(await run(s, 'load', join(dir, 'bad.json'))).toMatchObject({ code: 1, stderr: expect.stringContaining('is not a zkwire dump') })
    await writeFile(join(dir, 'text.json'), 'hello')
    expect(await run(s, 'load', join(dir, 'text.json'))).toMatchObject({ code: 1, stderr: expect.stringContaining('is not JSON') })
    expect(await run(s, 'load', join(dir, 'missing.json'))).toMatchObject({ code: 1, stderr: expect.stringContaining('cannot read') })
    locked.nodes[1].path = '/elsewhere'
    await writeFile(file, JSON.stringify(locked))
    expect(await run(s, 'load', file)).toMatchObject({ code: 1, stderr: expect.stringContaining("outside the dump's root") })
  })
})

describe('--json of the other reads', () => {
  it('getEphemerals and config parse back', async () => {
    const { s } = await tree()
    const r = await zkwire(['-server', s, '--json'], { input: 'create -e /app/mine\ngetEphemerals /app\nconfig\n' })
    const [ephemerals, config] = r.stdout.split(/\n(?=\{)/).map((t) => JSON.parse(t))
    expect(ephemerals).toEqual({ prefix: '/app', paths: ['/app/mine'] })
    expect(config).toEqual({ config: '', connectString: '', version: '' })
  })
})

describe('four-letter words', () => {
  it('srvr, mntr, ruok, cons, conf, isro and 4lw, in text and JSON', async () => {
    const s = sharedServer()
    expect(await ok(s, 'srvr')).toMatch(/^Zookeeper version: .*\nMode: standalone\n/ms)
    expect(JSON.parse(await ok(s, 'srvr', '--json'))).toMatchObject({ Mode: 'standalone' })
    const mntr = JSON.parse(await ok(s, 'mntr', '--json'))
    expect(mntr.zk_server_state).toBe('standalone')
    expect(typeof mntr.zk_znode_count).toBe('number')
    expect(await ok(s, 'ruok')).toBe('imok\n')
    expect(JSON.parse(await ok(s, 'ruok', '--json'))).toEqual({ ok: true, answer: 'imok' })
    expect(JSON.parse(await ok(s, 'cons', '--json')).connections.length).toBeGreaterThan(0)
    expect(JSON.parse(await ok(s, 'conf', '--json')).clientPort).toBe(Number(s.split(':')[1]))
    expect(await ok(s, 'isro')).toBe('rw\n')
    expect(await ok(s, '4lw', 'stat')).toMatch(/Mode: standalone/)
    expect(JSON.parse(await ok(s, '4lw', '--json', 'stat')).answer).toMatch(/Mode: standalone/)
    expect(JSON.parse(await ok(s, 'isro', '--json'))).toEqual({ readOnly: false, answer: 'rw' })
    expect(Object.keys(JSON.parse(await ok(s, 'envi', '--json')))).toContain('java.version')
    expect(JSON.parse(await ok(s, 'wchs', '--json')).lines.length).toBeGreaterThan(0)
    expect(await run(s, '4lw', 'nope')).toMatchObject({ code: 1, stderr: expect.stringContaining('unknown four-letter word') })
  })

  it('fail with exit code 1 when the server cannot be reached, without waiting for a session', async () => {
    const r = await zkwire(['-server', '127.0.0.1:1', '-timeout', '1000', 'ruok'])
    expect(r.code).toBe(1)
    expect(r.stderr).toMatch(/ruok to 127\.0\.0\.1:1 failed/)
  })
})
