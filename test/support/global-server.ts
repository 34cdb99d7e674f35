/**
 * vitest globalSetup: one real standalone ZooKeeper for the whole run, shared by every test file
 * that needs a plain server. Each test works in its own chroot (see `test/support/zk.ts`), so
 * tests never see each other's nodes. Suites that kill or pause servers start their own.
 */
import type { TestProject } from 'vitest/node'
import { TestingServer } from '../../src/testing/index.js'
import { digestCredential } from '../../src/testing/index.js'

/** Credentials of the server's super user, for tests that need to bypass ACLs. */
export const SUPER_USER = { user: 'super', password: 'zkwire-test-super' }

let server: TestingServer | undefined

export async function setup(project: TestProject): Promise<void> {
  server = await TestingServer.start({
    tickTime: 200,
    minSessionTimeout: 400,
    maxSessionTimeout: 60_000,
    extendedTypes: true,
    containerCheckIntervalMs: 200,
    superDigest: digestCredential(SUPER_USER.user, SUPER_USER.password),
  })
  project.provide('zkConnect', server.connectString)
}

export async function teardown(): Promise<void> {
  await server?.close()
}

declare module 'vitest' {
  export interface ProvidedContext {
    /** Connect string of the shared standalone server. */
    zkConnect: string
  }
}
