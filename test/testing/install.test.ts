import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { basename, isAbsolute, join, relative } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { jvmArguments, renderConfig } from '../../src/testing/config.js'
import { digestCredential, findZooKeeper, ZooKeeperNotFoundError } from '../../src/testing/index.js'

const DEBIAN = '/usr/share/java'
const scratch = mkdtempSync(join(tmpdir(), 'zkwire-install-test-'))
afterAll(() => rmSync(scratch, { recursive: true, force: true }))

/** A fake ZOOKEEPER_HOME (release layout: lib/*.jar) made of links to the Debian jars. */
function fakeHome(name: string, jars: Record<string, string>): string {
  const home = join(scratch, name)
  mkdirSync(join(home, 'lib'), { recursive: true })
  for (const [link, target] of Object.entries(jars)) symlinkSync(join(DEBIAN, target), join(home, 'lib', link))
  return home
}

describe('findZooKeeper', () => {
  it("finds Debian's install with its dependencies and slf4j-simple", () => {
    const zk = findZooKeeper({ env: {} })
    expect(zk.source).toBe('debian')
    expect(zk.version).toMatch(/^3\.\d+\.\d+/)
    const names = zk.classpath.map((p) => basename(p))
    expect(names.slice(0, 3)).toEqual(['zookeeper.jar', 'zookeeper-jute.jar', 'slf4j-api.jar'])
    expect(names).toContain('slf4j-simple.jar')
    expect(zk.logging).toBe('slf4j-simple')
    expect(zk.java).toBe('java')
  })

  it('uses JAVA_HOME for the java executable', () => {
    expect(findZooKeeper({ env: { JAVA_HOME: '/opt/jdk' } }).java).toBe('/opt/jdk/bin/java')
  })

  it('prefers ZOOKEEPER_HOME and reads its version from the jar name', () => {
    const home = fakeHome('release', {
      'zookeeper-3.9.9.jar': 'zookeeper.jar',
      'zookeeper-jute-3.9.9.jar': 'zookeeper-jute.jar',
      'slf4j-api-1.7.32.jar': 'slf4j-api.jar',
    })
    const zk = findZooKeeper({ env: { ZOOKEEPER_HOME: home } })
    expect(zk).toMatchObject({ source: 'home', dir: home, version: '3.9.9', logging: 'slf4j-simple' })
    expect(zk.classpath.every((p) => p.startsWith(home) || p === join(DEBIAN, 'slf4j-simple.jar'))).toBe(true)
  })

  it("keeps the release's own logging backend instead of adding slf4j-simple", () => {
    const home = fakeHome('with-backend', {
      'zookeeper-3.8.4.jar': 'zookeeper.jar',
      'zookeeper-jute-3.8.4.jar': 'zookeeper-jute.jar',
      'logback-classic-1.2.13.jar': 'slf4j-api.jar', // only the name matters here
    })
    const zk = findZooKeeper({ home })
    expect(zk.logging).toBe('logback')
    expect(zk.classpath.some((p) => p.includes('slf4j-simple'))).toBe(false)
  })

  it('accepts a relative ZOOKEEPER_HOME (as zookeeper:fetch prints it) and makes every path absolute', () => {
    const home = fakeHome('3.9.9', {
      'zookeeper-3.9.9.jar': 'zookeeper.jar',
      'zookeeper-jute-3.9.9.jar': 'zookeeper-jute.jar',
    })
    const zk = findZooKeeper({ env: { ZOOKEEPER_HOME: relative(process.cwd(), home) } })
    expect(zk).toMatchObject({ source: 'home', dir: home, version: '3.9.9' })
    expect(zk.classpath.every((p) => isAbsolute(p))).toBe(true)
  })

  it('says how to install when nothing is found', () => {
    const call = () => findZooKeeper({ env: {}, debianJavaDir: join(scratch, 'nowhere') })
    expect(call).toThrow(ZooKeeperNotFoundError)
    expect(call).toThrow(/apt-get install zookeeper/)
    expect(call).toThrow(/ZOOKEEPER_HOME/)
  })

  it('rejects a ZOOKEEPER_HOME without server jars', () => {
    const home = fakeHome('empty', {})
    expect(() => findZooKeeper({ env: { ZOOKEEPER_HOME: home } })).toThrow(/no zookeeper-<version>\.jar/)
  })
})

describe('server configuration', () => {
  const install = findZooKeeper({ env: {} })

  it('renders zoo.cfg for fast, loopback-only tests, with user overrides last', () => {
    const cfg = renderConfig(
      { minSessionTimeout: 400, config: { tickTime: 100, 'snapCount': 50 } },
      { dataDir: '/d', clientPort: 1234, ensemble: ['server.1=127.0.0.1:1:2'] },
    )
    const lines = cfg.trim().split('\n')
    expect(lines).toContain('tickTime=100')
    expect(lines).not.toContain('tickTime=500')
    expect(lines).toEqual(expect.arrayContaining([
      'clientPort=1234', 'clientPortAddress=127.0.0.1', '4lw.commands.whitelist=*', 'admin.enableServer=false',
      'maxClientCnxns=0', 'forceSync=no', 'minSessionTimeout=400', 'snapCount=50', 'dataDir=/d',
    ]))
    expect(lines.at(-1)).toBe('server.1=127.0.0.1:1:2')
  })

  it('maps options to JVM flags', () => {
    const args = jvmArguments(install, {
      extendedTypes: true,
      containerCheckIntervalMs: 100,
      readOnlyMode: true,
      superDigest: digestCredential('super', 'secret'),
      jvmHeapMb: 128,
      systemProperties: { 'zookeeper.foo': 'bar' },
      jvmArgs: ['-Dextra=1'],
    }, scratch, '/cfg/zoo.cfg')
    expect(args).toEqual(expect.arrayContaining([
      '-Xmx128m', '-XX:+UseSerialGC', '-XX:TieredStopAtLevel=1',
      '-Dzookeeper.extendedTypesEnabled=true', '-Dznode.container.checkIntervalMs=100', '-Dreadonlymode.enabled=true',
      '-Dzookeeper.DigestAuthenticationProvider.superDigest=super:lK75jTNcA+U9vtVEw5vB51mj/w4=',
      '-Dzookeeper.foo=bar', '-Dextra=1',
    ]))
    expect(args.slice(-2)).toEqual(['org.apache.zookeeper.server.quorum.QuorumPeerMain', '/cfg/zoo.cfg'])
    expect(jvmArguments(install, { fastJvm: false }, scratch, '/c')).not.toContain('-XX:TieredStopAtLevel=1')
  })
})
