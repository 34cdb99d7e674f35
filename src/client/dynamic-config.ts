/**
 * The ensemble's dynamic configuration as the client sees it: the `/zookeeper/config` node
 * (outside any chroot), the arguments of `reconfig`, and `followConfig`, which keeps the server
 * list equal to that node.
 */
import { checkOptions } from '../common/check.js'
import { InvalidArgumentError } from '../common/errors.js'
import type { Log } from '../common/log.js'
import type { ReconfigRequest } from '../protocol/requests.js'
import { EnsembleTracker } from '../session/ensemble-tracker.js'
import type { Session } from '../session/session.js'
import type { StateChange } from '../session/state.js'
import type { ZooKeeperClient } from './client.js'

/** The node holding the ensemble's configuration; never under the client's chroot. */
export const CONFIG_NODE = '/zookeeper/config'

/** The change `reconfig` takes: incremental (`joining`/`leaving`) or a new list (`members`). */
export interface ReconfigChange {
  joining?: string
  leaving?: string
  members?: string
  fromConfig?: bigint
}

/** Checks `reconfig`'s change and makes the ReconfigRequest of it. */
export function reconfigRequest(change: ReconfigChange): ReconfigRequest {
  if (change === undefined) throw new InvalidArgumentError('reconfig takes { joining?, leaving?, members?, fromConfig? }')
  checkOptions(change, ['joining', 'leaving', 'members', 'fromConfig'], 'reconfig', { ':string': 'pass { members: "server.1=..." } or { joining } / { leaving }', joiningServers: 'use { joining }', leavingServers: 'use { leaving }', newMembers: 'use { members }' })
  for (const key of ['joining', 'leaving', 'members'] as const) {
    if (change[key] !== undefined && typeof change[key] !== 'string') throw new InvalidArgumentError(`reconfig ${key} must be a string of server specs`)
  }
  if (change.fromConfig !== undefined && typeof change.fromConfig !== 'bigint') throw new InvalidArgumentError('reconfig fromConfig must be a bigint config version (-1n for any)')
  return { joiningServers: change.joining ?? null, leavingServers: change.leaving ?? null, newMembers: change.members ?? null, curConfigId: change.fromConfig ?? -1n }
}

/** [connect] Keeps the session's server list equal to /zookeeper/config (Curator's EnsembleTracker). */
export function followConfig(client: ZooKeeperClient, session: Session, log: Log): void {
  const tracker = new EnsembleTracker({
    readConfig: (changed) => client.getConfig({ watcher: (event) => { if (event.type !== 'None') changed() } }).then((r) => r.data),
    update: (hosts) => {
      if (client.state !== 'closed') session.updateServerList(hosts)
    },
    closed: () => client.state === 'closed',
    log,
  })
  session.on('state', (change: StateChange) => {
    // Read at the first connection and after every reconnect: a change may have been missed.
    if (change.state === 'connected' || change.state === 'reconnected') tracker.refresh()
  })
}
