/**
 * Codec throughput: zkwire's hand-written codecs against node-zookeeper-client's run-time Jute
 * interpreter, on the same messages, in the same process, in interleaved rounds.
 *
 * Run with `npm run bench:codec`. Environment: ZKWIRE_BENCH_ROUNDS (default 7),
 * ZKWIRE_BENCH_MS (time budget per measurement, default 250), ZKWIRE_BENCH_CLOCK=wall to count
 * wall time instead of CPU time.
 */
import { createRequire } from 'node:module'
import {
  GetChildren2ResponseCodec,
  GetDataRequestCodec,
  GetDataResponseCodec,
  OpCode,
  Reader,
  ReplyHeaderCodec,
  RequestHeaderCodec,
  SetWatchesCodec,
  type Stat,
  Writer,
} from '../src/protocol/index.js'

// The incumbent is CommonJS without types: describe just what the benchmark touches.
interface JuteRecord {
  [field: string]: unknown
  serialize(buffer: Buffer, offset: number): number
  deserialize(buffer: Buffer, offset: number): number
  byteLength(): number
}
type JuteRecordClass = new (...args: unknown[]) => JuteRecord
interface Jute {
  protocol: Record<string, JuteRecordClass>
  data: Record<string, JuteRecordClass>
  Request: new (header: JuteRecord | null, payload: JuteRecord | null) => { toBuffer(): Buffer }
}
const jute = createRequire(import.meta.url)('node-zookeeper-client/lib/jute/index.js') as Jute

const ROUNDS = Number(process.env.ZKWIRE_BENCH_ROUNDS ?? 7)
const BUDGET_MS = Number(process.env.ZKWIRE_BENCH_MS ?? 250)
/** Hard cap on iterations per measurement, whatever the clock says. */
const MAX_ITERATIONS = 5_000_000

// ---- the messages ---------------------------------------------------------------------------

const PATH = '/services/db/leader01' // 21 characters
const XID = 42
const ZXID = 0x1_0000_00a3n
const stat: Stat = {
  czxid: 0x1_0000_0002n,
  mzxid: 0x1_0000_00a3n,
  ctime: 1_700_000_000_000n,
  mtime: 1_700_000_123_456n,
  version: 17,
  cversion: 3,
  aversion: 0,
  ephemeralOwner: 0x1000_0123_4567_89abn,
  dataLength: 100,
  numChildren: 0,
  pzxid: 0x1_0000_0002n,
}
const data = Buffer.alloc(100, 0x61)
const children = Array.from({ length: 1000 }, (_, i) => `member-${String(i).padStart(10, '0')}`)
const watchPaths = Array.from({ length: 10_000 }, (_, i) => `/app/config/service-${i}/node`)
const setWatches = {
  relativeZxid: ZXID,
  dataWatches: watchPaths.slice(0, 4000),
  existWatches: watchPaths.slice(4000, 6000),
  childWatches: watchPaths.slice(6000),
}

// zkwire side: one writer reused, as the session does; `take()` copies out a fresh frame per
// message, as the incumbent's `toBuffer()` allocates one.
const writer = new Writer()

function zkEncodeGetDataRequest(): Buffer {
  const frame = writer.beginFrame()
  RequestHeaderCodec.encode(writer, { xid: XID, type: OpCode.getData })
  GetDataRequestCodec.encode(writer, { path: PATH, watch: false })
  writer.endFrame(frame)
  return writer.take()
}

function zkEncodeReply<T>(encode: (w: Writer, v: T) => void, body: T): Buffer {
  const frame = writer.beginFrame()
  ReplyHeaderCodec.encode(writer, { xid: XID, zxid: ZXID, err: 0 })
  encode(writer, body)
  writer.endFrame(frame)
  return writer.take()
}

const getDataResponse = { data, stat }
const getChildrenResponse = { children, stat }

// Incumbent side: longs are 8-byte Buffers; records are built the way its client builds them.
function long(v: bigint): Buffer {
  const b = Buffer.alloc(8)
  b.writeBigInt64BE(v)
  return b
}
function ncStat(): JuteRecord {
  const s = new jute.data.Stat!()
  Object.assign(s, {
    czxid: long(stat.czxid), mzxid: long(stat.mzxid), ctime: long(stat.ctime), mtime: long(stat.mtime),
    version: stat.version, cversion: stat.cversion, aversion: stat.aversion,
    ephemeralOwner: long(stat.ephemeralOwner), dataLength: stat.dataLength, numChildren: stat.numChildren, pzxid: long(stat.pzxid),
  })
  return s
}
function ncReplyHeader(): JuteRecord {
  const h = new jute.protocol.ReplyHeader!()
  Object.assign(h, { xid: XID, zxid: long(ZXID), err: 0 })
  return h
}
function ncRecord(name: string, fields: Record<string, unknown>): JuteRecord {
  return Object.assign(new jute.protocol[name]!(), fields)
}

function ncEncodeGetDataRequest(): Buffer {
  // As Client.prototype.getData does it.
  const header = new jute.protocol.RequestHeader!()
  header.xid = XID
  header.type = OpCode.getData
  const payload = new jute.protocol.GetDataRequest!()
  payload.path = PATH
  payload.watch = false
  return new jute.Request(header, payload).toBuffer()
}

const ncGetDataResponse = ncRecord('GetDataResponse', { data, stat: ncStat() })
const ncGetChildrenResponse = ncRecord('GetChildren2Response', { children, stat: ncStat() })
const ncSetWatches = ncRecord('SetWatches', { ...setWatches, relativeZxid: long(ZXID) })
const ncReply = ncReplyHeader()
const ncSetWatchesHeader = ncRecord('RequestHeader', { xid: -8, type: OpCode.setWatches })

const { ReplyHeader: NcReplyHeader, RequestHeader: NcRequestHeader } = jute.protocol as Record<string, JuteRecordClass>

/** Decodes a frame payload (length prefix removed) as ReplyHeader + body, as the incumbent's client does. */
function ncDecodeReply(payload: Buffer, Body: JuteRecordClass): unknown {
  const header = new NcReplyHeader!()
  const n = header.deserialize(payload, 0)
  const body = new Body()
  body.deserialize(payload, n)
  return [header, body]
}

/** Decodes a frame payload as RequestHeader + body with the incumbent's records. */
function ncDecodeRequest(payload: Buffer, Body: JuteRecordClass): unknown {
  const header = new NcRequestHeader!()
  const n = header.deserialize(payload, 0)
  const body = new Body()
  body.deserialize(payload, n)
  return [header, body]
}

// ---- the cases ------------------------------------------------------------------------------

interface Side { encode: () => unknown; decode: () => unknown }
interface Case { name: string; zkwire: Side; incumbent: Side; frame: Buffer }

/** The frame without its length prefix, as the framer delivers it (computed once, outside the loops). */
function payloadOf(frame: Buffer): Buffer {
  return frame.subarray(4)
}

const getDataRequestFrame = zkEncodeGetDataRequest()
const getDataResponseFrame = zkEncodeReply(GetDataResponseCodec.encode, getDataResponse)
const getChildrenFrame = zkEncodeReply(GetChildren2ResponseCodec.encode, getChildrenResponse)
function zkEncodeSetWatches(): Buffer {
  const frame = writer.beginFrame()
  RequestHeaderCodec.encode(writer, { xid: -8, type: OpCode.setWatches })
  SetWatchesCodec.encode(writer, setWatches)
  writer.endFrame(frame)
  return writer.take()
}
const setWatchesFrame = zkEncodeSetWatches()
const getDataRequestPayload = payloadOf(getDataRequestFrame)
const getDataResponsePayload = payloadOf(getDataResponseFrame)
const getChildrenPayload = payloadOf(getChildrenFrame)
const setWatchesPayload = payloadOf(setWatchesFrame)

const cases: Case[] = [
  {
    name: 'getData request (header + 21-char path)',
    frame: getDataRequestFrame,
    zkwire: {
      encode: zkEncodeGetDataRequest,
      decode: () => {
        const r = new Reader(getDataRequestPayload)
        return [RequestHeaderCodec.decode(r), GetDataRequestCodec.decode(r)]
      },
    },
    incumbent: { encode: ncEncodeGetDataRequest, decode: () => ncDecodeRequest(getDataRequestPayload, jute.protocol.GetDataRequest!) },
  },
  {
    name: 'getData response (100 B data + Stat)',
    frame: getDataResponseFrame,
    zkwire: {
      encode: () => zkEncodeReply(GetDataResponseCodec.encode, getDataResponse),
      decode: () => {
        const r = new Reader(getDataResponsePayload)
        return [ReplyHeaderCodec.decode(r), GetDataResponseCodec.decode(r)]
      },
    },
    incumbent: {
      encode: () => new jute.Request(ncReply, ncGetDataResponse).toBuffer(),
      decode: () => ncDecodeReply(getDataResponsePayload, jute.protocol.GetDataResponse!),
    },
  },
  {
    name: 'getChildren2 response (1,000 names)',
    frame: getChildrenFrame,
    zkwire: {
      encode: () => zkEncodeReply(GetChildren2ResponseCodec.encode, getChildrenResponse),
      decode: () => {
        const r = new Reader(getChildrenPayload)
        return [ReplyHeaderCodec.decode(r), GetChildren2ResponseCodec.decode(r)]
      },
    },
    incumbent: {
      encode: () => new jute.Request(ncReply, ncGetChildrenResponse).toBuffer(),
      decode: () => ncDecodeReply(getChildrenPayload, jute.protocol.GetChildren2Response!),
    },
  },
  {
    name: 'setWatches (10,000 paths)',
    frame: setWatchesFrame,
    zkwire: {
      encode: zkEncodeSetWatches,
      decode: () => {
        const r = new Reader(setWatchesPayload)
        return [RequestHeaderCodec.decode(r), SetWatchesCodec.decode(r)]
      },
    },
    incumbent: {
      encode: () => new jute.Request(ncSetWatchesHeader, ncSetWatches).toBuffer(),
      decode: () => ncDecodeRequest(setWatchesPayload, jute.protocol.SetWatches!),
    },
  },
]

// Both sides must produce the same bytes, or the comparison means nothing.
for (const c of cases) {
  const theirs = c.incumbent.encode() as Buffer
  if (!theirs.equals(c.frame)) throw new Error(`${c.name}: zkwire and node-zookeeper-client encode different bytes`)
}

// ---- measuring ------------------------------------------------------------------------------

let sink: unknown

/** Calls `fn` `n` times; returns the last result so the calls cannot be optimised away. */
type Loop = (fn: () => unknown, n: number) => unknown

/**
 * A fresh loop function per measured operation. One shared loop would see every operation at
 * the same call site, which V8 then cannot inline: that would add the same fixed cost to both
 * libraries and flatten the ratio. (benchmark.js compiles its test loops per test for the same
 * reason.)
 */
function makeLoop(): Loop {
  return new Function('fn', 'n', 'let last; for (let i = 0; i < n; i++) last = fn(); return last') as Loop
}

/**
 * Microseconds of CPU time this process has used (user + system), or of wall time with
 * ZKWIRE_BENCH_CLOCK=wall. CPU time is the default: on a shared machine the process is often
 * descheduled, which wall time would count against whichever library was running.
 */
const WALL = process.env.ZKWIRE_BENCH_CLOCK === 'wall'
function clock(): number {
  if (WALL) return Number(process.hrtime.bigint()) / 1e3
  const { user, system } = process.cpuUsage()
  return user + system
}

/** Runs `fn` until the time budget or the iteration cap is spent; returns operations per second. */
function measure(loop: Loop, fn: () => unknown): number {
  let batch = 1
  let iterations = 0
  const start = clock()
  const deadline = start + BUDGET_MS * 1e3
  let now = start
  while (iterations < MAX_ITERATIONS) {
    sink = loop(fn, batch)
    iterations += batch
    now = clock()
    if (now >= deadline) break
    // Look at the clock about every millisecond, not after every call.
    if (now - start < 1e3) batch *= 2
  }
  return (iterations * 1e6) / (now - start)
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b)
  const mid = s.length >> 1
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2
}

type Key = `${number}:${'zkwire' | 'incumbent'}:${'encode' | 'decode'}`
const samples = new Map<Key, number[]>()
const loops = new Map<Key, Loop>()

function record(key: Key, opsPerSecond: number): void {
  const list = samples.get(key) ?? []
  list.push(opsPerSecond)
  samples.set(key, list)
}

const warmup = 1
process.stdout.write(`node ${process.version}, ${ROUNDS} rounds (+${warmup} warm-up) of ${BUDGET_MS} ms ${WALL ? 'wall' : 'CPU'} time per measurement\n`)
for (let round = 0; round < ROUNDS + warmup; round++) {
  // Interleave: every case, both libraries, both directions, in an order that alternates by round.
  const order = round % 2 === 0 ? (['zkwire', 'incumbent'] as const) : (['incumbent', 'zkwire'] as const)
  cases.forEach((c, i) => {
    for (const side of order) {
      for (const dir of ['encode', 'decode'] as const) {
        const key: Key = `${i}:${side}:${dir}`
        if (!loops.has(key)) loops.set(key, makeLoop())
        const ops = measure(loops.get(key)!, c[side][dir])
        if (round >= warmup) record(key, ops)
      }
    }
  })
  process.stdout.write(round < warmup ? 'warm-up done\n' : `round ${round - warmup + 1}/${ROUNDS}\n`)
}
void sink

function fmt(n: number): string {
  return n >= 1e6 ? `${(n / 1e6).toFixed(2)} M/s` : n >= 1e3 ? `${(n / 1e3).toFixed(1)} k/s` : `${n.toFixed(0)} /s`
}

const rows: string[][] = [['message', 'op', 'zkwire', 'node-zookeeper-client', 'ratio']]
cases.forEach((c, i) => {
  for (const dir of ['encode', 'decode'] as const) {
    const ours = median(samples.get(`${i}:zkwire:${dir}`)!)
    const theirs = median(samples.get(`${i}:incumbent:${dir}`)!)
    rows.push([c.name, dir, fmt(ours), fmt(theirs), `${(ours / theirs).toFixed(1)}x`])
  }
})
const widths = rows[0]!.map((_, col) => Math.max(...rows.map((r) => r[col]!.length)))
const line = (r: string[]) => `| ${r.map((cell, col) => (col >= 2 ? cell.padStart(widths[col]!) : cell.padEnd(widths[col]!))).join(' | ')} |`
process.stdout.write(`\noperations per ${WALL ? 'wall' : 'CPU'} second, medians of ${ROUNDS} rounds (ratio = zkwire / node-zookeeper-client)\n\n`)
process.stdout.write(`${line(rows[0]!)}\n|${widths.map((w, col) => (col >= 2 ? `${'-'.repeat(w + 1)}:` : `${'-'.repeat(w + 2)}`)).join('|')}|\n`)
for (const r of rows.slice(1)) process.stdout.write(`${line(r)}\n`)
