/**
 * What the README and docs/errors.md promise: every error class zkwire exports is in both errors
 * tables, and the README's watch loop keeps going across a session expiry (its final event has
 * `state: 'Expired'`, `type: 'None'`) and stops only when the client closes.
 */
import { readFileSync } from 'node:fs'
import { randomUUID } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import * as zkwire from '../../src/index.js'
import { expireSession, proxiedClient } from '../recipes/helpers/session.js'
import { connect, sharedServer } from '../support/zk.js'

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8')
const errorsDoc = readFileSync(new URL('../../docs/errors.md', import.meta.url), 'utf8')

const errorClasses = Object.entries(zkwire)
  .filter(([, value]) => typeof value === 'function' && (value.prototype instanceof Error || value === Error))
  .map(([name]) => name)

describe('the docs promise', () => {
  it('every exported error class is in the README errors table and in docs/errors.md', () => {
    expect(errorClasses.length).toBeGreaterThan(30)
    const table = readme.slice(readme.indexOf('### Errors'), readme.indexOf('```ts', readme.indexOf('### Errors')))
    expect(errorClasses.filter((name) => !table.includes(`\`${name}\``))).toEqual([])
    expect(errorClasses.filter((name) => !errorsDoc.includes(`\`${name}\``))).toEqual([])
  })

  it("the README's watch loop survives a session expiry and ends when the client closes", async () => {
    const root = await connect(sharedServer())
    const chroot = `/t-${randomUUID()}`
    await root.create(chroot)
    await root.create(`${chroot}/config`, 'v1')
    const { client: zk, proxy } = await proxiedClient(chroot)
    const applied: string[] = []
    const finals: string[] = []
    const waiting: [string, () => void][] = []
    const apply = (data: Buffer): void => {
      applied.push(data.toString())
      for (const [value, resolve] of waiting) if (value === data.toString()) resolve()
    }
    const appliedValue = (value: string): Promise<void> =>
      applied.includes(value) ? Promise.resolve() : new Promise((resolve) => waiting.push([value, resolve]))
    // The loop exactly as the README has it, with apply() recording the data.
    const loop = (async () => {
      for (;;) {
        const { data, changed } = await zk.watchData('/config')
        apply(data)
        const event = await changed
        if (event.type === 'None') finals.push(event.state)
        if (event.state === 'Closed') break
      }
    })()
    await appliedValue('v1')
    await expireSession(zk, proxy, chroot)
    await root.setData(`${chroot}/config`, 'v2')
    await appliedValue('v2')
    expect(finals).toEqual(['Expired'])
    await zk.close()
    await loop
    expect(finals).toEqual(['Expired', 'Closed'])
  })
})
