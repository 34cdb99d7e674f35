/**
 * The ZooKeeper version the tests run against, as the shared server reports it (`srvr`, read once
 * by test/support/global-server.ts). Suites that start their own servers run the same install, so
 * the answer holds for them too. Use it to assert each version's own behaviour, never to skip.
 */
import { inject } from 'vitest'

/** A server version as `major.minor.patch` numbers plus the text the server sent. */
export interface ServerVersion {
  major: number
  minor: number
  patch: number
  /** The full version text, e.g. `3.8.0-${git} built on ...` trimmed to `3.8.0`. */
  text: string
}

/** The version of the server under test. */
export function serverVersion(): ServerVersion {
  const text = inject('zkVersion')
  const [major, minor, patch] = text.split('.').map(Number) as [number, number, number]
  return { major, minor, patch, text }
}

/** True when the server under test is `version` (`'3.9'` or `'3.9.1'`) or newer. */
export function serverAtLeast(version: string): boolean {
  const want = version.split('.').map(Number)
  const have = serverVersion()
  const parts = [have.major, have.minor, have.patch]
  for (let i = 0; i < want.length; i++) {
    const a = parts[i] as number
    const b = want[i] as number
    if (a !== b) return a > b
  }
  return true
}

/**
 * The `zxid` field a watch event for a live change made at `zxid` carries on the server under
 * test: `{ zxid }` from 3.9 (ZOOKEEPER-4655), nothing before. Spread it into an expected event.
 */
export function eventZxid(zxid: bigint): { zxid?: bigint } {
  return serverAtLeast('3.9') ? { zxid } : {}
}
