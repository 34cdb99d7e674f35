/**
 * The two layers of connection state.
 *
 * The wire state is what the socket is doing. The application state is what recipes reason about,
 * as in Curator and kazoo: whether the session can be trusted right now (`connected`,
 * `reconnected`), is in doubt (`suspended`: the connection dropped, the session may still live),
 * or is gone (`lost`: the session expired, its ephemeral nodes and watches with it).
 */

/** What the socket layer is doing. */
export type WireState = 'connecting' | 'connected' | 'connectedReadOnly' | 'closed'

/** The application view of the connection, delivered as events and through `states()`. */
export type ConnectionState =
  /** First connection of the client established. */
  | 'connected'
  /** Connection lost; the session may still be alive on the servers. Stop acting as a leader. */
  | 'suspended'
  /** Connection re-established (same session, or a new one after `lost`: see `newSession`). */
  | 'reconnected'
  /** The session expired (told by the server, or no server answered for longer than it could live). */
  | 'lost'
  /** Connected to a server in read-only mode: reads work, writes fail with NotReadOnlyError. */
  | 'readOnly'
  /** The client was closed (by `close()`, or after an authentication failure). */
  | 'closed'

/** One change of the application state. */
export interface StateChange {
  /** The new state. */
  state: ConnectionState
  /** The state before. */
  previous: ConnectionState | 'initial'
  /** The session id in force after the change (0n when there is none). */
  sessionId: bigint
  /** For `connected`, `reconnected` and `readOnly`: whether this is a new session (ephemerals and watches of an older one are gone). */
  newSession: boolean
  /** Why the change happened, in words. */
  reason: string
  /**
   * For `suspended`: the servers may expire the session this many ms after the event (the
   * negotiated timeout, counted from the send time of the last packet a server answered). Local
   * expiry (`lost`) comes later, at 4/3 of the timeout; whatever must not outlive the session on
   * the servers (a leader acting while suspended) must stop by this bound.
   */
  serverExpiresInMs?: number
}

/** The application states that may follow each state. */
const allowed: Record<ConnectionState | 'initial', readonly ConnectionState[]> = {
  initial: ['connected', 'readOnly', 'lost', 'closed'],
  connected: ['suspended', 'lost', 'closed', 'readOnly', 'reconnected'],
  reconnected: ['suspended', 'lost', 'closed', 'readOnly', 'reconnected'],
  readOnly: ['suspended', 'lost', 'closed', 'reconnected'],
  suspended: ['reconnected', 'readOnly', 'lost', 'closed'],
  lost: ['reconnected', 'readOnly', 'closed'],
  closed: [],
}

/** True when moving from `from` to `to` is a legal application-state change. */
export function canTransition(from: ConnectionState | 'initial', to: ConnectionState): boolean {
  return allowed[from].includes(to)
}
