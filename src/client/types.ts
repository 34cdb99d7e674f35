/**
 * Options and results of the client's operations.
 */
import type { WatchedEvent } from './watch-event.js'
import type { CreateModeName } from './arguments.js'
import type { ACL, Stat } from '../protocol/records.js'
import type { SaslOptions } from '../session/sasl.js'
import type { SessionOptions } from '../session/session.js'
import type { LookupFunction } from 'node:net'
import type { TlsOption } from '../session/transport.js'
import type { Logger } from '../common/log.js'

/** Options of {@link createClient}. */
export interface ClientOptions {
  /** Requested session timeout in ms (default 30,000); the server clamps it to its bounds. */
  sessionTimeout?: number
  /** Per-attempt connect timeout in ms (default: session timeout / number of hosts). */
  connectTimeout?: number
  /**
   * Accept read-only servers while no quorum is reachable (default false): reads work, writes fail
   * with NotReadOnlyError, and the client moves to a read-write server as soon as one answers
   * (probed with `isro`). The servers need `readonlymode.enabled=true` and
   * `localSessionsEnabled=true` to hand read-only clients a session.
   */
  readOnly?: boolean
  /** Largest frame sent or accepted, in bytes (default 0xfffff, the server's jute.maxbuffer). */
  maxPacketLength?: number
  /** Most requests awaiting replies at once; more callers wait their turn (default 5,000). */
  maxInFlight?: number
  /** Default timeout of every call in ms, unless the call gives its own (default: none). */
  requestTimeout?: number
  /** Backoff between failed connection attempts (default 50 ms doubling to 1 s, with jitter). */
  reconnectDelay?: { initialMs: number; maxMs: number }
  /** Start a new session by itself after an expiry (default true, as Curator and kazoo). */
  renewExpiredSession?: boolean
  /** Attach to an existing session (its id and password) instead of creating one. */
  session?: { id: bigint; password: Buffer }
  /**
   * SASL credentials (DIGEST-MD5, the server's `DigestLoginModule` users), presented after every
   * handshake; other requests wait until the server accepted them. A refusal closes the client
   * with AuthFailedError. The session then has the identity `sasl:<username>`.
   */
  sasl?: SaslOptions
  /** Credentials to present on every connection, from the first one on. */
  auth?: readonly { scheme: string; auth: string | Buffer }[]
  /** ACL for creates that give none (default `Acls.open`). */
  defaultAcl?: readonly ACL[]
  /**
   * Connect over TLS (the servers' `secureClientPort`): `true` for the system CAs, `node:tls`
   * options (`ca`, `cert`, `key`, `pfx`, `passphrase`, `servername`, `checkServerIdentity`,
   * `minVersion`...), or a function returning them, called at every connection attempt (rotated
   * certificates are picked up without a restart; an options object is also re-read each time).
   * Certificate and host-name checks are on unless the options turn them off. With a client
   * certificate the session has the server's `x509` identity (the certificate's subject).
   */
  tls?: TlsOption | false
  /** Name resolution for host names of the connect string (as `net.connect`'s `lookup`; default `dns.lookup`), called at every attempt. */
  lookup?: LookupFunction
  /** Application logger (`console`, pino...): connection attempts that fail, unresolvable names, server-list changes. */
  logger?: Logger
  /**
   * Follow `/zookeeper/config` (as Curator's EnsembleTracker): after a reconfig the client's server
   * list becomes the ensemble's client addresses, through {@link ZooKeeperClient.updateServerList}.
   * Needs `reconfigEnabled=true` servers whose `server.N` lines carry a client address. Default false.
   */
  followConfig?: boolean
  /** Advanced: replace session internals (clock, transport, randomness), e.g. in tests. */
  internals?: Partial<Pick<SessionOptions, 'clock' | 'transport' | 'random'>>
}

/** Options every call accepts. */
export interface CallOptions {
  /** Abandons the wait when aborted (the request may still be applied by the server). */
  signal?: AbortSignal
  /** Fails with RequestTimeoutError if no reply within this many ms. */
  timeout?: number
}

/** Options of {@link ZooKeeperClient.create}. */
export interface CreateOptions extends CallOptions {
  /** Creation mode (default `'persistent'`). */
  mode?: CreateModeName | number
  /** ACL of the new node (default: the client's `defaultAcl`). */
  acl?: readonly ACL[]
  /** Time to live in ms, for the TTL modes. */
  ttl?: number
}

/** Options with an expected version (-1, the default, matches any). */
export interface VersionOptions extends CallOptions {
  /** The version the node must have. */
  version?: number
}

/** Options of reads that can leave a one-shot watch. */
export interface WatchOptions extends CallOptions {
  /** Called once with the next event of the node (or a final event when the session ends). */
  watcher?: (event: WatchedEvent) => void
}


/** The result of a create. */
export interface CreateResult {
  /** The node's actual path (with the sequence number for sequential modes). */
  path: string
  /** The new node's metadata. */
  stat: Stat
}

/** The result of a data read. */
export interface DataResult {
  /** The node's data (empty when the node has none). */
  data: Buffer
  /** The node's metadata. */
  stat: Stat
}

/** The result of a children read. */
export interface ChildrenResult {
  /** Child names (not paths), in no particular order. */
  children: string[]
  /** The parent's metadata. */
  stat: Stat
}

/** A read whose one-shot watch can be awaited. */
export interface Watched {
  /** Resolves with the next event of the node: a change, or a final event when the session ends. Never rejects. */
  changed: Promise<WatchedEvent>
}
