/**
 * Output formats of the command-line shell: the text zkCli prints (Stat lines, ACL entries, child
 * lists, dates as `java.util.Date.toString()`), and the JSON shapes of `--json`.
 */
import type { ACL, Stat } from '../index.js'
import { Perms } from '../index.js'

const TWO_64 = 1n << 64n

/** A 64-bit value as `Long.toHexString` prints it: two's complement for negatives, no padding. */
export function hex(value: bigint): string {
  return `0x${(value < 0n ? value + TWO_64 : value).toString(16)}`
}

const dateParts = new Map<string, Intl.DateTimeFormat>()

/**
 * A time as `java.util.Date.toString()` prints it (`EEE MMM dd HH:mm:ss zzz yyyy`, local time zone),
 * which is what zkCli shows for ctime and mtime. The zone abbreviation comes from Intl (en-US), so it
 * matches Java for UTC and the US zones and may read `GMT+1` where Java says `CET`.
 */
export function javaDate(ms: bigint | number, timeZone?: string): string {
  const key = timeZone ?? ''
  let format = dateParts.get(key)
  if (format === undefined) {
    format = new Intl.DateTimeFormat('en-US', {
      weekday: 'short', month: 'short', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit',
      hourCycle: 'h23', year: 'numeric', timeZoneName: 'short', ...(timeZone === undefined ? {} : { timeZone }),
    })
    dateParts.set(key, format)
  }
  const parts: Record<string, string> = {}
  for (const part of format.formatToParts(new Date(Number(ms)))) parts[part.type] = part.value
  return `${parts.weekday} ${parts.month} ${parts.day} ${parts.hour}:${parts.minute}:${parts.second} ${parts.timeZoneName} ${parts.year}`
}

/** The eleven Stat lines of zkCli's StatPrinter, in its order and with its names. */
export function statText(stat: Stat): string {
  return [
    `cZxid = ${hex(stat.czxid)}`,
    `ctime = ${javaDate(stat.ctime)}`,
    `mZxid = ${hex(stat.mzxid)}`,
    `mtime = ${javaDate(stat.mtime)}`,
    `pZxid = ${hex(stat.pzxid)}`,
    `cversion = ${stat.cversion}`,
    `dataVersion = ${stat.version}`,
    `aclVersion = ${stat.aversion}`,
    `ephemeralOwner = ${hex(stat.ephemeralOwner)}`,
    `dataLength = ${stat.dataLength}`,
    `numChildren = ${stat.numChildren}`,
  ].join('\n') + '\n'
}

/** A Stat for `--json`: zxids and the owner as hex strings (64-bit), times in ms since the epoch. */
export function statJson(stat: Stat): Record<string, string | number> {
  return {
    czxid: hex(stat.czxid),
    mzxid: hex(stat.mzxid),
    pzxid: hex(stat.pzxid),
    ctime: Number(stat.ctime),
    mtime: Number(stat.mtime),
    version: stat.version,
    cversion: stat.cversion,
    aversion: stat.aversion,
    ephemeralOwner: hex(stat.ephemeralOwner),
    dataLength: stat.dataLength,
    numChildren: stat.numChildren,
  }
}

const PERM_LETTERS: readonly [number, string][] = [
  [Perms.CREATE, 'c'],
  [Perms.DELETE, 'd'],
  [Perms.READ, 'r'],
  [Perms.WRITE, 'w'],
  [Perms.ADMIN, 'a'],
]

/** Permissions as zkCli writes them (`ZKUtil.getPermString`: c, d, r, w, a in that order). */
export function permString(perms: number): string {
  return PERM_LETTERS.filter(([bit]) => (perms & bit) !== 0).map(([, letter]) => letter).join('')
}

/** Parses `cdrwa` letters; throws with the offending letter. */
export function parsePerms(text: string): number {
  let perms = 0
  for (const ch of text) {
    const entry = PERM_LETTERS.find(([, letter]) => letter === ch)
    if (entry === undefined) throw new Error(`unknown permission "${ch}" in "${text}": use the letters c, d, r, w, a`)
    perms |= entry[0]
  }
  return perms
}

/**
 * One ACL entry as zkCli prints it: the Jute `Id.toString()` (a CSV record ending in a newline,
 * strings quoted with a leading `'`), then `: ` and the permissions.
 */
export function aclText(acl: readonly ACL[]): string {
  return acl.map((a) => `'${csv(a.id.scheme)},'${csv(a.id.id)}\n: ${permString(a.perms)}\n`).join('')
}

const CSV_ESCAPES: Record<string, string> = { '\0': '%00', '\n': '%0A', '\r': '%0D', ',': '%2C', '}': '%7D', '%': '%25' }

/** Jute's CSV string escaping (`Utils.toCSVString` of ZooKeeper 3.8). */
function csv(s: string): string {
  return s.replace(/[\0\n\r,}%]/g, (ch) => CSV_ESCAPES[ch]!)
}

/** An ACL for `--json` and dumps: `{ scheme, id, perms: "cdrwa" }`. */
export function aclJson(acl: readonly ACL[]): { scheme: string; id: string; perms: string }[] {
  return acl.map((a) => ({ scheme: a.id.scheme, id: a.id.id, perms: permString(a.perms) }))
}

/**
 * Parses a zkCli ACL argument: `scheme:id:perms[,scheme:id:perms...]`; the id is everything between
 * the first and last colon (so `ip:10.0.0.1:r` and `digest:user:hash=:cdrwa` both work).
 */
export function parseAcl(text: string): ACL[] {
  const acl: ACL[] = []
  for (const entry of text.split(',')) {
    const first = entry.indexOf(':')
    const last = entry.lastIndexOf(':')
    if (first === -1 || first === last) throw new Error(`ACL entry "${entry}" does not have the form scheme:id:perm (e.g. world:anyone:cdrwa)`)
    acl.push({ id: { scheme: entry.slice(0, first), id: entry.slice(first + 1, last) }, perms: parsePerms(entry.slice(last + 1)) })
  }
  return acl
}

/** Node data for JSON: UTF-8 text when it decodes cleanly, else base64; `encoding` says which. */
export function dataJson(data: Buffer): { data: string; encoding: 'utf8' | 'base64' } {
  const text = data.toString('utf8')
  if (Buffer.from(text, 'utf8').equals(data)) return { data: text, encoding: 'utf8' }
  return { data: data.toString('base64'), encoding: 'base64' }
}

/** The inverse of {@link dataJson}. */
export function dataFromJson(data: string, encoding: string | undefined): Buffer {
  if (encoding === undefined || encoding === 'utf8') return Buffer.from(data, 'utf8')
  if (encoding === 'base64') return Buffer.from(data, 'base64')
  throw new Error(`unknown data encoding "${encoding}" (expected utf8 or base64)`)
}

/** Children as zkCli's `ls` prints them: sorted, `[a, b, c]`. */
export function childrenText(children: readonly string[]): string {
  return `[${[...children].sort(compareNames).join(', ')}]\n`
}

/** Java's `String.compareTo` order (UTF-16 code units), which zkCli sorts children with. */
export function compareNames(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}

/** A hex dump of data, 16 bytes a line with offsets and printable characters (`get -x`). */
export function hexDump(data: Buffer): string {
  const lines: string[] = []
  for (let offset = 0; offset < data.length; offset += 16) {
    const row = data.subarray(offset, offset + 16)
    const bytes = [...row].map((b) => b.toString(16).padStart(2, '0')).join(' ')
    const text = [...row].map((b) => (b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.')).join('')
    lines.push(`${offset.toString(16).padStart(8, '0')}  ${bytes.padEnd(47)}  |${text}|`)
  }
  return lines.join('\n')
}

/** JSON text for `--json` output: two-space indented, one document per command, newline-terminated. */
export function jsonText(value: unknown): string {
  return `${JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? v.toString() : v), 2)}\n`
}
