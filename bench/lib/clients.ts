/**
 * The Node clients behind one small callback interface, so every workload drives them with the
 * same code. Each is used the way its own documentation shows: zkwire through its Promises (one
 * `.then` per call, as `await` would cost), node-zookeeper-client through its callbacks. The
 * third peer, the Java client, runs the same workloads in its own program (bench/java/).
 */
import { EventEmitter } from 'node:events'
import { createRequire } from 'node:module'
import { type ClientOptions, createClient, type ZooKeeperClient } from '../../src/index.js'

/** Every client the benchmark compares: zkwire and its two peers. */
export type ClientName = 'zkwire' | 'nzc' | 'java'
/** The clients that run inside a Node workload process. */
export type NodeClientName = Exclude<ClientName, 'java'>
export const CLIENTS: readonly ClientName[] = ['zkwire', 'nzc', 'java']
export const NODE_CLIENTS: readonly NodeClientName[] = ['zkwire', 'nzc']
/** How the tables name each client. */
export const CLIENT_TITLES: Readonly<Record<ClientName, string>> = { zkwire: 'zkwire', nzc: 'node-zookeeper-client 1.1.3', java: 'Java client 3.8.0' }

/** Completion callback: an error, or the value. */
export type Done<T = unknown> = (error: Error | null, value?: T) => void

/** What the workloads need from a client. Watchers get no arguments: the benchmark only counts. */
export interface BenchClient {
  readonly name: NodeClientName
  getData(path: string, done: Done<Buffer>, watcher?: () => void): void
  /** Resolves `true` when the node exists; with a watcher, leaves a data or existence watch. */
  exists(path: string, done: Done<boolean>, watcher?: () => void): void
  getChildren(path: string, done: Done<string[]>): void
  create(path: string, data: Buffer, done: Done<string>): void
  setData(path: string, data: Buffer, done: Done): void
  remove(path: string, done: Done): void
  /** Calls `listener` each time the session is usable again after a connection loss. */
  onReconnected(listener: () => void): void
  close(): Promise<void>
}

/** Connects a client of the given kind and resolves once it is connected (bounded). */
export async function connectClient(name: NodeClientName, connectString: string, sessionTimeout = 30_000, extra: Pick<ClientOptions, 'tls'> = {}): Promise<BenchClient> {
  if (name === 'nzc' && extra.tls !== undefined) throw new Error('node-zookeeper-client has no TLS')
  const client = name === 'zkwire' ? new ZkwireClient(connectString, sessionTimeout, extra) : new NzcClientAdapter(connectString, sessionTimeout)
  await client.ready(15_000)
  return client
}

// ---------------------------------------------------------------- zkwire

class ZkwireClient implements BenchClient {
  readonly name = 'zkwire'
  readonly zk: ZooKeeperClient

  constructor(connectString: string, sessionTimeout: number, extra: Pick<ClientOptions, 'tls'>) {
    // A pipelined window of 1,000 must fit the client's own window (default 5,000): it does.
    this.zk = createClient(connectString, { sessionTimeout, ...extra })
  }

  ready(timeoutMs: number): Promise<void> {
    return this.zk.connected({ timeout: timeoutMs })
  }

  getData(path: string, done: Done<Buffer>, watcher?: () => void): void {
    const p = watcher === undefined ? this.zk.getData(path) : this.zk.getData(path, { watcher })
    p.then((r) => done(null, r.data), done)
  }

  exists(path: string, done: Done<boolean>, watcher?: () => void): void {
    const p = watcher === undefined ? this.zk.exists(path) : this.zk.exists(path, { watcher })
    p.then((stat) => done(null, stat !== null), done)
  }

  getChildren(path: string, done: Done<string[]>): void {
    this.zk.getChildren(path).then((r) => done(null, r.children), done)
  }

  create(path: string, data: Buffer, done: Done<string>): void {
    this.zk.create(path, data).then((r) => done(null, r.path), done)
  }

  setData(path: string, data: Buffer, done: Done): void {
    this.zk.setData(path, data).then(() => done(null), done)
  }

  remove(path: string, done: Done): void {
    this.zk.delete(path).then(() => done(null), done)
  }

  onReconnected(listener: () => void): void {
    this.zk.on('state', (change: { state: string }) => {
      if (change.state === 'reconnected') listener()
    })
  }

  close(): Promise<void> {
    return this.zk.close()
  }
}

// ---------------------------------------------------------------- node-zookeeper-client

// It is CommonJS without types: describe just what the benchmark touches.
type Cb = (error: Error | null, ...values: unknown[]) => void
interface NzcClient extends EventEmitter {
  connect(): void
  close(): void
  getData(path: string, watcher: ((event: unknown) => void) | Cb, callback?: Cb): void
  exists(path: string, watcher: ((event: unknown) => void) | Cb, callback?: Cb): void
  getChildren(path: string, callback: Cb): void
  create(path: string, data: Buffer, callback: Cb): void
  setData(path: string, data: Buffer, version: number, callback: Cb): void
  remove(path: string, version: number, callback: Cb): void
}
interface Nzc {
  createClient(connectString: string, options: { sessionTimeout: number; spinDelay: number; retries: number }): NzcClient
}
/**
 * Loaded on first use, so a zkwire child does not carry node-zookeeper-client (about 6 MB of
 * resident memory) into its peak RSS.
 */
let nzcModule: Nzc | undefined
function nzc(): Nzc {
  nzcModule ??= createRequire(import.meta.url)('node-zookeeper-client') as Nzc
  return nzcModule
}

class NzcClientAdapter implements BenchClient {
  readonly name = 'nzc'
  private readonly client: NzcClient
  private everConnected = false

  constructor(connectString: string, sessionTimeout: number) {
    // retries: 0 is its default (it would otherwise retry non-idempotent creates).
    this.client = nzc().createClient(connectString, { sessionTimeout, spinDelay: 1000, retries: 0 })
  }

  ready(timeoutMs: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`node-zookeeper-client did not connect within ${timeoutMs} ms`)), timeoutMs)
      this.client.once('connected', () => {
        clearTimeout(timer)
        this.everConnected = true
        resolve()
      })
      this.client.connect()
    })
  }

  getData(path: string, done: Done<Buffer>, watcher?: () => void): void {
    const cb: Cb = (error, data) => done(error, data as Buffer)
    if (watcher === undefined) this.client.getData(path, cb)
    else this.client.getData(path, watcher, cb)
  }

  exists(path: string, done: Done<boolean>, watcher?: () => void): void {
    const cb: Cb = (error, stat) => done(error, stat !== null && stat !== undefined)
    if (watcher === undefined) this.client.exists(path, cb)
    else this.client.exists(path, watcher, cb)
  }

  getChildren(path: string, done: Done<string[]>): void {
    this.client.getChildren(path, (error, children) => done(error, children as string[]))
  }

  create(path: string, data: Buffer, done: Done<string>): void {
    this.client.create(path, data, (error, created) => done(error, created as string))
  }

  setData(path: string, data: Buffer, done: Done): void {
    this.client.setData(path, data, -1, (error) => done(error))
  }

  remove(path: string, done: Done): void {
    this.client.remove(path, -1, (error) => done(error))
  }

  onReconnected(listener: () => void): void {
    // It emits 'connected' for the first connection and for every reconnection.
    this.client.on('connected', () => {
      if (this.everConnected) listener()
    })
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      // It reports the end of closeSession only as 'disconnected'; bounded in case it never comes.
      const timer = setTimeout(resolve, 2_000)
      this.client.once('disconnected', () => {
        clearTimeout(timer)
        resolve()
      })
      this.client.close()
    })
  }
}
