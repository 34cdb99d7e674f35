/**
 * Command-line flags shared by the orchestrator and the workload children: `--name value`,
 * `--name=value` and bare `--flag` (true).
 */
export type Flags = Map<string, string | true>

export function parseFlags(argv: readonly string[]): Flags {
  const flags: Flags = new Map()
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!
    if (!arg.startsWith('--')) throw new Error(`unexpected argument '${arg}' (flags look like --name value)`)
    const eq = arg.indexOf('=')
    if (eq > 0) {
      flags.set(arg.slice(2, eq), arg.slice(eq + 1))
      continue
    }
    const next = argv[i + 1]
    if (next !== undefined && !next.startsWith('--')) {
      flags.set(arg.slice(2), next)
      i++
    } else {
      flags.set(arg.slice(2), true)
    }
  }
  return flags
}

export function flagString(flags: Flags, name: string): string | undefined {
  const v = flags.get(name)
  if (v === true) throw new Error(`--${name} needs a value`)
  return v
}

export function flagNumber(flags: Flags, name: string, fallback: number, check: (n: number) => boolean = (n) => n > 0): number {
  const v = flagString(flags, name)
  if (v === undefined) return fallback
  const n = Number(v)
  if (!Number.isFinite(n) || !check(n)) throw new Error(`--${name} must be a valid number, got '${v}'`)
  return n
}

export function flagBool(flags: Flags, name: string): boolean {
  const v = flags.get(name)
  return v === true || v === 'true' || v === '1' || v === 'yes'
}

/** `count` multiplied by the scale, at least `min`. */
export function scaled(count: number, scale: number, min = 1): number {
  return Math.max(min, Math.round(count * scale))
}
