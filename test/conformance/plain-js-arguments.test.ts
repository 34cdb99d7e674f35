/**
 * Every public method, called as plain JavaScript calls it: options of the wrong shape (the call
 * shapes of node-zookeeper-client, kazoo and Java), unknown keys, values of the wrong type. Each
 * rejects with InvalidArgumentError naming what was given and what to write instead, and nothing
 * reaches the session: no `zkwire:request` trace starts, and the server's data is unchanged.
 */
import { subscribe, unsubscribe } from 'node:diagnostics_channel'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CreateMode, InvalidArgumentError, LeaderElection, ServiceDiscovery, ServiceRegistry, type ZooKeeperClient, createClient, createWithParents, findProtectedNode, listServices, mkdirp, protectedCreate, queryInstances } from '../../src/index.js'
import { randomUUID } from 'node:crypto'
import { chrootClient, sharedServer } from '../support/zk.js'

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Js = any

/** [what, call, a fragment the message must contain]. */
type Row = [string, (zk: Js) => unknown, string | RegExp]

const watcher = (): void => {}

const rows: Row[] = [
  // The habits the issue names.
  ['setData(p, d, 7)', (zk) => zk.setData('/v', 'x', 7), 'pass { version: 7 }'],
  ['delete(p, 7)', (zk) => zk.delete('/v', 7), 'pass { version: 7 }'],
  ['setACL(p, acl, 3)', (zk) => zk.setACL('/v', [{ perms: 31, id: { scheme: 'world', id: 'anyone' } }], 3), 'pass { version: 3 }'],
  ['create(p, d, "ephemeral")', (zk) => zk.create('/n', 'x', 'ephemeral'), `pass { mode: "ephemeral" }`],
  ['create(p, d, CreateMode.EPHEMERAL)', (zk) => zk.create('/n', 'x', CreateMode.EPHEMERAL), 'pass { mode: 1 }'],
  ['create(p, d, { ephemeral: true })', (zk) => zk.create('/n', 'x', { ephemeral: true }), "use { mode: 'ephemeral' }"],
  ['create(p, d, { sequential: true })', (zk) => zk.create('/n', 'x', { sequential: true }), "mode: 'persistentSequential'"],
  ['create(p, d, { mod: "ephemeral" })', (zk) => zk.create('/n', 'x', { mod: 'ephemeral' }), 'did you mean "mode"?'],
  ['create(p, d, { mode: true })', (zk) => zk.create('/n', 'x', { mode: true }), 'mode must be a mode name'],
  ['create(p, d, { mode: "EPHEMERAL" })', (zk) => zk.create('/n', 'x', { mode: 'EPHEMERAL' }), 'got the string "EPHEMERAL"'],
  ['create(p, d, { ttl: "100" })', (zk) => zk.create('/n', 'x', { mode: 'persistentWithTtl', ttl: '100' }), 'the string "100" is not the number 100'],
  ['create(p, 7)', (zk) => zk.create('/n', 7), 'got the number 7'],
  ['getData(p, true)', (zk) => zk.getData('/v', true), 'pass { watcher: (event) => ... }, or use watchData(path)'],
  ['getData(p, fn)', (zk) => zk.getData('/v', watcher), 'pass the function as { watcher }'],
  ['getData(p, { watch: true })', (zk) => zk.getData('/v', { watch: true }), 'use { watcher: (event) => ... }'],
  ['getData(p, { watcher: true })', (zk) => zk.getData('/v', { watcher: true }), 'watcher must be a function, got the boolean true'],
  ['exists(p, true)', (zk) => zk.exists('/v', true), 'watchExists(path)'],
  ['getChildren(p, true)', (zk) => zk.getChildren('/v', true), 'watchChildren(path)'],
  ['getConfig(true)', (zk) => zk.getConfig(true), 'a boolean does not set a watch'],
  ['setData(p, d, { version: "3" })', (zk) => zk.setData('/v', 'x', { version: '3' }), 'the string "3" is not the number 3'],
  ['setData(p, d, { expectedVersion: 3 })', (zk) => zk.setData('/v', 'x', { expectedVersion: 3 }), 'use { version }'],
  ['delete(p, { version: 1.5 })', (zk) => zk.delete('/v', { version: 1.5 }), 'got the number 1.5'],
  ['delete(p, "3")', (zk) => zk.delete('/v', '3'), 'the string "3" is not the number 3'],
  ['getData(p, { signal: {} })', (zk) => zk.getData('/v', { signal: {} }), 'signal must be an AbortSignal'],
  ['sync(p, { timeout: "100" })', (zk) => zk.sync('/v', { timeout: '100' }), 'the string "100" is not the number 100'],
  ['getACL(p, { timout: 5 })', (zk) => zk.getACL('/v', { timout: 5 }), 'did you mean "timeout"?'],
  ['getACL(p, null)', (zk) => zk.getACL('/v', null), 'options must be an object'],
  ['getAllChildrenNumber(p, [])', (zk) => zk.getAllChildrenNumber('/v', []), 'got an array'],
  ['getEphemerals(p, 5)', (zk) => zk.getEphemerals('/', 5), 'options must be an object'],
  ['whoAmI({ signal: 1 })', (zk) => zk.whoAmI({ signal: 1 }), 'signal must be an AbortSignal'],
  ['getData(p, cb) node-zookeeper-client style', (zk) => zk.getData('/v', watcher, watcher), 'pass the function as { watcher }'],
  ['watchData(p, { watcher })', (zk) => zk.watchData('/v', { watcher }), 'unknown option "watcher"'],
  ['watchExists(p, true)', (zk) => zk.watchExists('/v', true), 'options must be an object'],
  ['watchChildren(p, { signal: "x" })', (zk) => zk.watchChildren('/v', { signal: 'x' }), 'signal must be an AbortSignal'],
  ['addWatch(p, true)', (zk) => zk.addWatch('/v', true), 'pass { recursive: true }'],
  ['addWatch(p, { mode: 1 })', (zk) => zk.addWatch('/v', { mode: 1 }), 'use { recursive: true }'],
  ['addWatch(p, { recursive: "yes" })', (zk) => zk.addWatch('/v', { recursive: 'yes' }), 'recursive must be true or false'],
  ['addWatch(p, { listener: 1 })', (zk) => zk.addWatch('/v', { listener: 1 }), 'listener must be a function'],
  ['removeWatches(p, "data", fn)', (zk) => zk.removeWatches('/v', 'data', watcher), 'pass the function as { watcher }'],
  ['removeWatches(p, "data", { local: 1 })', (zk) => zk.removeWatches('/v', 'data', { local: 1 }), 'local must be true or false'],
  ['removeWatches(p, 2)', (zk) => zk.removeWatches('/v', 2), "type must be 'data'"],
  ['multi(ops, 5)', (zk) => zk.multi([], 5), 'options must be an object'],
  ['multi([{ type: "create", ephemeral: true }])', (zk) => zk.multi([{ type: 'create', path: '/n', ephemeral: true }]), "use mode: 'ephemeral'"],
  ['multi([{ type: "setData", version: "2" }])', (zk) => zk.multi([{ type: 'setData', path: '/v', data: 'x', version: '2' }]), 'the string "2" is not the number 2'],
  ['multi([null])', (zk) => zk.multi([null]), 'must be an operation object'],
  ['multiRead([{ type: "getData", path, watch: true }])', (zk) => zk.multiRead([{ type: 'getData', path: '/v', watch: true }]), 'multiRead sets no watches'],
  ['multiRead(ops, "x")', (zk) => zk.multiRead([], 'x'), 'options must be an object'],
  ['transaction().create(p, d, "ephemeral")', (zk) => zk.transaction().create('/n', 'x', 'ephemeral').commit(), 'pass { mode: "ephemeral" }'],
  ['transaction().setData(p, d, "3")', (zk) => zk.transaction().setData('/v', 'x', '3').commit(), 'the string "3" is not the number 3'],
  ['transaction().delete(p, { version: 1 })', (zk) => zk.transaction().delete('/v', { version: 1 }).commit(), 'version must be an integer'],
  ['transaction().check(p)', (zk) => zk.transaction().check('/v').commit(), 'version is required'],
  ['transaction(5)', (zk) => Promise.resolve().then(() => zk.transaction(5)), 'options must be an object'],
  ['connected({ timeout: -1 })', (zk) => zk.connected({ timeout: -1 }), 'timeout must be a positive'],
  ['waitForState("connected")', (zk) => zk.waitForState('connected'), 'ready must be a function'],
  ['waitForState(fn, { singal })', (zk) => zk.waitForState(() => false, { singal: new AbortController().signal }), 'did you mean "signal"?'],
  ['states({ signal: {} })', (zk) => zk.states({ signal: {} }).next(), 'signal must be an AbortSignal'],
  ['updateServerList(5)', (zk) => Promise.resolve().then(() => zk.updateServerList(5)), 'connect string must be a non-empty string'],
  ['addAuth(1, "x")', (zk) => zk.addAuth(1, 'x'), 'scheme must be a non-empty string'],
  ['addAuth("digest", 5)', (zk) => zk.addAuth('digest', 5), 'got the number 5'],
  ['reconfig("server.1=...")', (zk) => zk.reconfig('server.1=a:1:2'), 'pass { members'],
  ['reconfig({ joiningServers })', (zk) => zk.reconfig({ joiningServers: 'x' }), 'use { joining }'],
  ['reconfig({}, 3)', (zk) => zk.reconfig({}, 3), 'options must be an object'],
  // Recipes.
  ['mkdirp(zk, p, "container")', (zk) => mkdirp(zk, '/a/b', 'container' as Js), 'pass { mode: "container" }'],
  ['mkdirp(zk, p, true)', (zk) => mkdirp(zk, '/a/b', true as Js), 'mkdirp always creates the missing parents'],
  ['mkdirp(zk, p, { mode: "ephemeral" })', (zk) => mkdirp(zk, '/a/b', { mode: 'ephemeral' } as Js), 'mode must be one of "persistent", "container"'],
  ['mkdirp(zk, p, { signal: {} })', (zk) => mkdirp(zk, '/a/b', { signal: {} } as Js), 'signal must be an AbortSignal'],
  ['createWithParents(zk, p, d, "ephemeral")', (zk) => createWithParents(zk, '/a/b', 'x', 'ephemeral' as Js), 'pass { mode: "ephemeral" }'],
  ['createWithParents(zk, p, d, { createParents })', (zk) => createWithParents(zk, '/a/b', 'x', { createParents: 'container' } as Js), 'use { parents }'],
  ['protectedCreate(zk, p, d, "ephemeralSequential")', (zk) => protectedCreate(zk, '/a/b-', 'x', 'ephemeralSequential' as Js), 'pass { mode: "ephemeralSequential" }'],
  ['protectedCreate(zk, p, d)', (zk) => protectedCreate(zk, '/a/b-', 'x', undefined as Js), 'options are required'],
  ['protectedCreate(zk, p, d, { ephemeral: true })', (zk) => protectedCreate(zk, '/a/b-', 'x', { ephemeral: true } as Js), "use { mode: 'ephemeral' }"],
  ['findProtectedNode(zk, p, id, true)', (zk) => findProtectedNode(zk, '/a', '0f3c2b7e-1d2a-4c5b-9e8f-7a6b5c4d3e2f', true as Js), 'pass { ephemeral: true }'],
  ['findProtectedNode(zk, p, id)', (zk) => findProtectedNode(zk, '/a', '0f3c2b7e-1d2a-4c5b-9e8f-7a6b5c4d3e2f', undefined as Js), 'options.ephemeral is required'],
  ['new LeaderElection(zk, p, "me")', (zk) => new LeaderElection(zk, '/e', 'me' as Js), 'pass { id: "me" }'],
  ['new LeaderElection(zk, p, { participantId })', (zk) => new LeaderElection(zk, '/e', { participantId: 'me' } as Js), 'use { id }'],
  ['new LeaderElection(zk, p, { keepLeadershipWhileSuspended: 1 })', (zk) => new LeaderElection(zk, '/e', { keepLeadershipWhileSuspended: 1 } as Js), 'must be true or false'],
  ['election.leadership({ signal: {} })', (zk) => new LeaderElection(zk, '/e').leadership({ signal: {} } as Js), 'signal must be an AbortSignal'],
  ['new ServiceRegistry(zk, "/svc")', (zk) => new ServiceRegistry(zk, '/svc' as Js), 'pass { basePath: "/svc" }'],
  ['new ServiceRegistry(zk, { path })', (zk) => new ServiceRegistry(zk, { path: '/svc' } as Js), 'use { basePath }'],
  ['registry.register(s, { host })', (zk) => new ServiceRegistry(zk).register('api', { host: 'h' } as Js), 'use { address }'],
  ['registry.register(s, { port: "8080" })', (zk) => new ServiceRegistry(zk).register('api', { port: '8080' } as Js), 'the string "8080" is not the number 8080'],
  ['new ServiceDiscovery(zk, s, "/svc")', (zk) => new ServiceDiscovery(zk, 'api', '/svc' as Js), 'pass { basePath: "/svc" }'],
  ['new ServiceDiscovery(zk, 5)', (zk) => new ServiceDiscovery(zk, 5 as Js), 'service must be a non-empty string'],
  ['discovery.pick("first")', (zk) => Promise.resolve().then(() => new ServiceDiscovery(zk, 'api').pick('first' as Js)), "strategy must be 'random' or 'roundRobin'"],
  ['queryInstances(zk, s, "/svc")', (zk) => queryInstances(zk, 'api', '/svc' as Js), 'pass { basePath: "/svc" }'],
  ['listServices(zk, {})', (zk) => listServices(zk, {} as Js), 'basePath must be a path string'],
  ['registry.unregister(s, 7)', (zk) => new ServiceRegistry(zk).unregister('api', 7 as Js), 'id must be a non-empty string'],
  ['registry.update(s, "api-1")', (zk) => new ServiceRegistry(zk).update('api', 'api-1' as Js), "changes must be an object with the instance's id"],
  ['discovery.snapshots({ signal: {} })', (zk) => new ServiceDiscovery(zk, 'api').snapshots({ signal: {} } as Js), 'signal must be an AbortSignal'],
]

/** createClient from plain JS: every row must throw InvalidArgumentError at once (no client is made). */
const clientRows: [string, unknown, string][] = [
  ['options as a string', '/chroot', 'the connect string is the first argument'],
  ['unknown key with a habit', { timeout: 5000 }, 'use sessionTimeout (the session) or requestTimeout (each call)'],
  ['misspelt key', { sesionTimeout: 5000 }, 'did you mean "sessionTimeout"?'],
  ['numeric string', { sessionTimeout: '5000' }, 'the string "5000" is not the number 5000'],
  ['chroot key', { chroot: '/app' }, 'append the chroot to the connect string'],
  ['logger without methods', { logger: { info() {} } }, 'without debug, warn, error'],
  ['logger not an object', { logger: true }, 'logger must be an object'],
  ['readOnly as a string', { readOnly: 'true' }, 'readOnly must be true or false'],
  ['session id as a number', { session: { id: 5, password: Buffer.alloc(16) } }, 'session.id must be a bigint'],
  ['auth not an array', { auth: { scheme: 'digest', auth: 'a:b' } }, 'auth must be an array'],
  ['followConfig as a string', { followConfig: 'yes' }, 'followConfig must be true or false'],
  ['lookup not a function', { lookup: 'dns' }, 'lookup must be a function'],
  ['ssl instead of tls', { ssl: true }, 'use { tls }'],
  ['reconnectDelay reversed', { reconnectDelay: { initialMs: 100, maxMs: 10 } }, 'maxMs >= initialMs'],
]

describe('arguments from plain JavaScript', () => {
  let zk: ZooKeeperClient
  const starts: unknown[] = []
  const onStart = (message: unknown): void => {
    starts.push(message)
  }

  beforeAll(async () => {
    // Its own client, not the per-test helper's: the rows share it, so it lives for the whole file.
    const root = createClient(sharedServer())
    const chroot = `/t-${randomUUID()}`
    await root.create(chroot)
    await root.close()
    zk = createClient(`${sharedServer()}${chroot}`)
    await zk.create('/v', 'original')
    subscribe('tracing:zkwire:request:start', onStart)
  })
  afterAll(async () => {
    unsubscribe('tracing:zkwire:request:start', onStart)
    await zk.close()
  })

  it.each(rows)('%s rejects with InvalidArgumentError before anything is sent', async (_, call, fragment) => {
    starts.length = 0
    let outcome: unknown
    try {
      outcome = await call(zk)
    } catch (error) {
      outcome = error
    }
    expect(outcome).toBeInstanceOf(InvalidArgumentError)
    const message = (outcome as Error).message
    if (typeof fragment === 'string') expect(message).toContain(fragment)
    else expect(message).toMatch(fragment)
    expect(starts).toEqual([])
  })

  it('after every refused call the node is as it was: no write, no delete, no create', async () => {
    starts.length = 0
    const { data, stat } = await zk.getData('/v')
    expect(data.toString()).toBe('original')
    expect(stat.version).toBe(0)
    expect(await zk.exists('/n')).toBeNull()
    expect(await zk.exists('/a')).toBeNull()
    // The same calls with the right shape do what was meant.
    await expect((zk.setData as Js)('/v', 'x', { version: 7 })).rejects.toMatchObject({ code: 'BADVERSION' })
    const { path } = await zk.create('/n', 'x', { mode: CreateMode.EPHEMERAL })
    expect((await zk.exists(path))?.ephemeralOwner).toBe(zk.sessionId)
    // Well-formed calls do start traces, so the empty list in the rows above means something.
    expect(starts.length).toBeGreaterThanOrEqual(6)
  })

  it.each(clientRows)('createClient with %s throws InvalidArgumentError', (_, options, fragment) => {
    expect(() => createClient('127.0.0.1:1', options as Js)).toThrow(InvalidArgumentError)
    expect(() => createClient('127.0.0.1:1', options as Js)).toThrow(fragment)
  })

  it('createClient with a connect string that is not a string throws InvalidArgumentError', () => {
    expect(() => createClient(2181 as Js)).toThrow(InvalidArgumentError)
    expect(() => createClient({ connectString: '127.0.0.1:2181' } as Js)).toThrow('connect string must be a non-empty string')
  })

  it('a closed client still refuses bad arguments as arguments (the first problem named is the caller\'s)', async () => {
    const { client } = await chrootClient()
    await client.close()
    await expect((client.setData as Js)('/v', 'x', 7)).rejects.toThrow('pass { version: 7 }')
    await expect(client.getData('/v')).rejects.toMatchObject({ name: 'ClientClosedError' })
  })
})
