/** The entry points of the package, as paths under src/ without the extension. */
export declare const ENTRY_POINTS: readonly string[]
/** Bundles the entry points into `outdir`, as `npm run build` does for dist/. */
export declare function bundle(outdir: string, entries?: readonly string[]): Promise<void>
