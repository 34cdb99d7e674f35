/**
 * scripts/zookeeper-fetch.mjs (`npm run zookeeper:fetch -- <version>`): what it refuses before
 * touching the network. The fetch itself runs in CI's setup step (.ci/setup.d/30-zookeeper-matrix.sh),
 * and the matrix run (`ZOOKEEPER_HOME=.zookeeper/3.9.5`) proves the release it puts there works.
 */
import { spawnSync } from 'node:child_process'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'

const SCRIPT = join(import.meta.dirname, '../../scripts/zookeeper-fetch.mjs')

function fetch(...args: string[]): { status: number | null; stderr: string } {
  const run = spawnSync(process.execPath, [SCRIPT, ...args], { encoding: 'utf8', timeout: 10_000 })
  return { status: run.status, stderr: run.stderr }
}

describe('zookeeper:fetch', () => {
  it('wants exactly one exact release number', () => {
    for (const args of [[], ['3.9.5', '3.8.4'], ['3.9'], ['LATEST'], ['[3.9,)'], ['3.9.5-SNAPSHOT'], ['../3.9.5']]) {
      const { status, stderr } = fetch(...args)
      expect(status).toBe(1)
      expect(stderr).toMatch(/^zookeeper:fetch: .*(exactly one|not an exact ZooKeeper release number)/)
    }
  })

  it('refuses releases older than 3.5', () => {
    const { status, stderr } = fetch('3.4.14')
    expect(status).toBe(1)
    expect(stderr).toMatch(/older than 3\.5/)
  })
})
