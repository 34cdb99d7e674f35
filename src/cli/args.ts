/**
 * Argument parsing of shell lines and command flags, as zkCli does it: a line splits on whitespace,
 * a word that starts with a quote runs to the matching quote (so `set /a {"k":"v"}` keeps its
 * quotes, and `create /a "two words"` passes one word); flags may come anywhere among the
 * arguments (commons-cli), single-letter flags combine (`ls -sw /a`), and `--` ends the flags.
 */

/** A line split into words, with an optional `> file` / `>> file` redirection of its output. */
export interface ParsedLine {
  words: string[]
  redirect?: { file: string; append: boolean }
}

/** A command line the shell cannot make sense of; printed with the command's usage. */
export class UsageError extends Error {
  /** @param withUsage print the command's usage after the message (for malformed flags). */
  constructor(
    message: string,
    readonly withUsage = false,
  ) {
    super(message)
    this.name = 'UsageError'
  }
}

/** Splits a shell line into words (zkCli's rules, see the file comment) and a redirection. */
export function splitLine(line: string): ParsedLine {
  const words: { text: string; quoted: boolean }[] = []
  let i = 0
  while (i < line.length) {
    const ch = line[i]!
    if (/\s/.test(ch)) {
      i++
      continue
    }
    if (ch === '"' || ch === "'") {
      const end = line.indexOf(ch, i + 1)
      if (end === -1) throw new UsageError(`unterminated ${ch} quote in: ${line}`)
      words.push({ text: line.slice(i + 1, end), quoted: true })
      i = end + 1
      continue
    }
    let end = i
    while (end < line.length && !/\s/.test(line[end]!)) end++
    words.push({ text: line.slice(i, end), quoted: false })
    i = end
  }
  const out: ParsedLine = { words: [] }
  for (let k = 0; k < words.length; k++) {
    const w = words[k]!
    if (!w.quoted && (w.text === '>' || w.text === '>>')) {
      const target = words[k + 1]
      if (target === undefined) throw new UsageError(`${w.text} needs a file name`)
      if (out.redirect !== undefined) throw new UsageError('only one output redirection per line')
      out.redirect = { file: target.text, append: w.text === '>>' }
      k++
      continue
    }
    out.words.push(w.text)
  }
  return out
}

/** What a command accepts: boolean flags and flags that take a value. */
export type FlagSpec = Readonly<Record<string, 'flag' | 'value'>>

/** A command's arguments once its flags are taken out. */
export interface ParsedArgs {
  /** Flags given: `true` for boolean flags, the value for value flags (the last one wins). */
  flags: Map<string, string | true>
  /** The other arguments, in order. */
  positional: string[]
  /** Whether `--json` was given. */
  json: boolean
}

/**
 * Takes a command's flags out of its arguments. `--json` is accepted where `allowJson` is set.
 * Throws UsageError for an unknown flag or a value flag without its value.
 */
export function parseFlags(args: readonly string[], spec: FlagSpec, allowJson: boolean): ParsedArgs {
  const parsed: ParsedArgs = { flags: new Map(), positional: [], json: false }
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!
    if (arg === '--') {
      parsed.positional.push(...args.slice(i + 1))
      break
    }
    if (arg === '--json' && allowJson) {
      parsed.json = true
      continue
    }
    if (!arg.startsWith('-') || arg.length === 1) {
      parsed.positional.push(arg)
      continue
    }
    const name = arg.slice(1)
    const kind = spec[name]
    if (kind !== undefined) {
      if (kind === 'flag') parsed.flags.set(name, true)
      else {
        const value = args[i + 1]
        if (value === undefined) throw new UsageError(`Missing argument for option: ${name}`, true)
        parsed.flags.set(name, value)
        i++
      }
      continue
    }
    // commons-cli: `-v3` is -v with the value 3, and `-sw` is -s and -w.
    const first = name[0]!
    if (spec[first] === 'value') {
      parsed.flags.set(first, name.slice(1))
      continue
    }
    if ([...name].every((c) => spec[c] === 'flag')) {
      for (const c of name) parsed.flags.set(c, true)
      continue
    }
    throw new UsageError(`Unrecognized option: ${arg}`, true)
  }
  return parsed
}

/** Reads an integer flag (`-v 3`), or `fallback` when absent; UsageError when not an integer in range. */
export function intFlag(args: ParsedArgs, name: string, fallback: number, min = -0x80000000, max = 0x7fffffff): number {
  const value = args.flags.get(name)
  if (value === undefined) return fallback
  if (value === true || !/^-?\d+$/.test(value) || Number(value) < min || Number(value) > max) {
    throw new UsageError(`-${name} must be an integer from ${min} to ${max}, got ${value === true ? 'nothing' : JSON.stringify(value)}`)
  }
  return Number(value)
}
