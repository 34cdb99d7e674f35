/**
 * Builds dist/: the declarations with tsc (one .d.ts per source file, as editors and the
 * TypeScript consumers expect), the JavaScript with esbuild as one bundle per entry point
 * (`zkwire`, `zkwire/testing`, the `zkwire` CLI) sharing chunks, so every entry point sees one
 * set of classes (`instanceof` works across them).
 *
 * Why a bundle: Node's module loader costs about 85 kB of resident memory per ES module. tsc's
 * output is 116 modules, and `import 'zkwire'` grew a process by 17 MB; bundled it is about 8 MB
 * (process.memoryUsage().rss before and after the import, Node 20; test/package checks it).
 * The source maps point into src/, which the package ships.
 */
import { execFileSync } from 'node:child_process'
import { rmSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'

const root = fileURLToPath(new URL('..', import.meta.url))

/** The entry points of the package, as paths under src/ without the extension. */
export const ENTRY_POINTS = ['index', 'testing/index', 'cli/main']

/**
 * Bundles the given entry points (default: all of them) into `outdir` (absolute, or relative to
 * the repository), mirroring `src/` (`index.js`, `testing/index.js`, `cli/main.js`, `chunks/`).
 * The benchmark uses it too, so it measures the client as the package ships it.
 */
export async function bundle(outdir, entries = ENTRY_POINTS) {
  await build({
    absWorkingDir: root,
    entryPoints: entries.map((entry) => `src/${entry}.ts`),
    outbase: 'src',
    outdir,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    sourcemap: true,
    // Class and function names as written: they show in stack traces and in `error.name`.
    keepNames: true,
    chunkNames: 'chunks/[name]-[hash]',
    logLevel: 'warning',
  })
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  rmSync(`${root}dist`, { recursive: true, force: true })
  execFileSync(process.execPath, [`${root}node_modules/typescript/bin/tsc`, '-p', `${root}tsconfig.build.json`, '--emitDeclarationOnly'], { stdio: 'inherit' })
  await bundle('dist')
}
