import { existsSync, readdirSync, statSync } from 'node:fs'
import { basename, delimiter, join, resolve } from 'node:path'

/**
 * The SLF4J backend found on a classpath. `slf4j-simple` is added by zkwire when the install
 * has no backend of its own; `none` means ZooKeeper's own log lines are dropped.
 */
export type LoggingBackend = 'logback' | 'log4j' | 'slf4j-simple' | 'none'

/** A ZooKeeper server installation that {@link TestingServer} and {@link TestingCluster} can launch. */
export interface ZooKeeperInstall {
  /** Where it was found: `ZOOKEEPER_HOME` (or the `home` option) or Debian's `/usr/share/java`. */
  readonly source: 'home' | 'debian'
  /** The directory searched (`ZOOKEEPER_HOME` or the Debian jar directory). */
  readonly dir: string
  /** Absolute jar paths, in order; join with `path.delimiter` for `-cp`. */
  readonly classpath: readonly string[]
  /** The `java` executable: `$JAVA_HOME/bin/java` when `JAVA_HOME` is set, else `java` on `PATH`. */
  readonly java: string
  /** ZooKeeper version from the jar name (e.g. `3.8.0`), or `null` if the name has none. */
  readonly version: string | null
  /** Which SLF4J backend the classpath carries; decides how server logs are routed to a file. */
  readonly logging: LoggingBackend
}

/** Options for {@link findZooKeeper}; all default to the environment. */
export interface FindZooKeeperOptions {
  /** A ZooKeeper home (release tarball layout: `lib/*.jar`). Default: `$ZOOKEEPER_HOME`. */
  home?: string
  /** Debian's jar directory. Default `/usr/share/java`. */
  debianJavaDir?: string
  /** Java executable. Default `$JAVA_HOME/bin/java`, else `java`. */
  java?: string
  /** Environment to read `ZOOKEEPER_HOME` / `JAVA_HOME` from. Default `process.env`. */
  env?: Record<string, string | undefined>
}

/** Thrown when no usable ZooKeeper installation is found; the message says how to get one. */
export class ZooKeeperNotFoundError extends Error {
  /** Stable code for programmatic checks. */
  readonly code = 'ZOOKEEPER_NOT_FOUND'
  constructor(message: string) {
    super(message)
    this.name = 'ZooKeeperNotFoundError'
  }
}

const HOW_TO_INSTALL =
  'Install the server with `apt-get install zookeeper libslf4j-java` (Debian/Ubuntu), ' +
  'or unpack an Apache ZooKeeper release and set ZOOKEEPER_HOME to its directory.'

// Debian's zookeeper.jar names its dependencies in its manifest Class-Path, which the JVM follows;
// we also list them so the classpath we report is the one that runs and a missing one is visible.
const DEBIAN_REQUIRED = ['zookeeper.jar', 'zookeeper-jute.jar', 'slf4j-api.jar']
const DEBIAN_OPTIONAL = [
  'commons-cli.jar', 'commons-io.jar', 'jackson-annotations.jar', 'jackson-core.jar', 'jackson-databind.jar',
  'metrics-core.jar', 'snappy-java.jar', 'netty-buffer.jar', 'netty-codec.jar', 'netty-common.jar',
  'netty-handler.jar', 'netty-resolver.jar', 'netty-transport.jar', 'netty-transport-native-epoll.jar',
  'netty-transport-native-unix-common.jar',
]
const SLF4J_SIMPLE = 'slf4j-simple.jar'
const SERVER_JAR = /^zookeeper-(\d+\.\d+\.\d+[\w.-]*?)\.jar$/

/**
 * Locates a ZooKeeper server install and builds its classpath. Looks at `options.home`, then
 * `$ZOOKEEPER_HOME` (`*.jar` and `lib/*.jar`), then Debian's `/usr/share/java`. When the install
 * has no SLF4J backend, `slf4j-simple` is added if found (Debian: package `libslf4j-java`).
 * Throws {@link ZooKeeperNotFoundError} when nothing usable is found.
 *
 * @example
 * const zk = findZooKeeper()
 * console.log(zk.version, zk.classpath.join(':'))
 */
export function findZooKeeper(options: FindZooKeeperOptions = {}): ZooKeeperInstall {
  const env = options.env ?? process.env
  const java = options.java ?? (env.JAVA_HOME ? join(env.JAVA_HOME, 'bin', 'java') : 'java')
  const debianDir = options.debianJavaDir ?? '/usr/share/java'
  const home = options.home ?? (env.ZOOKEEPER_HOME || undefined)
  // The JVM runs in the server's own directory, so a relative home (`.zookeeper/3.9.5`, as
  // `npm run zookeeper:fetch` prints it) is resolved against this process's working directory.
  if (home !== undefined) return fromHome(resolve(home), java, debianDir)
  if (existsSync(join(debianDir, 'zookeeper.jar'))) return fromDebian(debianDir, java)
  throw new ZooKeeperNotFoundError(`No ZooKeeper server found: ZOOKEEPER_HOME is not set and ${debianDir}/zookeeper.jar does not exist. ${HOW_TO_INSTALL}`)
}

function fromHome(home: string, java: string, debianDir: string): ZooKeeperInstall {
  if (!isDir(home)) throw new ZooKeeperNotFoundError(`ZOOKEEPER_HOME=${home} is not a directory. ${HOW_TO_INSTALL}`)
  const jars = [...jarsIn(home), ...jarsIn(join(home, 'lib'))]
  const server = jars.find((j) => isServerJar(basename(j)))
  if (server === undefined) {
    throw new ZooKeeperNotFoundError(`ZOOKEEPER_HOME=${home} has no zookeeper-<version>.jar in it or in lib/. ${HOW_TO_INSTALL}`)
  }
  if (!jars.some((j) => basename(j).startsWith('zookeeper-jute'))) {
    throw new ZooKeeperNotFoundError(`ZOOKEEPER_HOME=${home} has ${basename(server)} but no zookeeper-jute jar; is the install complete? ${HOW_TO_INSTALL}`)
  }
  return withLogging({ source: 'home', dir: home, java, version: versionOf(basename(server)), jars }, [home, join(home, 'lib'), debianDir])
}

function fromDebian(dir: string, java: string): ZooKeeperInstall {
  const missing = DEBIAN_REQUIRED.filter((jar) => !existsSync(join(dir, jar)))
  if (missing.length > 0) {
    throw new ZooKeeperNotFoundError(`${dir}/zookeeper.jar is there but ${missing.join(', ')} is missing; the install is incomplete. ${HOW_TO_INSTALL}`)
  }
  const jars = [...DEBIAN_REQUIRED, ...DEBIAN_OPTIONAL].map((jar) => join(dir, jar)).filter((p) => existsSync(p))
  const versioned = readdirSync(dir).find((name) => isServerJar(name))
  return withLogging({ source: 'debian', dir, java, version: versioned ? versionOf(versioned) : null, jars }, [dir])
}

interface Found {
  source: 'home' | 'debian'
  dir: string
  java: string
  version: string | null
  jars: string[]
}

function withLogging(found: Found, simpleSearch: string[]): ZooKeeperInstall {
  const names = found.jars.map((j) => basename(j))
  let logging: LoggingBackend = 'none'
  const classpath = [...found.jars]
  if (names.some((n) => n.startsWith('logback-classic'))) logging = 'logback'
  else if (names.some((n) => /^slf4j-(log4j12|reload4j)/.test(n))) logging = 'log4j'
  else if (names.some((n) => n.startsWith('slf4j-simple'))) logging = 'slf4j-simple'
  else {
    const simple = simpleSearch.map((d) => join(d, SLF4J_SIMPLE)).find((p) => existsSync(p))
    if (simple !== undefined) {
      classpath.push(simple)
      logging = 'slf4j-simple'
    }
  }
  return { source: found.source, dir: found.dir, java: found.java, version: found.version, classpath, logging }
}

/** `-cp` value for an install. */
export function classpathString(install: ZooKeeperInstall): string {
  return install.classpath.join(delimiter)
}

function isServerJar(name: string): boolean {
  return SERVER_JAR.test(name) && !/-(tests|sources|javadoc)\.jar$/.test(name)
}

function versionOf(name: string): string | null {
  return SERVER_JAR.exec(name)?.[1] ?? null
}

function isDir(path: string): boolean {
  try {
    return statSync(path).isDirectory()
  } catch {
    return false
  }
}

function jarsIn(dir: string): string[] {
  if (!isDir(dir)) return []
  return readdirSync(dir).filter((n) => n.endsWith('.jar')).sort().map((n) => join(dir, n))
}
