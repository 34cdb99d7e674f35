/**
 * Group membership, as Curator's GroupMember: each member keeps an ephemeral node under the group
 * path (a {@link PersistentNode}) and every member follows the group with a {@link ChildrenCache}.
 * Curator's layout is `<group>/<id>` with the payload as data; kazoo's Party names its nodes
 * `<uuid4 hex>__party__` and lists their data, so the `'kazooParty'` layout writes that name.
 */
import { EventEmitter } from 'node:events'
import { randomUUID } from 'node:crypto'
import type { ZooKeeperClient } from '../client/client.js'
import type { DataInput } from '../client/arguments.js'
import { checkOneOf, checkOptions, checkSignal, checkString, describe } from '../common/check.js'
import { InvalidArgumentError } from '../common/errors.js'
import { joinPath, validatePath } from '../common/paths.js'
import { ChildrenCache } from './cache/narrow-caches.js'
import { PersistentNode } from './persistent-node.js'

/** How a member's node is named. */
export type GroupLayout = 'curator' | 'kazooParty'

/** kazoo Party's marker in member node names. */
export const PARTY_MARKER = '__party__'

/** Options of {@link GroupMember}. */
export interface GroupMemberOptions {
  /**
   * `'curator'` (default): the node is `<group>/<id>` with the payload as data (Curator's
   * GroupMember lists it as id → payload). `'kazooParty'`: the node is `<group>/<uuid4 hex>__party__`
   * with the payload as data; kazoo's Party lists the payload, Curator's GroupMember lists the
   * node name → payload. kazoo Party members expect the payload to be the member's id.
   */
  layout?: GroupLayout
  /** Leaves the group when aborted. */
  signal?: AbortSignal
}

/** Events of a {@link GroupMember}. */
export interface GroupMemberEvents {
  /** The member list changed (someone joined, left, or changed their payload). */
  changed: [members: Map<string, Buffer>]
}

/**
 * One member of the group at `groupPath`, with an id and a payload. `start()` joins (the node is
 * kept through reconnects and expiry) and follows the group; `members()` is the live map of every
 * child name to its data, as Curator's `getCurrentMembers()`.
 *
 * @example
 * ```ts
 * const member = new GroupMember(zk, '/groups/workers', 'w1', 'host-a:8080')
 * await member.start()
 * member.on('changed', (m) => console.log([...m.keys()]))
 * ```
 */
export class GroupMember extends EventEmitter<GroupMemberEvents> {
  /** The node this member keeps. */
  readonly nodePath: string
  private readonly node: PersistentNode
  private readonly cache: ChildrenCache
  private readonly layout: GroupLayout

  constructor(
    client: ZooKeeperClient,
    /** The group's path. */
    readonly groupPath: string,
    /** This member's id (a node name in the Curator layout). */
    readonly id: string,
    payload?: DataInput,
    options?: GroupMemberOptions,
  ) {
    super()
    if (client === null || typeof client !== 'object' || typeof (client as ZooKeeperClient).create !== 'function') {
      throw new InvalidArgumentError(`GroupMember: the first argument must be a ZooKeeperClient, got ${describe(client)}`)
    }
    validatePath(groupPath, 'groupPath')
    checkString(id, 'id', 'GroupMember')
    if (typeof id !== 'string' || id.includes('/')) throw new InvalidArgumentError(`GroupMember: id must be a non-empty node name without "/", got ${describe(id)}`)
    const o = checkOptions(options, ['layout', 'signal'], 'GroupMember')
    this.layout = checkOneOf(o.layout, 'layout', 'GroupMember', ['curator', 'kazooParty'] as const) ?? 'curator'
    const name = this.layout === 'curator' ? id : `${randomUUID().replaceAll('-', '')}${PARTY_MARKER}`
    this.nodePath = joinPath(groupPath, name)
    validatePath(this.nodePath, 'member path')
    this.node = new PersistentNode(client, this.nodePath, payload, { mode: 'ephemeral' })
    this.cache = new ChildrenCache(client, groupPath)
    this.cache.on('added', () => this.changed())
    this.cache.on('changed', () => this.changed())
    this.cache.on('removed', () => this.changed())
    checkSignal(o.signal, 'GroupMember')?.addEventListener('abort', () => void this.close(), { once: true })
  }

  /** Joins the group and starts following it; resolves once the member's node exists and the group is loaded. */
  async start(): Promise<void> {
    this.node.start()
    await this.node.waitForInitialCreate()
    await this.cache.start()
  }

  /** Every member: child name → data (this member included once its node is seen). */
  members(): Map<string, Buffer> {
    const out = new Map<string, Buffer>()
    for (const [name, node] of this.cache.current) out.set(name, node.data)
    return out
  }

  /** kazoo Party's view: the data of the children whose name contains `__party__`, as text. */
  partyMembers(): string[] {
    const out: string[] = []
    for (const [name, node] of this.cache.current) if (name.includes(PARTY_MARKER)) out.push(node.data.toString('utf8'))
    return out
  }

  /** Changes this member's payload. */
  setPayload(payload: DataInput): Promise<void> {
    return this.node.setData(payload)
  }

  /** Leaves the group (deletes the node) and stops following it. */
  async close(): Promise<void> {
    await this.cache.close()
    await this.node.close()
  }

  private changed(): void {
    if (this.cache.initialized) this.emit('changed', this.members())
  }
}
