import { readFileSync } from 'node:fs'
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { LOOPBACK, jvmArguments, renderConfig, type SettingValue, type ZooKeeperServerOptions } from './config.js'
import { fourLetterWord, parseMode, type FourLetterWord, type FourLetterWordOptions, type ServerMode } from './four-letter.js'
import { Jvm, fileSize, logTail, registerTempDir, releaseTempDir } from './jvm.js'
import { freePort, freePorts } from './ports.js'
import { probeTlsOptions, tlsSettings, writeTlsFiles } from './tls-config.js'
import { waitFor, WaitTimeoutError } from './wait.js'
import { findZooKeeper, type ZooKeeperInstall } from './zookeeper-install.js'

/** Whether a testing server's JVM is serving, frozen by SIGSTOP, or not running. */
export type ServerState = 'running' | 'paused' | 'stopped'

/**
 * Why a server did not start: `START_TIMEOUT` (not serving within `startTimeoutMs`), `EXITED`
 * (the JVM died), `PORT_IN_USE` (a port was taken) or `JAVA_NOT_FOUND`. `logTail` holds the end
 * of the server log, also quoted in the message.
 */
export class TestingServerError extends Error {
  /** Stable code for programmatic checks. */
  readonly code: 'START_TIMEOUT' | 'EXITED' | 'PORT_IN_USE' | 'JAVA_NOT_FOUND'
  /** The last lines the server logged during this start. */
  readonly logTail: string
  constructor(code: TestingServerError['code'], message: string, logTail: string) {
    super(logTail ? `${message}\n--- server log (tail) ---\n${logTail}` : message)
    this.name = 'TestingServerError'
    this.code = code
    this.logTail = logTail
  }
}

/** Options for {@link TestingServer.start}. */
export interface TestingServerOptions extends ZooKeeperServerOptions {
  /** Client port on 127.0.0.1. Default: a free port. */
  port?: number
}

/** Options for {@link TestingServer.restart}. */
export interface RestartOptions {
  /** Wait until the server serves again. Default true. */
  wait?: boolean
}

/** @internal Everything a server needs to run; built by {@link TestingServer.start} or the cluster. */
export interface ServerSetup {
  install: ZooKeeperInstall
  options: ZooKeeperServerOptions
  dir: string
  ownsDir: boolean
  port: number
  /** The `secureClientPort` when `options.tls` is set, else null. */
  securePort: number | null
  myid: number | null
  servingModes: readonly ServerMode[]
  extraProperties?: Record<string, SettingValue>
}

/**
 * A real ZooKeeper server in a child JVM on 127.0.0.1, for tests (like Curator's `TestingServer`).
 * Its data, config and log live in a temporary directory removed by {@link TestingServer.close}.
 * Every JVM is killed when the Node process exits, even if a test forgets to close it.
 *
 * @example
 * const server = await TestingServer.start({ tickTime: 200 })
 * const zk = createClient(server.connectString)
 * // ...
 * await server.close()
 */
export class TestingServer {
  /** The loopback address the server binds. */
  readonly host = LOOPBACK
  /** Client port. Stays the same across restarts. */
  readonly port: number
  /** `127.0.0.1:<port>`, ready for a client. */
  readonly connectString: string
  /** The TLS client port (`secureClientPort`) when started with `tls`, else null. Stays the same across restarts. */
  readonly securePort: number | null
  /** `127.0.0.1:<securePort>` when started with `tls`, for a client with the `tls` option; else null. */
  readonly secureConnectString: string | null
  /** The server's directory: `zoo.cfg`, `data/`, `zookeeper.log`. */
  readonly dir: string
  /** ZooKeeper's `dataDir`; kept across restarts. */
  readonly dataDir: string
  /** Path of the generated `zoo.cfg`. */
  readonly configFile: string
  /** Path of the server log (JVM stdout and stderr). */
  readonly logFile: string
  /** `myid` in an ensemble, `null` for a standalone server. */
  readonly myid: number | null
  private readonly setup: ServerSetup
  private jvm: Jvm | null = null
  private paused = false
  private closed = false
  // Where this run's lines start in the log, so a start error quotes only its own run.
  private logStart = 0

  /** @internal Use {@link TestingServer.start} or {@link TestingCluster.start}. */
  constructor(setup: ServerSetup) {
    this.setup = setup
    this.port = setup.port
    this.connectString = `${LOOPBACK}:${setup.port}`
    this.securePort = setup.securePort
    this.secureConnectString = setup.securePort === null ? null : `${LOOPBACK}:${setup.securePort}`
    this.dir = setup.dir
    this.dataDir = join(setup.dir, 'data')
    this.configFile = join(setup.dir, 'zoo.cfg')
    this.logFile = join(setup.dir, 'zookeeper.log')
    this.myid = setup.myid
  }

  /**
   * Starts a standalone server on a free loopback port and resolves once it answers `ruok` with
   * `imok` and `srvr` reports `Mode: standalone`. Defaults: tickTime 500, 256 MiB heap, no fsync,
   * all four-letter words enabled, AdminServer off. Retries with a new port if the chosen one is
   * taken. Rejects with {@link TestingServerError} (with the log's tail) if it does not serve in time.
   *
   * @example
   * const server = await TestingServer.start({ extendedTypes: true, containerCheckIntervalMs: 100 })
   */
  static async start(options: TestingServerOptions = {}): Promise<TestingServer> {
    const install = options.install ?? findZooKeeper()
    const attempts = options.port === undefined ? 3 : 1
    for (let attempt = 1; ; attempt++) {
      const dir = await mkdtemp(join(options.tmpDir ?? tmpdir(), 'zkwire-zk-'))
      registerTempDir(dir)
      const port = options.port ?? (await freePort())
      const securePort = options.tls === undefined ? null : (await freePorts(2)).find((p) => p !== port)!
      const server = new TestingServer({ install, options, dir, ownsDir: true, port, securePort, myid: null, servingModes: ['standalone'] })
      try {
        await server.writeFiles([])
        await server.startJvm()
        await server.waitServing()
        return server
      } catch (err) {
        await server.close()
        if (!(err instanceof TestingServerError && err.code === 'PORT_IN_USE' && attempt < attempts)) throw err
      }
    }
  }

  /** The JVM's pid while it runs (also while paused), else `null`. */
  get pid(): number | null {
    return this.jvm?.alive ? this.jvm.pid : null
  }

  /** `running`, `paused` (SIGSTOP) or `stopped` (stopped, killed, crashed or not started). */
  get state(): ServerState {
    if (!this.jvm?.alive) return 'stopped'
    return this.paused ? 'paused' : 'running'
  }

  /** Sends a four-letter word to this server (to its secure port when `options.tls` is given). See {@link fourLetterWord}. */
  fourLetterWord(word: FourLetterWord, options?: FourLetterWordOptions): Promise<string> {
    if (options?.tls !== undefined && this.securePort === null) return Promise.reject(new Error(`server ${this.connectString} has no TLS port: start it with the tls option`))
    return fourLetterWord(LOOPBACK, options?.tls === undefined ? this.port : this.securePort!, word, options)
  }

  /** This server's `srvr` Mode, or `null` if it is up but not serving; rejects if unreachable. */
  async mode(options?: FourLetterWordOptions): Promise<ServerMode | null> {
    return parseMode(await this.fourLetterWord('srvr', options))
  }

  /** The last `lines` lines of the server log. */
  logTail(lines = 40): string {
    return logTail(this.logFile, lines)
  }

  /** Graceful stop: SIGTERM, then SIGKILL after `stopTimeoutMs` (default 5 s). Resolves when the JVM is gone. */
  async stop(): Promise<void> {
    const jvm = this.jvm
    if (!jvm?.alive) return
    await jvm.stop(this.setup.options.stopTimeoutMs ?? 5_000)
    this.paused = false
  }

  /** Crash: SIGKILL (`kill -9`). Resolves when the JVM is gone. Data written so far stays in `dataDir`. */
  async kill(): Promise<void> {
    const jvm = this.jvm
    if (!jvm?.alive) return
    await jvm.kill()
    this.paused = false
  }

  /**
   * Freezes the JVM with SIGSTOP: connections stay open, nothing answers; on the wire this looks
   * like a hung server or a partition. Resolves once the process is stopped.
   */
  async pause(): Promise<void> {
    const jvm = this.requireRunning('pause')
    jvm.signal('SIGSTOP')
    this.paused = true
    await waitForProcState(jvm.pid, (s) => s === 'T' || s === 't')
  }

  /** Thaws a paused JVM with SIGCONT. Resolves once the process runs again. */
  async resume(): Promise<void> {
    const jvm = this.requireRunning('resume')
    jvm.signal('SIGCONT')
    this.paused = false
    await waitForProcState(jvm.pid, (s) => s !== 'T' && s !== 't')
  }

  /**
   * Stops the server if it runs and starts it again on the same port with the same data,
   * waiting (by default) until it serves. An ensemble member serves only once a quorum is up.
   */
  async restart(options: RestartOptions = {}): Promise<void> {
    this.assertOpen('restart')
    await this.stop()
    await this.startJvm()
    if (options.wait ?? true) await this.waitServing()
  }

  /** Stops the server and, for a standalone server, removes its directory. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    try {
      await this.stop()
    } finally {
      if (this.setup.ownsDir) {
        await rm(this.dir, { recursive: true, force: true })
        releaseTempDir(this.dir)
      }
    }
  }

  /** @internal Writes zoo.cfg (and myid) for this server. */
  async writeFiles(ensemble: readonly string[], extra?: Record<string, SettingValue>): Promise<void> {
    await mkdir(this.dataDir, { recursive: true })
    if (this.myid !== null) await writeFile(join(this.dataDir, 'myid'), `${this.myid}\n`)
    const tls = this.setup.options.tls
    if (tls !== undefined && this.securePort !== null) {
      const files = await writeTlsFiles(this.dir, tls)
      extra = { ...extra, ...tlsSettings(tls, files, this.securePort, LOOPBACK, ensemble.length > 0) }
    }
    const layout = { dataDir: this.dataDir, clientPort: this.port, ensemble, ...(extra ? { extra } : {}) }
    await writeFile(this.configFile, renderConfig(this.setup.options, layout))
  }

  /** @internal Launches the JVM without waiting for it to serve. */
  async startJvm(): Promise<void> {
    this.assertOpen('start')
    if (this.jvm?.alive) throw new Error(`server ${this.connectString} is already running`)
    this.logStart = fileSize(this.logFile)
    const { install, options, extraProperties } = this.setup
    this.jvm = await Jvm.spawn({
      java: install.java,
      args: jvmArguments(install, options, this.dir, this.configFile, extraProperties),
      logFile: this.logFile,
      cwd: this.dir,
    })
    this.paused = false
  }

  /**
   * @internal Resolves when `ruok` answers `imok` and `srvr` reports a serving mode; on JVM exit
   * or timeout, kills the JVM and rejects with {@link TestingServerError}.
   */
  async waitServing(timeoutMs = this.setup.options.startTimeoutMs ?? 30_000): Promise<void> {
    const jvm = this.jvm
    if (jvm === null) throw new Error('server was never started')
    const died = new AbortController()
    void jvm.exited.then(() => died.abort(new Error('JVM exited')))
    const probe = { timeoutMs: 1_000, signal: died.signal }
    try {
      await waitFor(
        async () => {
          if ((await fourLetterWord(LOOPBACK, this.port, 'ruok', probe)) !== 'imok') return false
          const mode = parseMode(await fourLetterWord(LOOPBACK, this.port, 'srvr', probe))
          if (mode === null || !this.setup.servingModes.includes(mode)) return false
          // The TLS context is built at the first TLS connection: a bad store shows only there.
          // This probe also pays the first, slow handshake, so a test's client does not.
          const tls = this.setup.options.tls
          if (tls === undefined || this.securePort === null) return true
          return (await fourLetterWord(LOOPBACK, this.securePort, 'ruok', { ...probe, tls: probeTlsOptions(tls) })) === 'imok'
        },
        { timeoutMs, intervalMs: 50, signal: died.signal, description: `${this.connectString} to serve` },
      )
    } catch (err) {
      const exit = jvm.exit
      if (!exit) await jvm.kill()
      throw this.startError(exit, timeoutMs, err)
    }
  }

  private startError(exit: Jvm['exit'], timeoutMs: number, cause: unknown): TestingServerError {
    const tail = logTail(this.logFile, 40, this.logStart)
    const what = `ZooKeeper ${this.myid === null ? 'server' : `server ${this.myid}`} on ${this.connectString}`
    if (/Address already in use/i.test(tail)) return new TestingServerError('PORT_IN_USE', `${what}: a port was already in use`, tail)
    if (exit?.code === 127) {
      return new TestingServerError('JAVA_NOT_FOUND', `${what}: cannot run '${this.setup.install.java}'; install Java 11+ or set JAVA_HOME`, tail)
    }
    if (exit) {
      const how = exit.signal ? `signal ${exit.signal}` : `code ${String(exit.code)}`
      return new TestingServerError('EXITED', `${what}: JVM exited with ${how} before serving`, tail)
    }
    const last = cause instanceof WaitTimeoutError ? cause.lastError : cause
    const why = last instanceof Error ? `; last probe: ${last.message}` : ''
    return new TestingServerError('START_TIMEOUT', `${what}: not serving within ${timeoutMs} ms${why}`, tail)
  }

  private requireRunning(action: string): Jvm {
    this.assertOpen(action)
    if (!this.jvm?.alive) throw new Error(`cannot ${action} ${this.connectString}: the server is not running`)
    return this.jvm
  }

  private assertOpen(action: string): void {
    if (this.closed) throw new Error(`cannot ${action} ${this.connectString}: the server was closed`)
  }
}

// Linux reports the scheduler state in /proc; elsewhere the signal is trusted to have landed.
async function waitForProcState(pid: number, ok: (state: string) => boolean): Promise<void> {
  if (process.platform !== 'linux') return
  await waitFor(
    () => {
      try {
        const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
        return ok(stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3))
      } catch {
        return true // gone: nothing left to wait for
      }
    },
    { timeoutMs: 2_000, intervalMs: 2, description: `process ${pid} to change state` },
  )
}
