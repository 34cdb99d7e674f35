import { mkdir, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { LOOPBACK, type ZooKeeperServerOptions } from './config.js'
import type { FourLetterWordOptions, ServerMode } from './four-letter.js'
import { registerTempDir, releaseTempDir } from './jvm.js'
import { freePorts } from './ports.js'
import { TestingServer, TestingServerError } from './server.js'
import { waitFor } from './wait.js'
import { findZooKeeper } from './zookeeper-install.js'

/** Options for {@link TestingCluster.start}. */
export interface TestingClusterOptions extends ZooKeeperServerOptions {
  /** Number of voting members. Default 3. */
  size?: number
  /** `initLimit` in ticks: how long followers may take to connect and sync to a leader. Default 10. */
  initLimit?: number
  /** `syncLimit` in ticks: how long a follower may lag before it is dropped. Default 5. */
  syncLimit?: number
  /**
   * Dynamic reconfiguration (`reconfigEnabled=true`): each `server.N` line then carries the
   * member's client address (`;127.0.0.1:port`), so `/zookeeper/config` lists client addresses
   * and `client.reconfig()` works (as a super user: see `superDigest`). Default false.
   */
  reconfigEnabled?: boolean
}

/** Options for {@link TestingCluster.leader} and {@link TestingCluster.waitForQuorum}. */
export interface ClusterWaitOptions {
  /** Give up after this many milliseconds. Default 30 000. */
  timeoutMs?: number
}

/**
 * A real ZooKeeper ensemble of JVMs on 127.0.0.1 (like Curator's `TestingCluster`), each member a
 * {@link TestingServer} that can be stopped, killed, paused, resumed and restarted on its own.
 * Every member gets its own client, quorum and election port; all start at once.
 *
 * @example
 * const cluster = await TestingCluster.start({ size: 3 })
 * const leader = await cluster.leader()
 * await leader.kill()
 * const next = await cluster.leader({ timeoutMs: 15_000 }) // a new leader among the other two
 * await cluster.close()
 */
export class TestingCluster {
  /** The members, in `myid` order (`servers[0].myid === 1`). */
  readonly servers: readonly TestingServer[]
  /** `127.0.0.1:p1,127.0.0.1:p2,…`, every member's client address. */
  readonly connectString: string
  /** Every member's TLS client address (`secureClientPort`) when started with `tls`, else null. */
  readonly secureConnectString: string | null
  /** The cluster's temporary directory, one `server-N/` per member. */
  readonly dir: string
  private closed = false

  private constructor(dir: string, servers: TestingServer[]) {
    this.dir = dir
    this.servers = servers
    this.connectString = servers.map((s) => s.connectString).join(',')
    this.secureConnectString = servers.every((s) => s.secureConnectString !== null) ? servers.map((s) => s.secureConnectString).join(',') : null
  }

  /**
   * Starts an ensemble (default 3 members, tickTime 500, initLimit 10, syncLimit 5) and resolves
   * when every member serves and exactly one is leader. Retries with fresh ports if one is taken.
   * Rejects with {@link TestingServerError} (with the failing member's log tail) otherwise.
   *
   * @example
   * const cluster = await TestingCluster.start({ size: 3, tickTime: 200 })
   */
  static async start(options: TestingClusterOptions = {}): Promise<TestingCluster> {
    const size = options.size ?? 3
    if (!Number.isInteger(size) || size < 1 || size > 254) throw new RangeError(`cluster size must be 1…254, got ${size}`)
    const install = options.install ?? findZooKeeper()
    for (let attempt = 1; ; attempt++) {
      const dir = await mkdtemp(join(options.tmpDir ?? tmpdir(), 'zkwire-cluster-'))
      registerTempDir(dir)
      const perMember = options.tls === undefined ? 3 : 4
      const ports = await freePorts(size * perMember)
      const servers: TestingServer[] = []
      const ensemble: string[] = []
      for (let i = 0; i < size; i++) {
        const [client, quorum, election, secure] = ports.slice(i * perMember, (i + 1) * perMember) as [number, number, number, number | undefined]
        const myid = i + 1
        const clientAddress = options.reconfigEnabled ? `:participant;${LOOPBACK}:${client}` : ''
        ensemble.push(`server.${myid}=${LOOPBACK}:${quorum}:${election}${clientAddress}`)
        servers.push(
          new TestingServer({
            install,
            options,
            dir: join(dir, `server-${myid}`),
            ownsDir: false,
            port: client,
            securePort: secure ?? null,
            myid,
            servingModes: options.readOnlyMode ? ['leader', 'follower', 'observer', 'read-only'] : ['leader', 'follower', 'observer'],
            // A dead peer's election port is refused at once on loopback; a paused one is not: keep it short.
            extraProperties: { 'zookeeper.cnxTimeout': 1_000 },
          }),
        )
      }
      const cluster = new TestingCluster(dir, servers)
      try {
        const limits = {
          initLimit: options.initLimit ?? 10,
          syncLimit: options.syncLimit ?? 5,
          ...(options.reconfigEnabled ? { reconfigEnabled: true, standaloneEnabled: false } : {}),
        }
        for (const server of servers) await mkdir(server.dir, { recursive: true })
        await Promise.all(servers.map((s) => s.writeFiles(ensemble, limits)))
        // Start every JVM before waiting on any: a member serves only once a quorum is up.
        await Promise.all(servers.map((s) => s.startJvm()))
        await Promise.all(servers.map((s) => s.waitServing()))
        await cluster.leader({ timeoutMs: options.startTimeoutMs ?? 30_000 })
        return cluster
      } catch (err) {
        await cluster.close()
        if (!(err instanceof TestingServerError && err.code === 'PORT_IN_USE' && attempt < 3)) throw err
      }
    }
  }

  /**
   * Each member's `srvr` Mode, in `servers` order: `null` for a member that is stopped, paused,
   * unreachable or not serving (e.g. during an election).
   */
  async modes(options: FourLetterWordOptions = {}): Promise<Array<ServerMode | null>> {
    const probe = { timeoutMs: 1_000, ...options }
    return Promise.all(
      this.servers.map((s) => (s.state === 'running' ? s.mode(probe).catch(() => null) : Promise.resolve(null))),
    )
  }

  /** One probe of every running member: the leader if exactly one reports `Mode: leader`, else `null`. */
  async findLeader(options: FourLetterWordOptions = {}): Promise<TestingServer | null> {
    const modes = await this.modes(options)
    const leaders = this.servers.filter((_, i) => modes[i] === 'leader')
    return leaders.length === 1 ? (leaders[0] as TestingServer) : null
  }

  /**
   * Waits (default up to 30 s) until exactly one running member reports `Mode: leader`, and returns it.
   *
   * @example
   * const old = await cluster.leader()
   * await old.kill()
   * const next = await cluster.leader() // polls until the survivors elect one
   */
  async leader(options: ClusterWaitOptions = {}): Promise<TestingServer> {
    return waitFor(() => this.findLeader(), {
      timeoutMs: options.timeoutMs ?? 30_000,
      intervalMs: 100,
      description: 'exactly one leader',
    })
  }

  /**
   * Waits (default up to 30 s) until a majority of the ensemble serves under exactly one leader,
   * i.e. the ensemble accepts writes; returns the leader.
   */
  async waitForQuorum(options: ClusterWaitOptions = {}): Promise<TestingServer> {
    const majority = Math.floor(this.servers.length / 2) + 1
    return waitFor(
      async () => {
        const modes = await this.modes()
        const leaders = modes.filter((m) => m === 'leader').length
        const serving = modes.filter((m) => m === 'leader' || m === 'follower').length
        return leaders === 1 && serving >= majority ? (this.servers[modes.indexOf('leader')] as TestingServer) : null
      },
      { timeoutMs: options.timeoutMs ?? 30_000, intervalMs: 100, description: `a quorum of ${majority}` },
    )
  }

  /** Stops every member and removes the cluster's directory. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    try {
      await Promise.all(this.servers.map((s) => s.close()))
    } finally {
      await rm(this.dir, { recursive: true, force: true })
      releaseTempDir(this.dir)
    }
  }
}
