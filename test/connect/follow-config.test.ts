/**
 * followConfig against a real 3-node ensemble with dynamic reconfiguration: a client given only
 * member 1 learns the other members from /zookeeper/config, and when a reconfig removes member 1
 * it moves to a remaining member (same session) through updateServerList, as Curator's
 * EnsembleTracker does.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { digestCredential, TestingCluster, waitFor } from '../../src/testing/index.js'
import { RecordingLogger, useClients } from '../tls/helpers.js'

const client = useClients()
let cluster: TestingCluster

beforeAll(async () => {
  cluster = await TestingCluster.start({ size: 3, tickTime: 200, reconfigEnabled: true, superDigest: digestCredential('super', 'reconfig-secret') })
})
afterAll(async () => {
  await cluster?.close()
})

describe('followConfig', () => {
  it('learns the ensemble from /zookeeper/config and follows a reconfig that removes its server', { timeout: 60_000 }, async () => {
    const [one, two, three] = cluster.servers
    const logger = new RecordingLogger()
    const all = [one!, two!, three!].map((s) => s.connectString).sort().join(',')
    const zk = client(one!.connectString, { followConfig: true, logger, sessionTimeout: 10_000 })
    await zk.connected({ timeout: 20_000 })
    await logger.next(new RegExp(`ensemble configuration lists ${all.replace(/\./g, '\\.')};`), 10_000)
    const session = zk.sessionId
    // Learning members 2 and 3 may already have moved the session (probability 1 - 1/3).
    const admin = client(cluster.connectString, { sessionTimeout: 10_000 })
    await admin.connected({ timeout: 20_000 })
    await admin.addAuth('digest', 'super:reconfig-secret')
    await admin.reconfig({ leaving: '1' })
    const remaining = [two!, three!].map((s) => s.connectString).sort().join(',')
    await logger.next(new RegExp(`ensemble configuration lists ${remaining.replace(/\./g, '\\.')};`), 20_000)
    await zk.connected({ timeout: 20_000 })
    // Member 1 is out of the list: wherever the session was, it now lives on member 2 or 3.
    await waitFor(() => zk.state !== 'suspended' && [two!.connectString, three!.connectString].includes(zk.currentServer ?? ''), { timeoutMs: 20_000, intervalMs: 20, description: 'the session on member 2 or 3' })
    expect(zk.sessionId).toBe(session)
    await zk.getChildren('/')
  })
})
