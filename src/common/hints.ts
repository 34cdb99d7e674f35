/**
 * Advice for option keys and shapes that habits from other ZooKeeper clients produce, shared by
 * the client's methods and the recipes that take the same options.
 */
import { type KeyHints, describe } from './check.js'

/** Hints every call shares: option names other clients use for the same thing. */
export const CALL_HINTS: KeyHints = {
  timeoutMs: 'use { timeout: ms }',
  abortSignal: 'use { signal }',
  callback: 'zkwire returns promises: await the call instead of passing a callback',
  ':function': 'zkwire returns promises: await the call instead of passing a callback',
}

export const VERSION_HINTS: KeyHints = {
  ...CALL_HINTS,
  ':number': (v) => `pass { version: ${String(v)} } to require that version`,
  ':string': (v) => `pass { version: <number> } to require a version${Number.isFinite(Number(v)) && String(v).trim() !== '' ? ` (${describe(v)} is not the number ${Number(v)})` : ''}`,
  expectedVersion: 'use { version }',
  ver: 'use { version }',
}

export const CREATE_HINTS: KeyHints = {
  ...CALL_HINTS,
  ':string': (v) => `pass { mode: ${JSON.stringify(v)} }`,
  ':number': (v) => `pass { mode: ${String(v)} } (a CreateMode number) or a mode name such as { mode: 'ephemeral' }`,
  ephemeral: "use { mode: 'ephemeral' } (or 'ephemeralSequential')",
  sequential: "use { mode: 'persistentSequential' } (or 'ephemeralSequential')",
  sequence: "use { mode: 'persistentSequential' } (or 'ephemeralSequential')",
  createMode: 'use { mode }',
  flags: 'use { mode }',
  makepath: 'use mkdirp(client, path) from the recipes, then create',
  data: 'data is the second argument: create(path, data, options)',
}

/** Keys of every call's options. */
export const CALL_KEYS = ['signal', 'timeout'] as const

/** Keys of create's options. */
export const CREATE_KEYS = ['signal', 'timeout', 'mode', 'acl', 'ttl'] as const
