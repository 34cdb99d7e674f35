import { createHash } from 'node:crypto'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { TestingTlsOptions } from './tls-config.js'
import type { ZooKeeperInstall } from './zookeeper-install.js'
import { classpathString } from './zookeeper-install.js'

/** A value for a `zoo.cfg` line or a `-D` system property. */
export type SettingValue = string | number | boolean

/** Server log level (routed to the server's log file, never to the test's output). */
export type ServerLogLevel = 'error' | 'warn' | 'info' | 'debug' | 'trace'

/** Options shared by {@link TestingServer.start} and {@link TestingCluster.start}. */
export interface ZooKeeperServerOptions {
  /** The install to run. Default: {@link findZooKeeper}(). */
  install?: ZooKeeperInstall
  /** `tickTime` in ms. Default 500 (session timeouts then default to 1 s … 10 s). */
  tickTime?: number
  /** `minSessionTimeout` in ms. Default: the server's, 2 × tickTime. */
  minSessionTimeout?: number
  /** `maxSessionTimeout` in ms. Default: the server's, 20 × tickTime. */
  maxSessionTimeout?: number
  /** Enable TTL nodes (`-Dzookeeper.extendedTypesEnabled=true`). Default false. */
  extendedTypes?: boolean
  /** How often empty containers and expired TTL nodes are reaped (`-Dznode.container.checkIntervalMs`). Default: the server's, 60 000. */
  containerCheckIntervalMs?: number
  /** Let a partitioned ensemble member serve reads (`-Dreadonlymode.enabled=true`). Default false. */
  readOnlyMode?: boolean
  /** Super user digest `user:base64(sha1(user:password))`; see {@link digestCredential}. Default none. */
  superDigest?: string
  /** JVM max heap in MiB. Default 256. */
  jvmHeapMb?: number
  /** fsync the transaction log (`forceSync=yes`). Default false: fast, and a test loses nothing by it. */
  forceSync?: boolean
  /** Start-up-friendly JVM flags (`-XX:+UseSerialGC -XX:TieredStopAtLevel=1`). Default true; set false for benchmarks. */
  fastJvm?: boolean
  /** Extra `zoo.cfg` lines; they override the generated ones with the same key. */
  config?: Record<string, SettingValue>
  /** Extra `-D` system properties. */
  systemProperties?: Record<string, SettingValue>
  /** Extra raw JVM arguments, placed before the main class. */
  jvmArgs?: readonly string[]
  /** Server log level. Default `info`. */
  logLevel?: ServerLogLevel
  /** Bound on a start or restart, until the server serves. Default 30 000 ms. */
  startTimeoutMs?: number
  /** Bound on `stop()` between SIGTERM and SIGKILL. Default 5 000 ms. */
  stopTimeoutMs?: number
  /** Parent of the temporary directory. Default `os.tmpdir()`. */
  tmpDir?: string
  /**
   * Serve TLS on a second port (`secureClientPort`, see `TestingServer.securePort`) beside the
   * plain one, with these certificates; in an ensemble also TLS between members. Default none.
   */
  tls?: TestingTlsOptions
}

/** The loopback address every testing server binds. */
export const LOOPBACK = '127.0.0.1'

/**
 * The ACL/super-user digest of a user and password: `user:base64(sha1("user:password"))`,
 * as ZooKeeper's `DigestAuthenticationProvider` computes it.
 *
 * @example
 * await TestingServer.start({ superDigest: digestCredential('super', 'secret') })
 */
export function digestCredential(user: string, password: string): string {
  return `${user}:${createHash('sha1').update(`${user}:${password}`).digest('base64')}`
}

/** One server's place in the generated configuration. */
export interface ServerLayout {
  dataDir: string
  clientPort: number
  /** `server.N` lines of an ensemble; empty for standalone. */
  ensemble: readonly string[]
  /** Ensemble-only settings such as initLimit / syncLimit. */
  extra?: Record<string, SettingValue>
}

/** Renders `zoo.cfg`: defaults for fast tests, then the ensemble's, then the user's overrides. */
export function renderConfig(options: ZooKeeperServerOptions, layout: ServerLayout): string {
  const cfg: Record<string, SettingValue> = {
    tickTime: options.tickTime ?? 500,
    dataDir: layout.dataDir,
    clientPort: layout.clientPort,
    clientPortAddress: LOOPBACK,
    maxClientCnxns: 0,
    '4lw.commands.whitelist': '*',
    'admin.enableServer': false,
    forceSync: options.forceSync ? 'yes' : 'no',
    // KiB; the default 64 MiB preallocation per log file is wasted on throwaway data.
    preAllocSize: 1024,
    ...layout.extra,
  }
  if (options.minSessionTimeout !== undefined) cfg.minSessionTimeout = options.minSessionTimeout
  if (options.maxSessionTimeout !== undefined) cfg.maxSessionTimeout = options.maxSessionTimeout
  Object.assign(cfg, options.config)
  const lines = Object.entries(cfg).map(([k, v]) => `${k}=${String(v)}`)
  return [...lines, ...layout.ensemble, ''].join('\n')
}

/** The JVM command line (after `java`) for one server. */
export function jvmArguments(
  install: ZooKeeperInstall,
  options: ZooKeeperServerOptions,
  dir: string,
  configFile: string,
  extraProperties: Record<string, SettingValue> = {},
): string[] {
  const props: Record<string, SettingValue> = {
    'java.net.preferIPv4Stack': true,
    'zookeeper.admin.enableServer': false,
    'zookeeper.jmx.log4j.disable': true,
    ...loggingProperties(install, dir, options.logLevel ?? 'info'),
    ...extraProperties,
  }
  if (options.extendedTypes) props['zookeeper.extendedTypesEnabled'] = true
  if (options.containerCheckIntervalMs !== undefined) props['znode.container.checkIntervalMs'] = options.containerCheckIntervalMs
  if (options.readOnlyMode) props['readonlymode.enabled'] = true
  if (options.superDigest !== undefined) props['zookeeper.DigestAuthenticationProvider.superDigest'] = options.superDigest
  Object.assign(props, options.systemProperties)
  const fast = options.fastJvm ?? true
  return [
    `-Xmx${options.jvmHeapMb ?? 256}m`,
    '-XX:-UsePerfData',
    ...(fast ? ['-XX:+UseSerialGC', '-XX:TieredStopAtLevel=1', '-Xshare:auto'] : []),
    ...Object.entries(props).map(([k, v]) => `-D${k}=${String(v)}`),
    ...(options.jvmArgs ?? []),
    '-cp',
    classpathString(install),
    'org.apache.zookeeper.server.quorum.QuorumPeerMain',
    configFile,
  ]
}

const PATTERN = '%d{HH:mm:ss.SSS} %-5p [%t] %c{1} - %m%n'

// Everything goes to the JVM's stdout/stderr, which the launcher appends to the server's log file.
function loggingProperties(install: ZooKeeperInstall, dir: string, level: ServerLogLevel): Record<string, SettingValue> {
  switch (install.logging) {
    case 'slf4j-simple':
      return {
        'org.slf4j.simpleLogger.defaultLogLevel': level,
        'org.slf4j.simpleLogger.showDateTime': true,
        'org.slf4j.simpleLogger.dateTimeFormat': 'HH:mm:ss.SSS',
      }
    case 'logback': {
      const file = join(dir, 'logback.xml')
      writeFileSync(
        file,
        `<configuration><appender name="OUT" class="ch.qos.logback.core.ConsoleAppender"><encoder><pattern>${PATTERN.replace('%c{1}', '%logger{0}')}</pattern></encoder></appender>` +
          `<root level="${level.toUpperCase()}"><appender-ref ref="OUT"/></root></configuration>\n`,
      )
      return { 'logback.configurationFile': file }
    }
    case 'log4j': {
      const file = join(dir, 'log4j.properties')
      writeFileSync(
        file,
        `log4j.rootLogger=${level.toUpperCase()}, OUT\nlog4j.appender.OUT=org.apache.log4j.ConsoleAppender\n` +
          `log4j.appender.OUT.layout=org.apache.log4j.PatternLayout\nlog4j.appender.OUT.layout.ConversionPattern=${PATTERN}\n`,
      )
      return { 'log4j.configuration': `file:${file}` }
    }
    case 'none':
      return {}
  }
}
