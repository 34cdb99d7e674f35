/**
 * Watch notifications, from the wire to the watchers: which watchers a notification frame fires
 * (with the NodeChildrenChanged a recursive watch stands in for), and the final event every watch
 * gets when the session ends. Delivery keeps the server's order ({@link OrderedDelivery}).
 */
import { EventType } from '../protocol/constants.js'
import type { Reader } from '../protocol/reader.js'
import { WatcherEventCodec } from '../protocol/records.js'
import type { OrderedDelivery } from './delivery.js'
import type { RawWatchEvent, WatchRegistry } from './watches.js'

/**
 * Handles a notification (xid -1) whose header has been read: `r` is at the WatcherEvent,
 * `zxidHigh`/`zxidLow` are the header's zxid words.
 */
export function deliverNotification(r: Reader, zxidHigh: number, zxidLow: number, watches: WatchRegistry, delivery: OrderedDelivery): void {
  const event = WatcherEventCodec.decode(r)
  const path = event.path ?? ''
  const watchers = watches.trigger(event.type, path)
  // Where a recursive watch stands in for a node's NodeChildrenChanged (see WatchRegistry.derived).
  const derived = watches.derived(event.type, path)
  if (watchers.length === 0 && derived === null) return
  const raw: RawWatchEvent = { type: event.type, state: event.state, path }
  // 3.9 servers (ZOOKEEPER-4655) put the triggering transaction's zxid in the header; older ones,
  // and events a reconnect's SetWatches produces, send -1. A notification never moves lastZxid.
  if (zxidHigh > 0 || (zxidHigh === 0 && zxidLow > 0)) raw.zxid = (BigInt(zxidHigh) << 32n) | BigInt(zxidLow)
  delivery.event(watchers, raw)
  if (derived !== null) delivery.event(derived.watchers, { ...raw, type: EventType.NodeChildrenChanged, path: derived.path })
}

/**
 * Gives every watch its final event (`state`: `KeeperState.Expired` or `Closed`), after the events
 * and replies delivered before it, and empties the registry.
 */
export function endWatches(watches: WatchRegistry, delivery: OrderedDelivery, state: number): void {
  for (const [watcher, path] of watches.drain()) delivery.event([watcher], { type: EventType.None, state, path })
}
