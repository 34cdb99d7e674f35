/**
 * vitest globalSetup: one real standalone ZooKeeper for the whole run, shared by every test file
 * that needs a plain server. Each test works in its own chroot (see `test/support/zk.ts`), so
 * tests never see each other's nodes. Suites that kill or pause servers start their own.
 */
import type { TestProject } from 'vitest/node'
import { TestingServer } from '../../src/testing/index.js'
import { digestCredential, findZooKeeper } from '../../src/testing/index.js'

/** Credentials of the server's super user, for tests that need to bypass ACLs. */
export const SUPER_USER = { user: 'super', password: 'zkwire-test-super' }

let server: TestingServer | undefined

// Here, not in server-version.ts: a globalSetup module must not import vitest's test API.
/** Parses the `Zookeeper version: 3.9.5-...` line of a `srvr` answer; throws if there is none. */
function parseSrvrVersion(srvr: string): string {
  const match = /^Zookeeper version: (\d+\.\d+\.\d+)/m.exec(srvr)
  if (match === null) throw new Error(`no version line in the server's srvr answer: ${JSON.stringify(srvr.slice(0, 200))}`)
  return match[1] as string
}

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
  // The version as the running server states it, for tests that assert version-specific behaviour.
  const version = parseSrvrVersion(await server.fourLetterWord('srvr'))
  project.provide('zkVersion', version)
  console.log(`zkwire tests: ZooKeeper ${version} (${findZooKeeper().dir})`)
}

export async function teardown(): Promise<void> {
  await server?.close()
}

declare module 'vitest' {
  export interface ProvidedContext {
    /** Connect string of the shared standalone server. */
    zkConnect: string
    /** `major.minor.patch` of the shared server, from its `srvr` answer. */
    zkVersion: string
  }
}
