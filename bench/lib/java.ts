/**
 * The Java peer: bench/java/*.java compiled with javac against the server's own jars (Debian's
 * ZooKeeper 3.8.0 in /usr/share/java), once per content, and the command that runs one workload.
 */
import { spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs'
import { delimiter, join } from 'node:path'

const JAVA_DIR = process.env.ZKBENCH_JAVA_JARS ?? '/usr/share/java'
/** The client's classes and what they need at run time; slf4j-nop keeps the client's logging quiet. */
const JARS = ['zookeeper.jar', 'zookeeper-jute.jar', 'slf4j-api.jar', 'slf4j-nop.jar']
/** Netty, which the Java client needs for TLS (ClientCnxnSocketNetty); only W2-TLS uses it. */
const TLS_JARS = ['netty-handler.jar', 'netty-common.jar', 'netty-buffer.jar', 'netty-transport.jar', 'netty-codec.jar', 'netty-resolver.jar', 'netty-transport-native-epoll.jar', 'netty-transport-native-unix-common.jar']

/** A compiled Java peer: run `java ...args` with {@link JavaPeer.command}. */
export interface JavaPeer {
  classpath: string
  /** `java -version`'s first line, for the record. */
  version: string
  /** `jvmProperties` become `-Dname=value` (the client's TLS settings). */
  command(args: readonly string[], jvmProperties?: Record<string, string>): [string, string[]]
}

/** The Java client's settings for mutual TLS with PEM files (ZooKeeper 3.8 reads PEM key and trust stores). */
export function javaTlsProperties(keyStorePem: string, trustStorePem: string): Record<string, string> {
  return {
    'zookeeper.client.secure': 'true',
    'zookeeper.clientCnxnSocket': 'org.apache.zookeeper.ClientCnxnSocketNetty',
    'zookeeper.ssl.keyStore.location': keyStorePem,
    'zookeeper.ssl.keyStore.type': 'PEM',
    'zookeeper.ssl.trustStore.location': trustStorePem,
    'zookeeper.ssl.trustStore.type': 'PEM',
  }
}

/**
 * Checks for java and javac and the jars, and compiles the peer into `buildDir` unless that exact
 * source was compiled before. Throws with what to install when something is missing.
 */
export function prepareJavaPeer(sourceDir: string, buildDir: string): JavaPeer {
  const missingTool = ['java', 'javac'].filter((tool) => spawnSync(tool, ['-version'], { encoding: 'utf8' }).error !== undefined)
  if (missingTool.length > 0) {
    throw new Error(`the Java peer needs ${missingTool.join(' and ')} (a JDK, 11 or later): apt-get install openjdk-17-jdk-headless; or leave the Java client out with --peers nzc`)
  }
  const jars = JARS.map((jar) => join(JAVA_DIR, jar))
  const absent = jars.filter((jar) => !existsSync(jar))
  if (absent.length > 0) {
    throw new Error(`the Java peer is compiled against the server's jars, and these are missing: ${absent.join(', ')} (apt-get install zookeeper libslf4j-java, or set ZKBENCH_JAVA_JARS to their folder); or leave the Java client out with --peers nzc`)
  }
  const sources = readdirSync(sourceDir).filter((f) => f.endsWith('.java')).sort().map((f) => join(sourceDir, f))
  const hash = createHash('sha256')
  for (const file of sources) hash.update(file).update(readFileSync(file))
  for (const jar of jars) hash.update(jar)
  const digest = hash.digest('hex').slice(0, 16)
  const classes = join(buildDir, 'java', digest)
  const classpath = [classes, ...jars, ...TLS_JARS.map((jar) => join(JAVA_DIR, jar)).filter(existsSync)].join(delimiter)
  if (!existsSync(join(classes, 'ZkBench.class'))) {
    mkdirSync(classes, { recursive: true })
    const out = spawnSync('javac', ['-nowarn', '-Xlint:-path', '-encoding', 'UTF-8', '-d', classes, '-cp', jars.join(delimiter), ...sources], { encoding: 'utf8', timeout: 120_000 })
    if (out.status !== 0) throw new Error(`javac could not compile the Java peer (${sourceDir}):\n${out.stdout}${out.stderr}${out.error?.message ?? ''}`)
    writeFileSync(join(classes, 'SOURCES'), `${sources.join('\n')}\n`)
  }
  const versionOut = spawnSync('java', ['-version'], { encoding: 'utf8' })
  const version = (versionOut.stderr || versionOut.stdout).split('\n')[0]!.trim()
  // The JVM's defaults, as a Java user would start it; only the classpath is given.
  return { classpath, version, command: (args, props = {}) => ['java', [...Object.entries(props).map(([k, v]) => `-D${k}=${v}`), '-cp', classpath, 'ZkBench', ...args]] }
}
