/**
 * Following the ensemble's membership, as Curator's `EnsembleTracker` does: read
 * `/zookeeper/config` with a watch, turn its `server.N` lines into client addresses, and hand them
 * to `updateServerList` whenever they change (after a reconfig, and again after a reconnect, when
 * a change may have been missed).
 */
import type { Log } from '../common/log.js'
import { type HostAddress, formatHost, sameHost } from './hosts.js'

/**
 * The client addresses in a dynamic configuration (`/zookeeper/config` data): one per
 * `server.N=host:quorumPort:electionPort[:role];[clientHost:]clientPort` line, participants and
 * observers alike. A wildcard client host (`0.0.0.0`, `::`) or a missing one means the server's
 * own host, as Curator reads it. Lines without a client part are skipped.
 *
 * @example
 * parseConfigServers('server.1=10.0.0.1:2888:3888:participant;0.0.0.0:2181\nversion=100000000')
 * // [{ host: '10.0.0.1', port: 2181 }]
 */
export function parseConfigServers(config: string): HostAddress[] {
  const out: HostAddress[] = []
  for (const raw of config.split('\n')) {
    const line = raw.trim()
    const m = /^server\.\d+\s*=\s*([^;]*);(.*)$/.exec(line)
    if (m === null) continue
    const serverHost = hostOf(m[1]!.trim())
    const client = m[2]!.trim()
    if (client === '' || serverHost === null) continue
    const colon = client.lastIndexOf(':')
    const portText = colon === -1 ? client : client.slice(colon + 1)
    let host = colon === -1 ? '' : client.slice(0, colon)
    if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1)
    const port = Number(portText)
    if (!/^\d+$/.test(portText) || port < 1 || port > 65535) continue
    if (host === '' || host === '0.0.0.0' || host === '::' || host === '0:0:0:0:0:0:0:0') host = serverHost
    if (!out.some((h) => sameHost(h, { host, port }))) out.push({ host, port })
  }
  return out
}

/** The host of `host:quorumPort:electionPort[:role]`, IPv6 in brackets allowed. */
function hostOf(spec: string): string | null {
  if (spec.startsWith('[')) {
    const close = spec.indexOf(']')
    return close === -1 ? null : spec.slice(1, close)
  }
  const colon = spec.indexOf(':')
  return colon <= 0 ? null : spec.slice(0, colon)
}

/** What an {@link EnsembleTracker} needs from its client. */
export interface EnsembleTrackerHooks {
  /** Reads `/zookeeper/config` leaving a one-shot watch that calls `changed`. */
  readConfig(changed: () => void): Promise<Buffer>
  /** Applies a new server list (the client's `updateServerList`). */
  update(hosts: HostAddress[]): void
  /** True once the client is closed: the tracker stops. */
  closed(): boolean
  log: Log
}

/** Keeps a client's server list equal to the ensemble's configuration. */
export class EnsembleTracker {
  private last = ''
  private reading = false
  private again = false

  constructor(private readonly hooks: EnsembleTrackerHooks) {}

  /** Reads the configuration now (at start, on a watch event, after a reconnect). Never rejects. */
  refresh(): void {
    if (this.hooks.closed()) return
    if (this.reading) {
      this.again = true // one more read once this one is done
      return
    }
    this.reading = true
    this.hooks.readConfig(() => this.refresh()).then(
      (data) => this.apply(data.toString('utf8')),
      (error: unknown) => {
        // Lost connection or closed client: the reconnect (or nothing) triggers the next read.
        if (!this.hooks.closed()) this.hooks.log.debug(`could not read /zookeeper/config: ${(error as Error)?.message ?? String(error)}`)
      },
    ).finally(() => {
      this.reading = false
      if (this.again) {
        this.again = false
        this.refresh()
      }
    })
  }

  private apply(config: string): void {
    const hosts = parseConfigServers(config)
    if (hosts.length === 0) {
      // A static (non-reconfig) ensemble's config names no client ports: nothing to follow.
      this.hooks.log.debug('/zookeeper/config lists no client addresses; the server list is left as it is')
      return
    }
    const key = hosts.map(formatHost).sort().join(',')
    if (key === this.last || this.hooks.closed()) return
    this.last = key
    this.hooks.log.info(`ensemble configuration lists ${key}; updating the server list`, { servers: key })
    this.hooks.update(hosts)
  }
}
