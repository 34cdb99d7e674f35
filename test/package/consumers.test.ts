/**
 * The package as users get it: `npm pack` (which builds), installed from the tarball into a fresh
 * `npm init -y` project (CommonJS, as npm makes it), then
 * - `require('zkwire')` and `require('zkwire/testing')` from CommonJS, and `import` from ESM, give
 *   one module instance (the same classes either way);
 * - TypeScript consumers typecheck under moduleResolution node16, nodenext (ESM and CommonJS),
 *   bundler and node10, `zkwire/testing` included, and the types are real (a wrong call fails);
 * - the manifest and files: no `prepare` script, `repository`/`homepage`/`bugs`, a LICENSE, source
 *   maps whose sources are in the tarball, no build output without a source.
 */
import { execFile, execFileSync } from 'node:child_process'
import { promisify } from 'node:util'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, relative, resolve } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const repo = resolve(import.meta.dirname, '../..')
const tsc = join(repo, 'node_modules/typescript/bin/tsc')
let work: string
let installed: string

function write(path: string, text: string): void {
  mkdirSync(dirname(path), { recursive: true })
  writeFileSync(path, text)
}

function run(command: string, args: string[], cwd: string): string {
  try {
    return execFileSync(command, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 90_000 })
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string; message: string }
    throw new Error(`${command} ${args.join(' ')} failed in ${cwd}:\n${e.stdout ?? ''}${e.stderr ?? ''}`)
  }
}

const execFileAsync = promisify(execFile)

async function runAsync(command: string, args: string[], cwd: string): Promise<void> {
  try {
    await execFileAsync(command, args, { cwd, encoding: 'utf8', timeout: 90_000 })
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string }
    throw new Error(`${command} ${args.join(' ')} failed in ${cwd}:\n${e.stdout ?? ''}${e.stderr ?? ''}`)
  }
}

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'zkwire-consumers-'))
  // --silent: npm prints only the tarball's name; prepack builds dist from this checkout.
  const tarball = run('npm', ['pack', '--silent', '--pack-destination', work], repo).trim().split('\n').pop()!
  run('npm', ['init', '-y'], work)
  run('npm', ['install', '--offline', '--no-audit', '--no-fund', '--no-package-lock', join(work, tarball)], work)
  installed = join(work, 'node_modules/zkwire')
}, 180_000)

afterAll(() => {
  if (work !== undefined) rmSync(work, { recursive: true, force: true })
})

describe('the packed package', () => {
  it('npm init -y makes a CommonJS project, and require() loads zkwire and zkwire/testing', () => {
    expect(JSON.parse(readFileSync(join(work, 'package.json'), 'utf8')).type ?? 'commonjs').toBe('commonjs')
    write(join(work, 'cjs.js'), `
      const zk = require('zkwire')
      const testing = require('zkwire/testing')
      let refused = null
      try { zk.createClient('127.0.0.1:2181', { sesionTimeout: 1 }) } catch (e) { refused = e }
      import('zkwire').then((esm) => {
        console.log(JSON.stringify({
          createClient: typeof zk.createClient,
          srvr: typeof zk.srvr,
          TestingServer: typeof testing.TestingServer,
          fourLetterWord: typeof testing.fourLetterWord,
          sameModule: esm.InvalidArgumentError === zk.InvalidArgumentError,
          refused: refused instanceof zk.InvalidArgumentError && refused.message,
        }))
      })
    `)
    const out = JSON.parse(run(process.execPath, ['cjs.js'], work))
    expect(out).toEqual({ createClient: 'function', srvr: 'function', TestingServer: 'function', fourLetterWord: 'function', sameModule: true, refused: expect.stringContaining('did you mean "sessionTimeout"?') })
  })

  it('ESM import works too', () => {
    write(join(work, 'esm.mjs'), `
      import { createClient, ServiceRegistry } from 'zkwire'
      import { TestingServer } from 'zkwire/testing'
      console.log(typeof createClient, typeof ServiceRegistry, typeof TestingServer)
    `)
    expect(run(process.execPath, ['esm.mjs'], work).trim()).toBe('function function function')
  })

  it('engines names only Node versions that load ES modules from require() unflagged', () => {
    const manifest = JSON.parse(readFileSync(join(installed, 'package.json'), 'utf8'))
    expect(manifest.engines.node).toBe('^20.19.0 || >=22.12.0')
    const [major, minor] = process.versions.node.split('.').map(Number) as [number, number]
    expect(major === 20 ? minor >= 19 : major >= 22).toBe(true)
  })

  it('the manifest: no prepare script, repository, homepage, bugs, license; a LICENSE file', () => {
    const manifest = JSON.parse(readFileSync(join(installed, 'package.json'), 'utf8'))
    expect(manifest.scripts?.prepare).toBeUndefined()
    expect(manifest.repository?.url).toMatch(/^git\+https:\/\//)
    expect(manifest.homepage).toMatch(/^https:\/\//)
    expect(manifest.bugs?.url).toMatch(/^https:\/\//)
    expect(manifest.license).toBe('Apache-2.0')
    expect(readFileSync(join(installed, 'LICENSE'), 'utf8')).toContain('Apache License')
  })

  it('every built file has a source map, and every source map points at files in the package', () => {
    const scripts: string[] = []
    const walk = (dir: string): void => {
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        const path = join(dir, entry.name)
        if (entry.isDirectory()) walk(path)
        else if (entry.name.endsWith('.js')) scripts.push(path)
      }
    }
    walk(join(installed, 'dist'))
    expect(scripts.map((s) => relative(installed, s))).toEqual(expect.arrayContaining(['dist/index.js', 'dist/testing/index.js', 'dist/cli/main.js']))
    const missing: string[] = []
    const covered = new Set<string>()
    for (const script of scripts) {
      if (!existsSync(`${script}.map`)) {
        missing.push(`${relative(installed, script)} has no source map`)
        continue
      }
      const { sources } = JSON.parse(readFileSync(`${script}.map`, 'utf8')) as { sources: string[] }
      for (const source of sources) {
        const path = resolve(dirname(script), source)
        if (!existsSync(path)) missing.push(`${relative(installed, script)}.map -> ${source}`)
        else covered.add(relative(installed, path))
      }
    }
    expect(missing).toEqual([])
    // The bundles are built from the shipped sources, all of them reachable from an entry point.
    expect([...covered]).toEqual(expect.arrayContaining(['src/client/client.ts', 'src/session/session.ts', 'src/protocol/reader.ts', 'src/testing/server.ts', 'src/cli/main.ts']))
  })

  it('importing zkwire adds about 8 MB to a process, not one module per source file', () => {
    // One bundle per entry point: Node's loader costs about 85 kB of memory per module, and the
    // 116 modules tsc would emit made the import cost 17 MB (see scripts/build.mjs).
    write(join(work, 'rss.js'), `
      const before = process.memoryUsage().rss
      require('zkwire')
      console.log(JSON.stringify({ mb: (process.memoryUsage().rss - before) / 1e6 }))
    `)
    const { mb } = JSON.parse(run(process.execPath, ['rss.js'], work)) as { mb: number }
    expect(mb).toBeLessThan(13)
  })
})

/** A consumer project that uses both entry points; a wrong call proves the types are real. */
const consumerSource = `
import { createClient, InvalidArgumentError, srvr, type ServerStats, type ZooKeeperClient } from 'zkwire'
import { TestingServer, fourLetterWord } from 'zkwire/testing'

export async function check(): Promise<void> {
  const zk: ZooKeeperClient = createClient('127.0.0.1:2181', { sessionTimeout: 5_000 })
  const stats: ServerStats = await srvr('127.0.0.1:2181')
  const text: string = await fourLetterWord('127.0.0.1', 2181, 'ruok')
  const server: TestingServer | undefined = undefined
  const e: Error = new InvalidArgumentError('x')
  // @ts-expect-error the version goes in an options object
  await zk.setData('/a', 'x', 7)
  void [stats, text, server, e]
}
`

const consumers: [string, { type: 'module' | 'commonjs'; compilerOptions: Record<string, unknown> }][] = [
  ['node16 (ESM)', { type: 'module', compilerOptions: { module: 'node16', moduleResolution: 'node16' } }],
  ['nodenext (ESM)', { type: 'module', compilerOptions: { module: 'nodenext', moduleResolution: 'nodenext' } }],
  ['nodenext (CommonJS)', { type: 'commonjs', compilerOptions: { module: 'nodenext', moduleResolution: 'nodenext' } }],
  ['bundler', { type: 'module', compilerOptions: { module: 'esnext', moduleResolution: 'bundler' } }],
  ['node10 (CommonJS)', { type: 'commonjs', compilerOptions: { module: 'commonjs', moduleResolution: 'node10' } }],
]

describe('TypeScript consumers', () => {
  it.each(consumers)('typecheck under moduleResolution %s', async (name, { type, compilerOptions }) => {
    const dir = join(work, `ts-${name.replace(/\W+/g, '-')}`)
    write(join(dir, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type }))
    write(join(dir, 'index.ts'), consumerSource)
    write(join(dir, 'tsconfig.json'), JSON.stringify({
      compilerOptions: {
        ...compilerOptions,
        target: 'ES2022',
        lib: ['ES2022'],
        strict: true,
        noEmit: true,
        // skipLibCheck off: zkwire's own declaration files must typecheck in the consumer.
        skipLibCheck: false,
        types: ['node'],
        typeRoots: [join(repo, 'node_modules/@types')],
        ignoreDeprecations: '5.0',
      },
      files: ['index.ts'],
    }))
    await runAsync(process.execPath, [tsc, '-p', dir], dir)
  })
})
