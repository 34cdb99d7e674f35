/**
 * setquota, listquota and delquota against the real server, outside any chroot (the server counts
 * subtrees only for quotas under the real /zookeeper/quota), each test under its own top-level
 * node; and against Debian's zkCli.sh: a quota set by either tool is listed byte for byte the
 * same by the other, and deleted by the other.
 */
import { spawn } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { afterEach, describe, expect, it } from 'vitest'
import { type ZooKeeperClient, deleteAll } from '../../src/index.js'
import { connect, sharedServer } from '../support/zk.js'
import { MAIN, ROOT, ZKCLI, ok, run, zkwire } from './helpers.js'

const cleanups: Array<() => Promise<void>> = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup()
})

/** A top-level node of this test with `/a` (two children) and `/b` (none) under it. */
async function tree(): Promise<{ zk: ZooKeeperClient; s: string; root: string }> {
  const zk = await connect(sharedServer())
  const root = `/q-${randomUUID()}`
  await zk.create(root)
  await zk.create(`${root}/a`, 'hello')
  await zk.create(`${root}/a/x`, '12345')
  await zk.create(`${root}/a/y`)
  await zk.create(`${root}/b`, 'bee')
  cleanups.push(async () => {
    await deleteAll(zk, `/zookeeper/quota${root}`).catch(() => {})
    await deleteAll(zk, root)
  })
  return { zk, s: sharedServer(), root }
}

const MARK = 'printwatches is off'

/** Runs `lines` in one zkCli (or zkwire) shell; returns each command's stdout, split on `printwatches`. */
function shell(java: boolean, lines: string[]): Promise<string[]> {
  const script = ['printwatches off', 'printwatches', ...lines.flatMap((l) => [l, 'printwatches'])].join('\n') + '\n'
  const [command, args] = java ? [ZKCLI, ['-server', sharedServer()]] : [process.execPath, [...MAIN, '-server', sharedServer()]]
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: ROOT, env: { ...process.env, ZKWIRE_HISTORY: '' }, stdio: ['pipe', 'pipe', 'ignore'] })
    let out = ''
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()))
    child.on('error', reject)
    child.on('close', () => resolve(out.split(`${MARK}\n`).slice(1, -1)))
    child.stdin.end(script)
  })
}

describe('quotas', () => {
  it('setquota writes zkCli\'s StatsTrack text, the server counts the subtree, listquota prints both, setquota again changes one limit', async () => {
    const { zk, s, root } = await tree()
    expect(await ok(s, 'setquota', '-n', '10', `${root}/a`)).toBe('')
    const limits = (await zk.getData(`/zookeeper/quota${root}/a/zookeeper_limits`)).data.toString()
    expect(limits).toBe('count=10,bytes=-1=;byteHardLimit=-1;countHardLimit=-1')
    // /a, /a/x and /a/y: 3 nodes, 5 + 5 bytes of data.
    const listed = await run(s, 'listquota', `${root}/a`)
    expect(listed).toEqual({
      code: 0,
      stdout: `Output quota for ${root}/a count=10,bytes=-1=;byteHardLimit=-1;countHardLimit=-1\nOutput stat for ${root}/a count=3,bytes=10\n`,
      stderr: `absolute path is /zookeeper/quota${root}/a/zookeeper_limits\n`,
    })
    await ok(s, 'setquota', '-B', '4096', `${root}/a`)
    await zk.create(`${root}/a/z`, 'zz')
    expect(JSON.parse(await ok(s, 'listquota', '--json', `${root}/a`))).toEqual({
      path: `${root}/a`,
      quota: { count: 10, bytes: -1, countHardLimit: -1, byteHardLimit: 4096 },
      stat: { count: 4, bytes: 12 },
    })
    // Below the subtree's size: zkCli's warning, and the limit is set all the same.
    expect(await ok(s, 'setquota', '-b', '5', `${root}/a`)).toBe('[Warning]: the bytes quota you create is less than the existing bytes:12\n')
    expect(await ok(s, 'listquota', `${root}/a`)).toContain(' count=10,bytes=5=;byteHardLimit=4096;countHardLimit=-1\n')
    expect((await ok(s, 'help')).split('\n').filter((l) => /quota/.test(l))).toEqual(['\tdelquota [-n|-b|-N|-B] path', '\tlistquota path', '\tsetquota -n|-b|-N|-B val path'])
  })

  it('delquota -N clears one limit; delquota removes the quota and the quota directories left empty', async () => {
    const { zk, s, root } = await tree()
    await ok(s, 'setquota', '-N', '7', `${root}/a`)
    await ok(s, 'setquota', '-b', '100', `${root}/a`)
    await ok(s, 'delquota', '-N', `${root}/a`)
    expect(await ok(s, 'listquota', `${root}/a`)).toContain(`Output quota for ${root}/a count=-1,bytes=100=;byteHardLimit=-1;countHardLimit=-1\n`)
    await ok(s, 'setquota', '-n', '2', `${root}/b`)
    await ok(s, 'delquota', `${root}/a`)
    expect((await zk.getChildren(`/zookeeper/quota${root}`)).children).toEqual(['b'])
    await ok(s, 'delquota', `${root}/b`)
    expect(await zk.exists(`/zookeeper/quota${root}`)).toBeNull()
    expect(await zk.exists('/zookeeper/quota')).not.toBeNull()
    expect(await run(s, 'listquota', `${root}/b`)).toMatchObject({ code: 1, stderr: expect.stringContaining(`quota for ${root}/b does not exist.`) })
  })

  it('refuses a quota inside or above another one, on a missing node, or under /zookeeper/quota, as zkCli does', async () => {
    const { s, root } = await tree()
    await ok(s, 'setquota', '-n', '10', `${root}/a`)
    expect(await run(s, 'setquota', '-n', '3', `${root}/a/x`)).toMatchObject({ code: 1, stderr: expect.stringContaining(`${root}/a/x has a parent ${root}/a which has a quota`) })
    expect(await run(s, 'setquota', '-n', '3', root)).toMatchObject({ code: 1, stderr: expect.stringContaining(`${root} has a child ${root}/a which has a quota`) })
    expect(await run(s, 'setquota', '-n', '3', `${root}/missing`)).toMatchObject({ code: 1, stderr: expect.stringContaining(`${root}/missing does not exist`) })
    expect(await run(s, 'setquota', '-n', '3', '/zookeeper/quota/x')).toMatchObject({ code: 1, stderr: 'cannot set a quota under the path: /zookeeper/quota\n' })
    expect(await run(s, 'delquota', `${root}/b`)).toMatchObject({ code: 1, stderr: expect.stringContaining(`Quota does not exist for ${root}/b`) })
    expect(await run(s, 'listquota', `${root}/missing`)).toMatchObject({ code: 1, stderr: expect.stringContaining(`quota for ${root}/missing does not exist.`) })
  })

  it('bad limits fail before anything is written, saying what a limit takes', async () => {
    const { zk, s, root } = await tree()
    const path = `${root}/b`
    for (const [flag, value, range] of [
      ['-n', '0', 'from 1 to 2147483647'],
      ['-n', 'ten', 'from 1 to 2147483647'],
      ['-N', '2147483648', 'from 1 to 2147483647'],
      ['-b', '-1', 'from 0 to 9223372036854775807'],
      ['-B', '1.5', 'from 0 to 9223372036854775807'],
    ] as const) {
      const r = await run(s, 'setquota', flag, value, path)
      expect(r.code, `${flag} ${value}`).toBe(1)
      expect(r.stderr).toContain(`setquota ${flag}: the limit on the `)
      expect(r.stderr).toContain(`must be a whole number ${range}, got ${JSON.stringify(value)}`)
    }
    expect(await run(s, 'setquota', '-n', '1', '-b', '2', path)).toMatchObject({ code: 1, stderr: expect.stringContaining('setquota takes one of -n, -b, -N, -B at a time, got -n and -b') })
    expect(await run(s, 'setquota', path)).toMatchObject({ code: 1, stderr: expect.stringContaining('usage: setquota -n|-b|-N|-B val path') })
    expect(await run(s, 'delquota', '-n', '-B', path)).toMatchObject({ code: 1, stderr: expect.stringContaining('delquota takes one of -n, -b, -N, -B at a time') })
    expect(await zk.exists(`/zookeeper/quota${root}`)).toBeNull()
  })

  it('a server that cannot be reached fails within -timeout', async () => {
    for (const command of [['setquota', '-n', '5', '/a'], ['listquota', '/a'], ['delquota', '/a']]) {
      const r = await zkwire(['-server', '127.0.0.1:1', '-timeout', '500', ...command])
      expect(r.code, command[0]).toBe(1)
      expect(r.stderr).toMatch(/could not connect to 127\.0\.0\.1:1 within 500 ms/)
    }
  })
})

describe('quotas with zkCli.sh', () => {
  it('zkCli lists a quota zkwire set, zkwire lists one zkCli set, byte for byte; each deletes the other\'s', async () => {
    const { zk, s, root } = await tree()
    await ok(s, 'setquota', '-n', '10', `${root}/a`)
    await ok(s, 'setquota', '-B', '2048', `${root}/a`)
    const java = await shell(true, [
      `listquota ${root}/a`,
      `setquota -N 5 ${root}/b`,
      `setquota -b 1000 ${root}/b`,
      `listquota ${root}/b`,
      // zkCli refuses what zkwire refuses: nothing is written.
      `setquota -n 3 ${root}/a/x`,
      `setquota -n 3 ${root}`,
      `delquota -B ${root}/a`,
      `listquota ${root}/a`,
    ])
    expect(java).toHaveLength(8)
    const ours = await shell(false, [`listquota ${root}/a`, `listquota ${root}/b`])
    expect(java[4]).toBe('')
    expect(java[5]).toBe('')
    expect((await zk.getChildren(`/zookeeper/quota${root}`)).children.sort()).toEqual(['a', 'b'])
    expect((await zk.getChildren(`/zookeeper/quota${root}/a`)).children.sort()).toEqual(['zookeeper_limits', 'zookeeper_stats'])
    // zkCli's delquota -B of zkwire's quota, as zkwire lists it now.
    expect(await ok(s, 'listquota', `${root}/a`)).toBe(java[7])
    expect(java[7]).toBe(`Output quota for ${root}/a count=10,bytes=-1=;byteHardLimit=-1;countHardLimit=-1\nOutput stat for ${root}/a count=3,bytes=10\n`)
    // Before that delquota, both listed zkwire's quota the same; and zkCli's.
    expect(ours[1]).toBe(java[3])
    expect(java[3]).toBe(`Output quota for ${root}/b count=-1,bytes=1000=;byteHardLimit=-1;countHardLimit=5\nOutput stat for ${root}/b count=1,bytes=3\n`)
    expect(java[0]).toBe(`Output quota for ${root}/a count=10,bytes=-1=;byteHardLimit=2048;countHardLimit=-1\nOutput stat for ${root}/a count=3,bytes=10\n`)
    expect(ours[0]).toBe(java[7])
    // zkwire deletes zkCli's quota; zkCli then finds none, and deletes zkwire's.
    await ok(s, 'delquota', `${root}/b`)
    const after = await shell(true, [`listquota ${root}/b`, `delquota ${root}/a`, `listquota ${root}/a`])
    expect(after).toEqual(['', '', ''])
    expect(await zk.exists(`/zookeeper/quota${root}`)).toBeNull()
  })
})
