/**
 * The line of candidates in a leader election, in Curator LeaderLatch's layout: how candidate
 * nodes are named, made, deleted and ordered, and who is in line.
 */
import type { ZooKeeperClient } from '../client/client.js'
import { BadVersionError, NoNodeError } from '../common/errors.js'
import { basename, joinPath } from '../common/paths.js'
import { retrying } from './connection.js'
import { findProtectedNode, protectedCreate } from './protected-create.js'

/** Curator LeaderLatch's `LOCK_NAME`: the part of a candidate's name before its sequence. */
export const LATCH_PREFIX = 'latch-'

/** A candidate, as {@link LeaderElection.participants} lists them. */
export interface Participant {
  /** Its participant id (the node's data). */
  id: string
  /** Its candidate node. */
  path: string
  /** True for the first candidate, the leader. */
  isLeader: boolean
}

/** This candidate's node, as the election made it. */
export interface CandidateNode {
  path: string
  name: string
  /** The session that owns it. */
  session: bigint
}

/**
 * Joins the line at `electionPath`: a protected create, so one whose reply is lost is never made
 * twice (`protectedId` finds it again, see {@link leaveLine}).
 */
export async function joinLine(client: ZooKeeperClient, electionPath: string, participantId: string, protectedId: string, signal: AbortSignal): Promise<CandidateNode> {
  const { path, stat } = await protectedCreate(client, joinPath(electionPath, LATCH_PREFIX), participantId, {
    mode: 'ephemeralSequential',
    createParents: 'container',
    protectedId,
    signal,
  })
  return { path, name: basename(path), session: stat.ephemeralOwner }
}

/**
 * Leaves the line: deletes `node`, or the node a create with `joiningId` made, while the session
 * that made it lives (waiting for a connection); in a new session it is gone with the old one.
 * Returns when done or the client closed (the session, and the node with it, is then gone).
 */
export async function leaveLine(client: ZooKeeperClient, electionPath: string, node: CandidateNode | null, joiningId: string | null): Promise<void> {
  if (node === null && joiningId === null) return
  const session = node?.session ?? client.sessionId
  try {
    await retrying(client, 'leader election close', async () => {
      if (client.sessionId !== session) return
      if (node !== null) await deleteCandidate(client, node.path)
      else {
        const found = await findProtectedNode(client, electionPath, joiningId!, { ephemeral: true })
        if (found !== null) await deleteCandidate(client, found.path)
      }
    })
  } catch {
    // The client closed.
  }
}

/** Deletes a candidate node; one already gone is not an error. */
export async function deleteCandidate(client: ZooKeeperClient, path: string): Promise<void> {
  try {
    await client.delete(path)
  } catch (error) {
    if (!(error instanceof NoNodeError || error instanceof BadVersionError)) throw error
  }
}

/**
 * The candidates of the election at `path`, leader first; see {@link LeaderElection.participants}.
 * A node that goes between the listing and the read of its data is left out.
 */
export async function readParticipants(client: ZooKeeperClient, path: string): Promise<Participant[]> {
  let children: string[]
  try {
    children = (await client.getChildren(path)).children
  } catch (error) {
    if (error instanceof NoNodeError) return []
    throw error
  }
  const names = sortCandidates(children)
  const data = await Promise.all(
    names.map((name) =>
      client.getData(joinPath(path, name)).then(
        (r) => r.data.toString('utf8'),
        (error: unknown) => {
          if (error instanceof NoNodeError) return null
          throw error
        },
      ),
    ),
  )
  const out: Participant[] = []
  names.forEach((name, i) => {
    const id = data[i]
    if (id !== null && id !== undefined) out.push({ id, path: joinPath(path, name), isLeader: out.length === 0 })
  })
  return out
}

/**
 * Candidates in line order, as Curator's `LockInternals.getSortedChildren` orders them: by what
 * follows the last `latch-` of the name (the sequence), or the whole name if it has none. Every
 * child counts, as in Curator, so Node and Java candidates always agree on who is first.
 *
 * @example
 * ```ts
 * sortCandidates(['_c_…-latch-0000000002', '_c_…-latch-0000000001']) // the …01 one first
 * ```
 */
export function sortCandidates(children: readonly string[]): string[] {
  const key = (name: string): string => {
    const i = name.lastIndexOf(LATCH_PREFIX)
    return i < 0 ? name : name.slice(i + LATCH_PREFIX.length)
  }
  return [...children].sort((a, b) => {
    const ka = key(a)
    const kb = key(b)
    return ka < kb ? -1 : ka > kb ? 1 : a < b ? -1 : a > b ? 1 : 0
  })
}
