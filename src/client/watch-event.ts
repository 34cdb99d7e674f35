/**
 * Watch events as the public API delivers them: named types and states, client paths.
 */
import { EventType, KeeperState } from '../protocol/constants.js'
import type { RawWatchEvent } from '../session/watches.js'

/** What happened to a watched node, or `'None'` for the final event of a watch whose session ended. */
export type WatchEventType =
  | 'None'
  | 'NodeCreated'
  | 'NodeDeleted'
  | 'NodeDataChanged'
  | 'NodeChildrenChanged'
  | 'DataWatchRemoved'
  | 'ChildWatchRemoved'
  | 'PersistentWatchRemoved'

/** The session state an event was delivered in: `'SyncConnected'` for node events, `'Expired'` or `'Closed'` for final ones. */
export type WatchEventState = 'SyncConnected' | 'Disconnected' | 'Expired' | 'Closed' | 'AuthFailed' | 'ConnectedReadOnly' | 'SaslAuthenticated' | 'Unknown'

/** A watch notification. */
export interface WatchedEvent {
  /** What happened. */
  type: WatchEventType
  /** The session state at delivery. */
  state: WatchEventState
  /** The node's path as the client sees it (chroot removed); for final events, the watched path. */
  path: string
  /**
   * The zxid of the transaction that fired the watch (the node's new `mzxid`, `czxid` or `pzxid`),
   * present only when the server sends it: ZooKeeper 3.9 and later, for NodeCreated, NodeDeleted,
   * NodeDataChanged and NodeChildrenChanged of a live change. Absent on 3.5 to 3.8, on the
   * catch-up events a reconnect produces, and on the client's own removal and final events.
   */
  zxid?: bigint
}

const typeNames = new Map<number, WatchEventType>(Object.entries(EventType).map(([name, code]) => [code, name as WatchEventType]))
const stateNames = new Map<number, WatchEventState>(Object.entries(KeeperState).map(([name, code]) => [code, name as WatchEventState]))

/** Converts a session event to the public form. */
export function toWatchedEvent(raw: RawWatchEvent, clientPath: string): WatchedEvent {
  const event: WatchedEvent = {
    type: typeNames.get(raw.type) ?? 'None',
    state: stateNames.get(raw.state) ?? 'Unknown',
    path: clientPath,
  }
  if (raw.zxid !== undefined) event.zxid = raw.zxid
  return event
}

/** True for the last event a watch will ever deliver (its session ended, or it was removed). */
export function isFinalEvent(event: WatchedEvent): boolean {
  return event.type === 'None' || event.type === 'PersistentWatchRemoved' || event.type === 'DataWatchRemoved' || event.type === 'ChildWatchRemoved'
}
