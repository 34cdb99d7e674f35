/**
 * A request from submission to settlement, and what the session needs to know about it besides
 * the bytes: the operation and path for errors, the watch to register with its reply, and how the
 * caller may stop waiting.
 */
import { ProtocolError, RequestTimeoutError, ZooKeeperError } from '../common/errors.js'
import type { Codec } from '../protocol/codec.js'
import { ErrorCode } from '../protocol/constants.js'
import type { Reader } from '../protocol/reader.js'
import type { Clock } from './clock.js'
import type { RawWatcher, WatchKind, WatchRegistry } from './watches.js'

/** How the session should register a watch once a request's reply arrives. */
export interface WatchRegistration {
  /** Kind to register when the reply succeeds. */
  kind: WatchKind
  /** Kind to register when the reply is NONODE (exists sets an existence watch), if any. */
  kindOnNoNode?: WatchKind
  /** Server path. */
  path: string
  /** Called with every event of the watch. */
  watcher: RawWatcher
}

/** Per-request details that do not go on the wire. */
export interface RequestContext {
  /** Operation name for errors, e.g. `'getData'`. */
  operation: string
  /** The caller's path (chroot removed), for errors. */
  path?: string
  /** Watch to register when the reply arrives. */
  watch?: WatchRegistration
  /** Resolve with this value instead of failing when the server answers NONODE (exists). */
  noNodeResult?: unknown
  /** Abort the wait for the reply. */
  signal?: AbortSignal
  /** Fail with RequestTimeoutError if no reply within this many ms. */
  timeoutMs?: number
  /** Set by the session when the request goes on the wire, for tracing (diagnostics_channel). */
  xid?: number
}

/** A request of the session: queued, sent (it has an xid), then settled exactly once. */
export class Request {
  /** Set when the request goes on the wire; 0 until then (0 is never a valid xid). */
  xid = 0
  /** True once the caller has its result; a sent request stays queued after that, to match its reply. */
  settled = false
  /** Bytes of its frame on the wire, once sent (counted against the session's byte budget). */
  bytes = 0
  /** Clock time when it was written to the connection. */
  sentAt = 0
  /** Clock time when it was queued to wait for a connection (bounds that wait). */
  queuedAt = 0
  private cleanup: (() => void) | undefined = undefined
  /** Settles with the decoded reply, or rejects with why there is none. */
  readonly promise: Promise<unknown>
  private resolveFn!: (value: unknown) => void
  private rejectFn!: (error: unknown) => void

  /**
   * @param opcode the operation on the wire.
   * @param codec encodes `body` after the RequestHeader (null for requests without a record).
   * @param body the request record.
   * @param decode reads the reply record (null when the reply has none, or it is not needed).
   * @param context what does not go on the wire.
   */
  constructor(
    readonly opcode: number,
    readonly codec: Codec<unknown> | null,
    readonly body: unknown,
    readonly decode: ((r: Reader) => unknown) | null,
    readonly context: RequestContext,
  ) {
    this.promise = new Promise((resolve, reject) => {
      this.resolveFn = resolve
      this.rejectFn = reject
    })
  }

  /**
   * Arms the caller's signal and timeout: when either fires first, `abandon` is called with the
   * signal's reason or a RequestTimeoutError. Both are undone when the request settles.
   */
  watchForAbandon(clock: Clock, abandon: (req: Request, reason: unknown) => void): void {
    const { signal, timeoutMs, path, operation } = this.context
    if (signal?.aborted) {
      abandon(this, signal.reason)
      return
    }
    const onAbort = (): void => abandon(this, signal!.reason)
    signal?.addEventListener('abort', onAbort, { once: true })
    const timer = timeoutMs === undefined ? undefined : clock.setTimeout(() => {
      // A request still waiting for the connection (xid 0) was never sent, so it cannot have been applied.
      const outcome = this.xid === 0 ? 'it was never sent (no connection was ready), so it was not applied' : 'it may or may not have been applied'
      abandon(this, new RequestTimeoutError({ path, operation, message: `${path ?? ''} got no reply within ${timeoutMs} ms (${operation}); ${outcome}`.trimStart() }))
    }, timeoutMs)
    this.cleanup = () => {
      signal?.removeEventListener('abort', onAbort)
      clock.clearTimeout(timer)
    }
  }

  /** Gives the caller its result; later calls do nothing. */
  settle(value: unknown, failed: boolean): void {
    if (this.settled) return
    this.settled = true
    this.cleanup?.()
    this.cleanup = undefined
    if (failed) this.rejectFn(value)
    else this.resolveFn(value)
  }

  /**
   * Decodes the request's reply, registers its watch at once (so a notification in the next frame
   * finds it), and hands the result to `deliver`, which settles it in wire order. A ProtocolError
   * from decoding is rethrown: malformed bytes break the stream, so the connection must go.
   */
  complete(err: number, r: Reader, watches: WatchRegistry, deliver: (req: Request, value: unknown, failed: boolean) => void): void {
    const context = this.context
    if (err !== 0) {
      const watch = context.watch
      if (err === ErrorCode.NONODE && watch?.kindOnNoNode !== undefined && !this.settled) watches.add(watch.kindOnNoNode, watch.path, watch.watcher)
      if (err === ErrorCode.NONODE && 'noNodeResult' in context) deliver(this, context.noNodeResult, false)
      else deliver(this, ZooKeeperError.from(err, { path: context.path, operation: context.operation }), true)
      return
    }
    let value: unknown
    try {
      value = this.decode === null ? undefined : this.decode(r)
    } catch (error) {
      if (error instanceof ProtocolError) throw error
      // Any other error (a failed multi) belongs to this call alone.
      deliver(this, error, true)
      return
    }
    if (context.watch !== undefined && !this.settled) watches.add(context.watch.kind, context.watch.path, context.watch.watcher)
    deliver(this, value, false)
  }
}
