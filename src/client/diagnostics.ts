/**
 * zkwire on `node:diagnostics_channel`, so APM tools and tests can observe requests and connection
 * states without wrapping the client (as undici and the database drivers publish theirs).
 *
 * - `zkwire:request` is a tracing channel (`tracing:zkwire:request:start`, `:end`, `:asyncStart`,
 *   `:asyncEnd`, `:error`) whose message is a {@link RequestMessage}; one trace per call sent.
 * - `zkwire:state` is a channel whose message is a {@link StateMessage}, one per state change.
 *
 * Nothing is built or published while no one subscribes.
 */
import { channel, tracingChannel } from 'node:diagnostics_channel'
import type { StateChange } from '../session/state.js'

/** Name of the tracing channel of requests. */
export const REQUEST_CHANNEL = 'zkwire:request'
/** Name of the channel of connection state changes. */
export const STATE_CHANNEL = 'zkwire:state'

/**
 * The message of a `zkwire:request` trace. The same object is passed to every event of one call,
 * so a subscriber may keep its own fields on it (a span, a start time) from `start` to `asyncEnd`.
 */
export interface RequestMessage {
  /** The client that made the call. */
  readonly client: object
  /** The operation, as named in errors: `'getData'`, `'create'`, `'multi'`... */
  readonly operation: string
  /** The node path as the caller gave it (chroot not included); undefined for calls without one (multi, whoAmI). */
  readonly path: string | undefined
  /** The session id when the call was made (0n before the first session). */
  readonly sessionId: bigint
  /** The server of the connection when the call was made (`host:port`), or null. */
  readonly server: string | null
  /** The request's xid once it went on the wire; undefined while it waits or when it never went out. */
  readonly xid: number | undefined
  /** Set before `asyncEnd` when the call succeeded: its result. */
  result?: unknown
  /** Set before `error` when the call failed: the error it rejects with. */
  error?: unknown
}

/** The message of the `zkwire:state` channel. */
export interface StateMessage extends StateChange {
  /** The client whose state changed. */
  readonly client: object
  /** The server of the connection after the change (`host:port`), or null. */
  readonly server: string | null
}

/** What the client reads the xid from; the session fills `xid` in when it sends the request. */
interface XidSource {
  xid?: number
}

const requests = tracingChannel<unknown, RequestMessage & object>(REQUEST_CHANNEL)
const states = channel(STATE_CHANNEL)

/** Whether anyone subscribed to the request trace (so callers skip building the message). */
export function tracingRequests(): boolean {
  return requests.hasSubscribers
}

/** Runs `send` inside a `zkwire:request` trace. */
export function traceRequest<T>(send: () => Promise<T>, client: object, operation: string, path: string | undefined, sessionId: bigint, server: string | null, context: XidSource): Promise<T> {
  const message: RequestMessage = {
    client,
    operation,
    path,
    sessionId,
    server,
    get xid() {
      return context.xid
    },
  }
  return requests.tracePromise(send, message)
}

/** Publishes a state change on `zkwire:state`. */
export function publishState(client: object, change: StateChange, server: string | null): void {
  if (!states.hasSubscribers) return
  const message: StateMessage = { ...change, client, server }
  states.publish(message)
}
