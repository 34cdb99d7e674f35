#!/usr/bin/env node
// Puts a runnable Apache ZooKeeper release under .zookeeper/<version>/ from Maven Central, with the
// machine's `mvn`: lib/ holds the server jar and its runtime dependencies (the layout of a release
// tarball, which ZOOKEEPER_HOME accepts). Usage: npm run zookeeper:fetch -- 3.9.5 [--force]
//
// Plain Node, no dependencies. Idempotent: an install that already ran once (its VERSION file
// names the version) is kept unless --force is given.
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync, renameSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const args = process.argv.slice(2)
const force = args.includes('--force')
const versions = args.filter((a) => a !== '--force')

function fail(message) {
  console.error(`zookeeper:fetch: ${message}`)
  process.exit(1)
}

if (versions.length !== 1) fail('give exactly one exact version, e.g. `npm run zookeeper:fetch -- 3.9.5`')
const version = versions[0]
// An exact release number only: Maven ranges or "LATEST" would make the matrix drift silently.
if (!/^3\.\d+\.\d+$/.test(version)) fail(`"${version}" is not an exact ZooKeeper release number such as 3.9.5`)
const [, minor] = version.split('.').map(Number)
if (minor < 5) fail(`ZooKeeper ${version} is older than 3.5, the oldest release zkwire supports`)

const home = join(root, '.zookeeper', version)
const marker = join(home, 'VERSION')
if (!force && existsSync(marker) && readFileSync(marker, 'utf8').trim() === version) {
  console.log(`zookeeper:fetch: ${home} already holds ZooKeeper ${version} (use --force to fetch again)`)
  process.exit(0)
}

// A throwaway pom: the server plus what a release tarball bundles but Maven marks provided or
// optional (the logging backend, metrics, snappy, the admin server's Jetty and Jackson), with the
// versions the release's own parent pom manages, imported as a BOM so every version is pinned by
// the one release number. copy-dependencies then resolves that closure from Maven Central.
const extras = [
  ['io.dropwizard.metrics', 'metrics-core'],
  ['org.xerial.snappy', 'snappy-java'],
  ['commons-cli', 'commons-cli'],
  ['com.fasterxml.jackson.core', 'jackson-databind'],
  ['org.eclipse.jetty', 'jetty-server'],
  ['org.eclipse.jetty', 'jetty-servlet'],
  // 3.8 replaced log4j 1.2 (a plain dependency before) with logback, which the pom marks optional.
  ...(minor >= 8 ? [['ch.qos.logback', 'logback-classic']] : []),
]
const dependency = (groupId, artifactId, version = '') =>
  `    <dependency><groupId>${groupId}</groupId><artifactId>${artifactId}</artifactId>${version && `<version>${version}</version>`}</dependency>`
const pom = `<?xml version="1.0" encoding="UTF-8"?>
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>zkwire.local</groupId>
  <artifactId>zookeeper-fetch</artifactId>
  <version>1</version>
  <packaging>pom</packaging>
  <dependencyManagement>
    <dependencies>
      <dependency>
        <groupId>org.apache.zookeeper</groupId><artifactId>parent</artifactId><version>${version}</version>
        <type>pom</type><scope>import</scope>
      </dependency>
    </dependencies>
  </dependencyManagement>
  <dependencies>
${[dependency('org.apache.zookeeper', 'zookeeper', version), ...extras.map(([g, a]) => dependency(g, a))].join('\n')}
  </dependencies>
</project>
`

const staging = join(root, '.zookeeper', `.staging-${version}`)
rmSync(staging, { recursive: true, force: true })
mkdirSync(staging, { recursive: true })
writeFileSync(join(staging, 'pom.xml'), pom)

const started = Date.now()
console.log(`zookeeper:fetch: resolving org.apache.zookeeper:zookeeper:${version} and its runtime dependencies with mvn`)
const mvn = spawnSync(
  'mvn',
  ['-B', '-q', '-Dstyle.color=never', '-f', join(staging, 'pom.xml'), 'dependency:copy-dependencies', '-DincludeScope=runtime', `-DoutputDirectory=${join(staging, 'lib')}`],
  { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
)
if (mvn.error) fail(`could not run mvn (${mvn.error.message}); install Maven (Debian: apt-get install maven)`)
if (mvn.status !== 0) console.error(`${mvn.stdout}${mvn.stderr}`.trim())
if (mvn.status !== 0) fail(`mvn exited with ${mvn.status}; is ${version} a released version and Maven Central reachable?`)

const jars = readdirSync(join(staging, 'lib')).filter((n) => n.endsWith('.jar'))
if (!jars.includes(`zookeeper-${version}.jar`)) fail(`mvn did not produce zookeeper-${version}.jar`)
if (!jars.some((n) => n.startsWith('zookeeper-jute-'))) fail('mvn did not produce the zookeeper-jute jar')

// Verify the jars run: the server's own version banner must name the version asked for.
const java = process.env.JAVA_HOME ? join(process.env.JAVA_HOME, 'bin', 'java') : 'java'
const probe = spawnSync(java, ['-cp', `${join(staging, 'lib')}/*`, 'org.apache.zookeeper.version.VersionInfoMain'], { encoding: 'utf8' })
if (probe.error) fail(`could not run ${java} (${probe.error.message})`)
const banner = `${probe.stdout}${probe.stderr}`.trim()
if (probe.status !== 0 || !new RegExp(`version ${version.replace(/\./g, '\\.')}\\b`).test(banner)) fail(`the fetched jars do not run as ZooKeeper ${version}: ${banner || `exit ${probe.status}`}`)

writeFileSync(join(staging, 'VERSION'), `${version}\n`)
rmSync(join(staging, 'pom.xml'))
rmSync(home, { recursive: true, force: true })
renameSync(staging, home)
const seconds = ((Date.now() - started) / 1000).toFixed(1)
console.log(`zookeeper:fetch: ${banner.split('\n')[0]} in ${home} (${jars.length} jars, ${seconds} s)`)
console.log(`zookeeper:fetch: run the suite on it with  ZOOKEEPER_HOME=.zookeeper/${version} npm test`)
