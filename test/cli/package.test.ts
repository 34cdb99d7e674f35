/**
 * `npx zkwire -server 127.0.0.1:PORT ls /` from a fresh install: the package is built, packed
 * with npm, installed from the tarball into an empty project (offline: zkwire has no runtime
 * dependencies), and its `bin` run through npx.
 */
import { execFile } from 'node:child_process'
import { copyFile, mkdir, mkdtemp, readFile, readdir, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { beforeAll, describe, expect, it } from 'vitest'
import { chrootClient } from '../support/zk.js'
import { ROOT } from './helpers.js'

const exec = promisify(execFile)
let app: string

async function npx(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await exec('npx', ['--offline', '--no-install', 'zkwire', ...args], { cwd: app, timeout: 30_000 })
    return { code: 0, stdout, stderr }
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string }
    return { code: e.code, stdout: e.stdout, stderr: e.stderr }
  }
}

describe('the packed package', () => {
  beforeAll(async () => {
    const work = await mkdtemp(join(tmpdir(), 'zkwire-pack-'))
    const pkg = join(work, 'pkg')
    await mkdir(pkg)
    await exec(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', join(ROOT, 'tsconfig.build.json'), '--outDir', join(pkg, 'dist')], { cwd: ROOT })
    await copyFile(join(ROOT, 'package.json'), join(pkg, 'package.json'))
    await copyFile(join(ROOT, 'README.md'), join(pkg, 'README.md'))
    await exec('npm', ['pack', '--ignore-scripts', '--pack-destination', work], { cwd: pkg })
    const tarball = (await readdir(work)).find((f) => f.endsWith('.tgz'))!
    app = join(work, 'app')
    await mkdir(app)
    await writeFile(join(app, 'package.json'), JSON.stringify({ name: 'app', version: '1.0.0', private: true }))
    await exec('npm', ['install', '--offline', '--no-audit', '--no-fund', join(work, tarball)], { cwd: app })
  }, 180_000)

  it('npx zkwire -server ... ls / works and exits 0', async () => {
    const { client, connectString } = await chrootClient()
    await client.create('/from-npx')
    expect(await npx('-server', connectString, 'ls', '/')).toEqual({ code: 0, stdout: '[from-npx]\n', stderr: '' })
  })

  it('a failure exits 1 with the error on stderr', async () => {
    const { connectString } = await chrootClient()
    const r = await npx('-server', connectString, 'get', '/nope')
    expect(r.code).toBe(1)
    expect(r.stdout).toBe('')
    expect(r.stderr).toMatch(/^NoNodeError: \/nope does not exist/)
  })

  it('the bin is the built file with a shebang', async () => {
    const bin = JSON.parse(await readFile(join(app, 'node_modules/zkwire/package.json'), 'utf8')).bin.zkwire
    expect(bin).toBe('./dist/cli/main.js')
    expect((await readFile(join(app, 'node_modules/zkwire', bin), 'utf8')).startsWith('#!/usr/bin/env node\n')).toBe(true)
  })
})
